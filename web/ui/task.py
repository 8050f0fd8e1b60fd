"""One task: look at it, claim it, add a note, complete it from its form, skip it."""
import json

from flask import Blueprint, flash, redirect, request, url_for

from engine import form_input, notes, task_page, tasks
from engine.errors import Invalid

from ..auth import caller
from .pages import call, install_error_pages, render

bp = Blueprint("ui_task", __name__, template_folder="templates")
install_error_pages(bp)


def _here(task_id):
    return url_for("ui_task.show", task_id=task_id)


@bp.get("/tasks/<task_id>")
def show(task_id):
    return render("task.html", page=call(task_page.view, task_id, caller()), typed=None, errors={})


@bp.post("/tasks/<task_id>/complete")
def complete(task_id):
    raw = request.form.to_dict(flat=False)
    try:
        result = call(task_page.submit, task_id, raw, request.form.get("_reason"), caller())
    except Invalid as exc:
        # Show the task again with what was typed and each problem beside its field.
        page = call(task_page.view, task_id, caller())
        typed = {name: values[-1] for name, values in raw.items() if values}
        extra = {}
        if page["form"]["kind"] == "form-js":
            extra["typed_formjs"] = _json_object(typed.get(form_input.FORMJS_INPUT))
        return render("task.html", 422, page=page, typed=typed, errors=form_input.field_errors(exc.details),
                      reason=request.form.get("_reason", ""), **extra)
    flash(f"Completed “{result['name'] or result['element_id']}”.")
    if result.get("incidents"):
        flash("The process stopped with an incident after this task: " + result["incidents"][0]["message"],
              "error")
    return redirect(url_for("ui_inbox.index"))


def _json_object(text):
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@bp.post("/tasks/<task_id>/claim")
def claim(task_id):
    user = caller()
    call(tasks.claim, task_id, user, user.is_admin)
    flash("You claimed the task.")
    return redirect(_here(task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id):
    user = caller()
    call(tasks.unclaim, task_id, user, user.is_admin)
    flash("The task is back with its group.")
    return redirect(_here(task_id))


@bp.post("/tasks/<task_id>/skip")
def skip(task_id):
    call(task_page.skip, task_id, request.form.get("_reason"), caller())
    flash("Task skipped.")
    return redirect(url_for("ui_inbox.index"))


@bp.post("/tasks/<task_id>/notes")
def add_note(task_id):
    call(notes.add_note, task_id, request.form.get("text", ""), caller())
    flash("Note added.")
    return redirect(_here(task_id) + "#notes")
