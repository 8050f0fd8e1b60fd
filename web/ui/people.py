"""Admins give people roles and candidate groups."""
from flask import Blueprint, flash, redirect, request, url_for

from engine import people, roles

from .pages import call, install_error_pages, render, require_role_for_blueprint

bp = Blueprint("ui_people", __name__, template_folder="templates")
install_error_pages(bp)
require_role_for_blueprint(bp, "admin")


@bp.get("/admin/users")
def index():
    return render("people.html", people=call(people.list_people), roles=roles.ROLES)


@bp.post("/admin/users")
def create():
    form = request.form
    call(people.add_person, form.get("username", "").strip(), form.get("password", ""),
         form.getlist("role"), form.get("groups", ""))
    flash(f"User {form.get('username', '').strip()} created.")
    return redirect(url_for("ui_people.index"))


@bp.post("/admin/users/<username>")
def update(username):
    call(people.change_access, username, request.form.getlist("role"), request.form.get("groups", ""))
    flash(f"Saved {username}'s roles and groups.")
    return redirect(url_for("ui_people.index"))
