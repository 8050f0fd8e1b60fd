"""The inbox page and the bulk actions on its selected tasks."""
from flask import Blueprint, flash, redirect, request

from engine import inbox

from ..auth import caller
from .pages import back, call, install_error_pages, render

bp = Blueprint("ui_inbox", __name__, template_folder="templates")
install_error_pages(bp)


@bp.get("/tasks")
def index():
    args = request.args
    result = call(inbox.inbox, caller(), scope=args.get("scope") or "all", process=args.get("process") or None,
                  due=args.get("due") or None, priority=args.get("priority") or None,
                  sort=args.get("sort") or "due", page=args.get("page", 1))
    return render("inbox.html", inbox=result, scopes=inbox.SCOPES, dues=inbox.DUE,
                  priorities=list(inbox.PRIORITIES), sorts=inbox.SORTS)


@bp.post("/tasks/bulk")
def bulk():
    result = call(inbox.bulk, request.form.get("action"), request.form.getlist("task"), caller(),
                  assignee=request.form.get("assignee"))
    verb = {"claim": "claimed", "unclaim": "released", "assign": "assigned"}[result["action"]]
    if result["done"]:
        flash(f"{len(result['done'])} task(s) {verb}.")
    for failure in result["failed"]:
        flash(f"Task {failure['task_id'][:8]}: {failure['message']}", "error")
    return redirect(back("/tasks"))
