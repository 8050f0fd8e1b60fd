"""Who is calling: a bearer API token or the session cookie of a logged-in person."""
from flask import redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from engine import users
from engine.uow import unit_of_work

login_manager = LoginManager()


class Principal(UserMixin):
    """The caller, detached from the database session it was loaded in."""

    def __init__(self, row):
        self.id = row.id
        self.username = row.username
        self.is_admin = row.is_admin
        self.groups = list(row.groups or [])
        self.roles = list(getattr(row, "roles", None) or [])

    def get_id(self):
        return str(self.id)


@login_manager.user_loader
def _load_session_user(user_id):
    try:
        user_id = int(user_id)
    except ValueError:
        return None
    with unit_of_work() as uow:
        row = users.get_user(uow, user_id)
        return Principal(row) if row else None


@login_manager.request_loader
def _load_token_user(req):
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with unit_of_work() as uow:
        row = users.user_for_token(uow, token.strip())
        return Principal(row) if row else None


def init_app(app):
    login_manager.init_app(app)
    app.before_request(require_login)


def caller():
    """The authenticated Principal; views behind require_login only."""
    return current_user if current_user.is_authenticated else None


def is_api_request():
    return request.path.startswith("/api/") or request.path.startswith("/engine-rest")


PUBLIC_ENDPOINTS = {"ops.healthz", "static", "ui_session.login"}


def require_login():
    """Everything but the public endpoints needs a token or a session: 401 otherwise.

    A person's browser asking for a page is sent to the login form instead, and comes back after.
    """
    from .errors import error_response
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated and not is_api_request() and request.path != "/metrics":
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("ui_session.login", next=target))
    if not current_user.is_authenticated:
        response = error_response(401, "unauthorized",
                                  "authentication required: send 'Authorization: Bearer <token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="baton"'
        return response
    return None
