from flask import Blueprint, request

from engine import instances

from . import call, json_body, require_role, username

bp = Blueprint("instances", __name__, url_prefix="/api/v1/process-instances")


@bp.get("")
def index():
    args = request.args
    return call(instances.list_instances, definition_key=args.get("definition_key"), state=args.get("state"),
                business_key=args.get("business_key"), page=args.get("page", 1), per_page=args.get("per_page", 50))


@bp.get("/<instance_id>")
def show(instance_id):
    return call(instances.get, instance_id)


@bp.post("/<instance_id>/cancel")
def cancel(instance_id):
    require_role("operator")
    return call(instances.cancel, instance_id, json_body().get("reason"), user=username())


@bp.get("/<instance_id>/history")
def history(instance_id):
    return call(instances.history, instance_id)
