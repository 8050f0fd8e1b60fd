"""Process instances: start, look at, cancel; and saving a workflow after it moved."""
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select

from bpmn.tasks import user_task_info

from . import events, runtime, state, subscriptions
from .deployments import get_definition_row
from .errors import BadRequest, Conflict, NotFound
from .forms import build_form
from .paging import check_paging
from .models import new_id, HistoryEvent, Incident, ProcessDefinition, ProcessInstance, TaskCandidate, UserTask, utcnow

STATES = ("running", "completed", "cancelled", "error")


def as_dict(row, incidents=None):
    return {
        "id": row.id, "definition_key": row.definition_key, "definition_version": row.definition_version,
        "definition_id": row.definition_id, "business_key": row.business_key, "state": row.state,
        "variables": row.variables or {}, "active_elements": row.active_elements or [],
        "incidents": [incident_as_dict(i) for i in (incidents or [])],
        "started_at": row.started_at.isoformat(), "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "started_by": row.started_by, "end_reason": row.end_reason,
    }


def incident_as_dict(row):
    return {"id": row.id, "process_instance_id": row.instance_id, "element_id": row.element_id,
            "element_name": row.element_name, "message": row.message, "state": row.state,
            "created_at": row.created_at.isoformat(),
            "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None}


def check_variables(variables):
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise BadRequest("'variables' must be a JSON object")
    bad = [k for k in variables if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise BadRequest(f"variable names must be identifiers not starting with '_': {', '.join(map(str, bad))}")
    return variables


def start(uow, key, variables=None, business_key=None, user=None, version=None):
    variables = check_variables(variables)
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > 255):
        raise BadRequest("'business_key' must be a string of at most 255 characters")
    definition = get_definition_row(uow, key, version)
    started_at = utcnow()
    workflow = state.new_workflow(definition.id, lambda: definition.spec_json)
    workflow.get_next_task(spec_name="Start").data.update(variables)
    result = runtime.run_until_wait(workflow)
    row = ProcessInstance(id=new_id(), definition_id=definition.id, definition_key=definition.key,
                          definition_version=definition.version, business_key=business_key,
                          state="running", started_by=user, started_at=started_at)
    uow.session.add(row)
    history = [_event(row, "instance_started", user=user, at=started_at, details={"business_key": business_key})]
    incidents = save(uow, row, definition, workflow, result, user, history=history, new=True)
    uow.commit()
    return as_dict(row, incidents)


def save(uow, row, definition, workflow, result, user, follow_up=True, history=None, new=False):
    """Write the workflow's new state and everything derived from it; returns open incidents."""
    session = uow.session
    history = history if history is not None else []
    thrown = events.take_thrown(workflow)
    row.state_json = state.dump_workflow(workflow)
    snap = runtime.snapshot(workflow)
    row.variables = state.to_json_value(snap.variables)
    row.active_elements = sorted({t.task_spec.bpmn_id for t in snap.active})
    for step in result.steps:
        history.append(_event(row, "element_completed", step.element_id, step.element_name, user, at=step.at,
                              details={"type": step.element_type}))
    incident = None
    if result.error is not None:
        row.state = "error"
        message = runtime.error_message(result.error)
        incident = Incident(id=new_id(), instance_id=row.id, element_id=result.error_element_id,
                            element_name=result.error_element_name, message=message)
        history.append(_event(row, "incident_created", result.error_element_id, result.error_element_name, user,
                              details={"message": message}))
    elif workflow.is_completed():
        row.state = "completed"
        row.ended_at = utcnow()
        history.append(_event(row, "instance_completed", user=user))
    with session.no_autoflush:
        # Without autoflush the query sees the database; drop rows this unit of work already closed.
        open_rows = {} if new else {t.id: t for t in session.scalars(
            select(UserTask).where(UserTask.instance_id == row.id, UserTask.state == "open")) if t.state == "open"}
    # The flush orders the instance's versioned UPDATE before the rows that refer to it, so a lost
    # optimistic-locking race fails here, before anything else is written.
    session.flush()
    if incident is not None:
        session.add(incident)
    _sync_user_tasks(session, row, definition, snap.ready_user_tasks, user, open_rows, history)
    subscriptions.sync_instance(session, row, definition, workflow)
    # The worker looks again at instances left waiting for events; it does not re-queue itself.
    if follow_up and row.state == "running" and snap.has_waiting_events:
        uow.enqueue_after_commit("refresh_instance", row.id)
    session.flush()
    if history:
        session.execute(HistoryEvent.__table__.insert(), history)
    events.deliver_thrown(uow, row, thrown, user)
    if new and incident is None:
        return []
    return list(session.scalars(select(Incident).where(Incident.instance_id == row.id, Incident.state == "open")))


def _sync_user_tasks(session, row, definition, ready_tasks, user, open_rows, history):
    ready = {} if row.state in ("completed", "cancelled") else {str(t.id): t for t in ready_tasks}
    for task_id, task_row in open_rows.items():
        if task_id not in ready:
            # Closed by the engine (a boundary event, cancellation...): not by a person.
            task_row.state = "cancelled"
            task_row.completed_at = utcnow()
    for task_id, task in ready.items():
        if task_id in open_rows:
            continue
        info = user_task_info(task.task_spec)
        task_row = UserTask(id=task_id, instance_id=row.id, element_id=task.task_spec.bpmn_id,
                            name=task.task_spec.bpmn_name, state="open", assignee=info.assignee,
                            candidate_users=info.candidate_users, candidate_groups=info.candidate_groups,
                            due=_parse_due(info.due), priority=info.priority if info.priority is not None else 50,
                            form=build_form(session, definition.deployment_id, info))
        task_row.candidates = ([TaskCandidate(kind="user", name=n) for n in info.candidate_users]
                               + [TaskCandidate(kind="group", name=n) for n in info.candidate_groups])
        session.add(task_row)
        history.append(_event(row, "task_created", task_row.element_id, task_row.name, user,
                              details={"task_id": task_id}))


def _event(row, type_, element_id=None, element_name=None, user=None, at=None, details=None):
    return dict(instance_id=row.id, type=type_, element_id=element_id, element_name=element_name,
                user=user, at=at or utcnow(), details=details)


def _parse_due(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def record(session, row, type_, element_id=None, element_name=None, user=None, at=None, details=None):
    session.add(HistoryEvent(instance_id=row.id, type=type_, element_id=element_id, element_name=element_name,
                             user=user, at=at or utcnow(), details=details))


def parse_id(value, what="process instance"):
    """Ids are UUIDs; anything else cannot exist, so it is a 404 and never reaches the database."""
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise NotFound(f"no {what} with id {str(value)[:100]!r}") from None


def get_row(uow, instance_id):
    row = uow.session.get(ProcessInstance, parse_id(instance_id))
    if row is None:
        raise NotFound(f"no process instance with id {instance_id!r}")
    return row


def open_incidents(session, instance_id):
    return list(session.scalars(select(Incident).where(Incident.instance_id == instance_id,
                                                       Incident.state == "open")))


def get(uow, instance_id):
    row = get_row(uow, instance_id)
    return as_dict(row, open_incidents(uow.session, row.id))


def list_instances(uow, definition_key=None, state=None, business_key=None, page=1, per_page=50):
    if state is not None and state not in STATES:
        raise BadRequest(f"'state' must be one of {', '.join(STATES)}")
    page, per_page = check_paging(page, per_page)
    query = select(ProcessInstance)
    if definition_key:
        query = query.where(ProcessInstance.definition_key == definition_key)
    if state:
        query = query.where(ProcessInstance.state == state)
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = uow.session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                               .offset((page - 1) * per_page).limit(per_page))
    return {"items": [as_dict(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def cancel(uow, instance_id, reason=None, user=None):
    if reason is not None and not isinstance(reason, str):
        raise BadRequest("'reason' must be a string")
    row = get_row(uow, instance_id)
    if row.state not in ("running", "error"):
        raise Conflict(f"process instance is {row.state}; only running instances can be cancelled")
    definition = uow.session.get(ProcessDefinition, row.definition_id)
    workflow = state.load_workflow(definition.id, lambda: definition.spec_json, row.state_json)
    workflow.cancel()
    row.state_json = state.dump_workflow(workflow)
    row.state = "cancelled"
    row.ended_at = utcnow()
    row.end_reason = reason
    row.active_elements = []
    uow.session.flush()
    subscriptions.sync_instance(uow.session, row, definition, workflow)
    for task_row in uow.session.scalars(select(UserTask).where(UserTask.instance_id == row.id,
                                                               UserTask.state == "open")):
        task_row.state = "cancelled"
        task_row.completed_at = utcnow()
    for incident in open_incidents(uow.session, row.id):
        incident.state = "resolved"
        incident.resolved_at = utcnow()
    record(uow.session, row, "instance_cancelled", user=user, details={"reason": reason})
    uow.commit()
    return as_dict(row)


def history(uow, instance_id):
    row = get_row(uow, instance_id)
    events = uow.session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == row.id)
                                 .order_by(HistoryEvent.at, HistoryEvent.id))
    return [{"id": e.id, "at": e.at.isoformat(), "type": e.type, "element_id": e.element_id,
             "element_name": e.element_name, "user": e.user, "details": e.details or {}} for e in events]


def refresh(uow, instance_id):
    """Let waiting events (timers) that are due move the instance on; used by the worker."""
    row = get_row(uow, instance_id)
    if row.state != "running":
        return as_dict(row)
    definition = uow.session.get(ProcessDefinition, row.definition_id)
    workflow = state.load_workflow(definition.id, lambda: definition.spec_json, row.state_json)
    result = runtime.run_until_wait(workflow)
    incidents = save(uow, row, definition, workflow, result, None, follow_up=False)
    uow.commit()
    return as_dict(row, incidents)
