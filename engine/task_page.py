"""One task as a person works on it: what the page shows, and completing or skipping it from a form."""
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException

from . import form_input, notes, runtime, state, tasks
from .errors import Conflict, Forbidden, NotFound
from .inbox import aware
from .instances import get_row, incident_as_dict, parse_id, record, save
from .models import ProcessDefinition, ProcessInstance, UserTask, utcnow

SKIPPABLE = ("true", "yes", "1")


def _row(uow, task_id):
    row = uow.session.get(UserTask, parse_id(task_id, "task"))
    if row is None:
        raise NotFound(f"no task with id {task_id!r}")
    return row


def _task_spec(definition, element_id):
    spec, subprocess_specs = state.load_specs(definition.id, definition.spec_json)
    for candidate in [spec, *subprocess_specs.values()]:
        task_spec = candidate.task_specs.get(element_id) if candidate is not None else None
        if task_spec is not None:
            return task_spec
    return None


def _extensions(task_spec):
    extensions = getattr(task_spec, "extensions", None)
    return extensions if isinstance(extensions, dict) else {}


def is_skippable(task_spec):
    """A model allows skipping a task with the extension property skippable=true."""
    properties = _extensions(task_spec).get("properties") or {}
    return str(properties.get("skippable", "")).strip().lower() in SKIPPABLE


def may_act(row, user):
    # The same rule tasks.complete enforces, asked before showing the buttons.
    return tasks.may_act(row, user, bool(user and user.is_admin))


def view(uow, task_id, user, now=None):
    row = _row(uow, task_id)
    instance = uow.session.get(ProcessInstance, row.instance_id)
    definition = uow.session.get(ProcessDefinition, instance.definition_id)
    task_spec = _task_spec(definition, row.element_id)
    task = tasks.as_dict(row, instance, with_variables=True)
    task["overdue"] = row.state == "open" and row.due is not None and aware(row.due) < (now or utcnow())
    form = form_input.describe(row.form)
    variables = task.pop("variables")
    values = {f["id"]: variables.get(f["id"], f.get("default")) for f in form["fields"]}
    asked = set(values)
    is_open = row.state == "open"
    allowed = is_open and may_act(row, user)
    mine = row.assignee is not None and row.assignee == user.username
    return {
        "task": task,
        "process": {"key": definition.key, "name": definition.name, "version": definition.version},
        "instance": {"id": instance.id, "business_key": instance.business_key, "state": instance.state,
                     "started_by": instance.started_by, "started_at": instance.started_at.isoformat()},
        "instructions": _extensions(task_spec).get("instructionsForEndUser"),
        "documentation": getattr(task_spec, "documentation", None),
        "notes": notes.for_task(uow.session, row.id),
        "form": form,
        "values": values,
        # The variables the form does not ask for: the context the person decides in.
        "variables": {k: v for k, v in sorted(variables.items()) if k not in asked},
        "actions": {
            "claim": allowed and row.assignee is None,
            "unclaim": is_open and row.assignee is not None and (mine or bool(user.is_admin)),
            "complete": allowed,
            "skip": allowed and is_skippable(task_spec),
            "note": True,
        },
    }


def submit(uow, task_id, raw, reason, user):
    """Complete a task from the page's form: read the typed values, check them, complete with the reason."""
    row = _row(uow, task_id)
    data = form_input.read(row.form, raw)
    form_input.check(row.form, data)
    if reason and reason.strip():
        notes.stage(uow.session, row, reason, user.username, kind="completed")
    return tasks.complete(uow, task_id, data, user, bool(user.is_admin))


def skip(uow, task_id, reason, user):
    """Close a task without its form, where the model allows it; the process goes on as if completed."""
    row = _row(uow, task_id)
    if row.state != "open":
        raise Conflict(f"task is {row.state}, not open")
    instance = get_row(uow, row.instance_id)
    definition = uow.session.get(ProcessDefinition, instance.definition_id)
    if not is_skippable(_task_spec(definition, row.element_id)):
        raise Forbidden("the model does not allow skipping this task")
    if not may_act(row, user):
        raise Forbidden("this task is assigned to someone else" if row.assignee
                        else "you are not a candidate for this task")
    workflow = state.load_workflow(definition.id, definition.spec_json, instance.state_json)
    try:
        task = workflow.get_task_from_id(UUID(row.id))
    except TaskNotFoundException:
        task = None
    if task is None or task.state != runtime.TaskState.READY:
        raise Conflict("task is no longer waiting to be completed")
    if reason and reason.strip():
        notes.stage(uow.session, row, reason, user.username, kind="skipped")
    record(uow.session, instance, "task_skipped", row.element_id, row.name, user.username,
           details={"task_id": row.id, "reason": (reason or "").strip() or None})
    result = runtime.complete_user_task(workflow, task, {})
    row.state = "completed"
    row.completed_at = utcnow()
    row.completed_by = user.username
    incidents = save(uow, instance, definition, workflow, result, user.username)
    uow.commit()
    data = tasks.as_dict(row, instance)
    data["process_instance_state"] = instance.state
    data["incidents"] = [incident_as_dict(i) for i in incidents]
    return data
