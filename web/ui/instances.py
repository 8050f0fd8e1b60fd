"""Operators' pages: find instances, look at one, retry its incidents, cancel it."""
import json

from flask import Blueprint, flash, redirect, request, url_for

from engine import incidents, instance_page, instances
from engine.errors import BadRequest

from ..auth import caller
from .pages import back, call, install_error_pages, render, require_role_for_blueprint

bp = Blueprint("ui_instances", __name__, template_folder="templates")
install_error_pages(bp)
require_role_for_blueprint(bp, "operator")


@bp.get("/instances")
def index():
    args = request.args
    result = call(instance_page.search, key=args.get("key") or None, state=args.get("state") or None,
                  business_key=args.get("business_key") or None, started_from=args.get("started_from") or None,
                  started_to=args.get("started_to") or None, page=args.get("page", 1))
    return render("instances.html", search=result)


@bp.get("/instances/<instance_id>")
def show(instance_id):
    return render("instance.html", page=call(instance_page.detail, instance_id))


@bp.post("/instances/<instance_id>/cancel")
def cancel(instance_id):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        raise BadRequest("say why the instance is cancelled")
    call(instances.cancel, instance_id, reason, user=caller().username)
    flash("The instance was cancelled.")
    return redirect(url_for("ui_instances.show", instance_id=instance_id))


@bp.post("/incidents/<incident_id>/retry")
def retry(incident_id):
    text = (request.form.get("variables") or "").strip()
    try:
        variables = json.loads(text) if text else None
    except ValueError:
        raise BadRequest("the variables to change must be a JSON object, like {\"amount\": 200}") from None
    result = call(incidents.retry_incident, incident_id, caller().username, variables)
    if result["state"] == "error":
        flash("Retried, and it failed again: " + result["incidents"][0]["message"], "error")
    else:
        flash("Retried: the instance runs again.")
    return redirect(back(url_for("ui_instances.show", instance_id=result["id"])))
