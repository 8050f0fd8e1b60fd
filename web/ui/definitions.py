"""Process definitions: the list with the upload form, one process with its diagram, starting it."""
from pathlib import PurePath

from flask import Blueprint, flash, redirect, request, url_for

from engine import definition_page, deployments, form_input, roles
from engine.errors import BadRequest, Invalid, InvalidModel

from ..auth import caller
from .pages import call, install_error_pages, render, requires

bp = Blueprint("ui_definitions", __name__, template_folder="templates")
install_error_pages(bp)


@bp.get("/definitions")
def index():
    return render("definitions.html", catalog=call(definition_page.catalog), problems=None)


@bp.post("/definitions")
@requires("designer")
def upload():
    parts = [p for p in request.files.getlist("file") if p.filename]
    if not parts:
        raise BadRequest("choose one or more model files to upload")
    # As in the API: only the base name counts, since forms are found by file name.
    files = [(PurePath(part.filename).name, part.read()) for part in parts]
    try:
        result, created = call(deployments.deploy, files, name=request.form.get("name") or None,
                               user=caller().username)
    except InvalidModel as exc:
        return render("definitions.html", 422, catalog=call(definition_page.catalog), problems=exc.details,
                      problem_message=exc.message)
    deployed = result["process_definitions"]
    summary = ", ".join(f"{d['name'] or d['key']} (version {d['version']})" for d in deployed)
    flash(("Deployed " if created else "Nothing changed: already deployed ") + summary + ".")
    if len(deployed) == 1:
        return redirect(url_for("ui_definitions.show", key=deployed[0]["key"]))
    return redirect(url_for("ui_definitions.index"))


@bp.get("/definitions/<key>")
def show(key):
    version = request.args.get("version", type=int)
    return render("definition.html", page=call(definition_page.detail, key, version), typed=None, errors={})


@bp.post("/definitions/<key>/start")
def start(key):
    raw = request.form.to_dict(flat=False)
    try:
        instance = call(definition_page.start, key, raw, request.form.get("_business_key"), caller())
    except Invalid as exc:
        page = call(definition_page.detail, key)
        typed = {name: values[-1] for name, values in raw.items() if values}
        return render("definition.html", 422, page=page, typed=typed, errors=form_input.field_errors(exc.details),
                      business_key=request.form.get("_business_key", ""))
    flash(f"Started {key} ({instance['id'][:8]}).")
    if instance["incidents"]:
        flash("It stopped at once with an incident: " + instance["incidents"][0]["message"], "error")
    if roles.has(caller(), "operator"):
        return redirect(url_for("ui_instances.show", instance_id=instance["id"]))
    return redirect(url_for("ui_inbox.index"))
