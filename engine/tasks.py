"""User tasks: the inbox, claiming, assigning and completing them."""
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.orm import load_only

from . import form_input, runtime, state
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .instances import _event, check_variables, get_row, incident_as_dict, parse_id, record, save
from .paging import check_paging
from .models import ProcessDefinition, ProcessInstance, TaskCandidate, UserTask, utcnow

TASK_STATES = ("open", "completed", "cancelled")


def as_dict(row, instance=None, with_variables=False):
    data = {
        "id": row.id, "name": row.name, "element_id": row.element_id, "process_instance_id": row.instance_id,
        "state": row.state, "assignee": row.assignee, "candidate_groups": row.candidate_groups or [],
        "candidate_users": row.candidate_users or [], "due": row.due.isoformat() if row.due else None,
        "priority": row.priority, "form": row.form, "created_at": row.created_at.isoformat(),
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "completed_by": row.completed_by,
    }
    if instance is not None:
        data.update(definition_key=instance.definition_key, business_key=instance.business_key)
    if with_variables and instance is not None:
        data["variables"] = instance.variables or {}
    return data


def list_tasks(uow, assignee=None, candidate_group=None, candidate_user=None, process_instance_id=None,
               state="open", page=1, per_page=50):
    if state in ("", "all"):
        state = None
    if state is not None and state not in TASK_STATES:
        raise BadRequest(f"'state' must be one of {', '.join(TASK_STATES)} or all")
    page, per_page = check_paging(page, per_page)
    query = (select(UserTask, ProcessInstance).join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .options(load_only(ProcessInstance.definition_key, ProcessInstance.business_key)))
    if state:
        query = query.where(UserTask.state == state)
    if assignee:
        query = query.where(UserTask.assignee == assignee)
    if candidate_group:
        query = query.where(UserTask.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.kind == "group", TaskCandidate.name == candidate_group)))
    if candidate_user:
        query = query.where(UserTask.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.kind == "user", TaskCandidate.name == candidate_user)))
    if process_instance_id:
        query = query.where(UserTask.instance_id == parse_id(process_instance_id))
    query = query.order_by(UserTask.priority.desc(), UserTask.created_at, UserTask.id)
    rows = uow.session.execute(query.offset((page - 1) * per_page).limit(per_page))
    return [as_dict(task, instance) for task, instance in rows]


def _get(uow, task_id):
    row = uow.session.get(UserTask, parse_id(task_id, "task"))
    if row is None:
        raise NotFound(f"no task with id {task_id!r}")
    return row


def get(uow, task_id):
    row = _get(uow, task_id)
    instance = uow.session.get(ProcessInstance, row.instance_id)
    return as_dict(row, instance, with_variables=True)


def may_act(row, user, is_admin):
    if is_admin or user is None:
        return True
    if row.assignee:
        return row.assignee == user.username
    if not row.candidate_users and not row.candidate_groups:
        return True
    return user.username in row.candidate_users or bool(set(user.groups or []) & set(row.candidate_groups))


def _set_assignee(uow, task_id, assignee, expect_unassigned, actor, event):
    row = _get(uow, task_id)
    if row.state != "open":
        raise Conflict(f"task is {row.state}, not open")
    query = update(UserTask).where(UserTask.id == row.id, UserTask.state == "open")
    if expect_unassigned:
        # Claiming is a compare-and-set: of two people claiming at once, one gets the task.
        query = query.where(UserTask.assignee.is_(None))
    if uow.session.execute(query.values(assignee=assignee)).rowcount != 1:
        uow.session.rollback()
        raise Conflict("task was claimed by someone else" if expect_unassigned else "task is no longer open")
    instance = uow.session.get(ProcessInstance, row.instance_id)
    record(uow.session, instance, event, row.element_id, row.name, actor.username if actor else None,
           details={"task_id": row.id, "assignee": assignee})
    uow.commit()
    uow.session.refresh(row)
    return as_dict(row, instance)


def claim(uow, task_id, user, is_admin=False):
    row = _get(uow, task_id)
    if not may_act(row, user, is_admin):
        raise Forbidden("you are not a candidate for this task")
    if row.assignee == user.username:
        return as_dict(row, uow.session.get(ProcessInstance, row.instance_id))
    if row.assignee:
        raise Conflict(f"task is already claimed by {row.assignee}")
    return _set_assignee(uow, task_id, user.username, True, user, "task_claimed")


def unclaim(uow, task_id, user, is_admin=False):
    row = _get(uow, task_id)
    if row.assignee and row.assignee != user.username and not is_admin:
        raise Forbidden("only the assignee or an admin can unclaim this task")
    return _set_assignee(uow, task_id, None, False, user, "task_unclaimed")


def assign(uow, task_id, assignee, user, is_admin=False):
    if assignee is not None and (not isinstance(assignee, str) or not assignee.strip()):
        raise BadRequest("'assignee' must be a user name or null")
    row = _get(uow, task_id)
    if not is_admin:
        # Without admin rights a person may only hand on a task they hold, or take one they may claim.
        holds = row.assignee == user.username
        takes = row.assignee is None and assignee == user.username and may_act(row, user, False)
        if not (holds or takes):
            raise Forbidden("only the assignee or an admin can assign this task")
    return _set_assignee(uow, task_id, assignee, False, user, "task_assigned")


def complete(uow, task_id, variables, user=None, is_admin=False):
    variables = check_variables(variables)
    row = _get(uow, task_id)
    if row.state != "open":
        raise Conflict(f"task is {row.state}, not open")
    if not may_act(row, user, is_admin):
        raise Forbidden("this task is assigned to someone else" if row.assignee
                        else "you are not a candidate for this task")
    form_input.check(row.form, variables)
    instance = get_row(uow, row.instance_id)
    # The spec comes from state's cache: the definition row is read only on a miss or for a new task's form.
    definition = _LazyRow(uow.session, ProcessDefinition, instance.definition_id)
    workflow = state.load_workflow(instance.definition_id, lambda: definition.spec_json, instance.state_json)
    task = workflow.get_task_from_id(UUID(row.id)) if UUID(row.id) in _all_task_ids(workflow) else None
    if task is None or not task.task_spec.manual or task.state != runtime.TaskState.READY:
        raise Conflict("task is no longer waiting to be completed")
    username = user.username if user is not None else None
    events = [_event(instance, "task_completed", row.element_id, row.name, username,
                     details={"task_id": row.id})]
    result = runtime.complete_user_task(workflow, task, variables)
    row.state = "completed"
    row.completed_at = utcnow()
    row.completed_by = username
    incidents = save(uow, instance, definition, workflow, result, username, history=events)
    uow.commit()
    data = as_dict(row, instance, with_variables=True)
    data["process_instance_state"] = instance.state
    data["incidents"] = [incident_as_dict(i) for i in incidents]
    return data


def _all_task_ids(workflow):
    ids = set(workflow.tasks)
    for subprocess in workflow.subprocesses.values():
        ids.update(subprocess.tasks)
    return ids


class _LazyRow:
    def __init__(self, session, model, id_):
        self.id, self._session, self._model, self._row = id_, session, model, None

    def __getattr__(self, name):
        if self._row is None:
            self._row = self._session.get(self._model, self.id)
        return getattr(self._row, name)
