from flask import Blueprint, request

from engine import tasks

from ..auth import caller
from . import call, is_admin, json_body

bp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks")


@bp.get("")
def index():
    args = request.args
    return call(tasks.list_tasks, assignee=args.get("assignee"), candidate_group=args.get("candidate_group"),
                candidate_user=args.get("candidate_user"), process_instance_id=args.get("process_instance_id"),
                state=args.get("state", "open"), page=args.get("page", 1), per_page=args.get("per_page", 50))


@bp.get("/<task_id>")
def show(task_id):
    return call(tasks.get, task_id)


@bp.post("/<task_id>/claim")
def claim(task_id):
    return call(tasks.claim, task_id, caller(), is_admin())


@bp.post("/<task_id>/unclaim")
def unclaim(task_id):
    return call(tasks.unclaim, task_id, caller(), is_admin())


@bp.post("/<task_id>/assign")
def assign(task_id):
    body = json_body()
    return call(tasks.assign, task_id, body.get("assignee"), caller(), is_admin())


@bp.post("/<task_id>/complete")
def complete(task_id):
    return call(tasks.complete, task_id, json_body().get("variables"), caller(), is_admin())
