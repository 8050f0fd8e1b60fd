"""CSRF protection for everything a browser can send with its session cookie.

A bearer token is not sent by a browser on its own, so requests that carry one need no token;
every other unsafe request does, whether it is a page's form or a script calling /api/ with the
session. Forms send the token as `_csrf_token` (a form field id cannot start with "_", so it never
collides with one), scripts as the `X-CSRFToken` header.
"""
from flask import request
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

__all__ = ["CSRFError", "init_app"]


def _has_bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def init_app(app):
    # Flask-WTF's own check would run for every POST, bearer or not; we decide per request below.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # The token lives as long as the session: a form left open over lunch still submits.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_FIELD_NAME", "_csrf_token")
    csrf.init_app(app)

    @app.before_request
    def _protect():
        if request.method in SAFE_METHODS or _has_bearer_token():
            return None
        csrf.protect()
        return None
