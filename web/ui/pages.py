"""What every page blueprint shares: rendering, role gates, the answer to a refused action, formats."""
import json
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request

from engine import roles
from engine.errors import Forbidden, NotFound, ServiceError

from ..api import call  # noqa: F401  (the pages run services exactly as the API does)
from ..auth import caller
from ..errors import STATUS
from .csrf import CSRFError


def render(template, http_status=200, **context):
    return render_template(f"ui/{template}", **context), http_status


def requires(role):
    """Only people with this role may use the view; the rest get a 403 page."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            roles.require(caller(), role)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def require_role_for_blueprint(bp, role):
    bp.before_request(lambda: roles.require(caller(), role))


def safe_target(target, default="/"):
    """A local path to go back to; anything pointing elsewhere is replaced by the default."""
    if not target or not isinstance(target, str):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def back(default="/"):
    """Where the form that was just posted came from (its hidden `_next` field)."""
    return safe_target(request.form.get("_next"), default)


def install_error_pages(bp):
    @bp.errorhandler(ServiceError)
    def service_error(exc):
        status = next((STATUS[c] for c in type(exc).__mro__ if c in STATUS), 400)
        if request.method == "POST" and not isinstance(exc, (NotFound, Forbidden)) and request.form.get("_next"):
            # A refused action (claimed meanwhile, nothing selected...) is told on the page it came from.
            flash(exc.message, "error")
            return redirect(back())
        return render("error.html", status, status=status, message=exc.message, details=exc.details)

    @bp.errorhandler(CSRFError)
    def csrf_error(exc):
        return render("error.html", 400, status=400,
                      message="The form had expired or did not come from this site. Go back, reload the "
                              "page and send it again.", details=[])


# --------------------------------------------------------------------------
# Formats for templates

def when(value, with_time=True):
    """An ISO timestamp as people read it, in UTC."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")


def as_json(value, indent=None):
    return json.dumps(value, indent=indent, ensure_ascii=False, sort_keys=indent is not None, default=str)


def install_template_helpers(app):
    app.add_template_filter(when, "when")
    app.add_template_filter(as_json, "as_json")
    app.add_template_global(roles.has, "has_role")
