"""Signing in and out with a user name and password; the session cookie carries who you are."""
from flask import Blueprint, redirect, request, url_for
from flask_login import login_user, logout_user

from engine import users

from ..auth import Principal, caller
from .pages import call, install_error_pages, render, safe_target

bp = Blueprint("ui_session", __name__, template_folder="templates")
install_error_pages(bp)


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_target(request.values.get("next"), url_for("ui_dashboard.index"))
    if request.method == "GET":
        if caller() is not None:
            return redirect(target)
        return render("login.html", next=target, username="")
    username = request.form.get("username", "").strip()
    principal = call(_authenticate, username, request.form.get("password", ""))
    if principal is None:
        return render("login.html", 401, next=target, username=username,
                      error="Wrong user name or password.")
    login_user(principal)
    return redirect(target)


def _authenticate(uow, username, password):
    # The Principal is built while the row is still attached to the unit of work's session.
    row = users.authenticate(uow, username, password)
    return Principal(row) if row is not None else None


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("ui_session.login"))
