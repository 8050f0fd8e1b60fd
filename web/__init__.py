"""The Flask application: JSON API under /api/v1 and the pages for people (web/ui)."""
from flask import Flask

from engine import db, jobs


def create_app(config=None):
    from . import config as settings

    app = Flask(__name__)
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    app.json.sort_keys = False

    db.configure(app.config["DATABASE_URL"])

    from worker import queue
    jobs.set_dispatcher(queue.dispatcher(app.config["REDIS_URL"]))

    from . import auth, errors, metrics
    auth.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)

    from .api import deployments, definitions, events, incidents, instances, ops, tasks
    for module in (ops, deployments, definitions, instances, tasks, incidents, events):
        app.register_blueprint(module.bp)

    from . import ui
    ui.init_app(app)   # the pages, and CSRF protection for whatever a browser session sends
    return app
