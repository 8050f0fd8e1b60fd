"""Serving the app with gunicorn, a production WSGI server, from `baton serve`."""
from gunicorn.app.base import BaseApplication

from . import create_app


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app()


def serve(host, port, workers, threads):
    _Server({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
             "accesslog": "-", "timeout": 60, "graceful_timeout": 10}).run()


def app():
    """For `gunicorn 'web.wsgi:app()'`."""
    return create_app()
