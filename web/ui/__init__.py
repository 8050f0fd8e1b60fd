"""The pages for people: server-rendered with Jinja, calling the same services as the API.

One blueprint per page family; templates in web/ui/templates/ui/, scripts and styles in
web/static/ (bpmn-js and form-js are copied into web/static/vendor/ by `make install`).
"""
from . import csrf, dashboard, definitions, inbox, instances, people, session, task
from .pages import install_template_helpers

BLUEPRINTS = (session.bp, dashboard.bp, inbox.bp, task.bp, definitions.bp, instances.bp, people.bp)


def init_app(app):
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    csrf.init_app(app)
    install_template_helpers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
