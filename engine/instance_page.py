"""Process instances as operators look at them: finding them, and everything about one of them."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from . import heatmap, instances, tasks
from .errors import BadRequest
from .paging import check_paging
from .instances import STATES, get_row, incident_as_dict
from .models import Incident, ProcessDefinition, ProcessInstance, UserTask
from .paging import check_paging

PER_PAGE = 25


def _day(value, what, end=False):
    """A date typed into the search form, as the start of that day (or the start of the next one)."""
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"'{what}' must be a date (YYYY-MM-DD)") from None
    moment = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return moment + timedelta(days=1) if end else moment


def search(uow, key=None, state=None, business_key=None, started_from=None, started_to=None,
           page=1, per_page=PER_PAGE):
    if state and state not in STATES:
        raise BadRequest(f"'state' must be one of {', '.join(STATES)}")
    page, per_page = check_paging(page, per_page)
    start, end = _day(started_from, "started from"), _day(started_to, "started to", end=True)
    query = select(ProcessInstance, ProcessDefinition.name).join(
        ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    if key:
        query = query.where(ProcessInstance.definition_key == key)
    if state:
        query = query.where(ProcessInstance.state == state)
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key.strip())
    if start:
        query = query.where(ProcessInstance.started_at >= start)
    if end:
        query = query.where(ProcessInstance.started_at < end)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = uow.session.execute(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
    open_incidents = dict(uow.session.execute(
        select(Incident.instance_id, func.count()).where(Incident.state == "open",
                                                         Incident.instance_id.in_([r.id for r, _ in rows]))
        .group_by(Incident.instance_id)).all()) if rows else {}
    items = []
    for row, name in rows:
        item = instances.as_dict(row)
        item.update(process_name=name, open_incidents=open_incidents.get(row.id, 0))
        items.append(item)
    keys = list(uow.session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)))
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page)), "keys": keys, "states": list(STATES),
            "filters": {"key": key, "state": state, "business_key": business_key,
                        "started_from": started_from, "started_to": started_to}}


def detail(uow, instance_id):
    row = get_row(uow, instance_id)
    session = uow.session
    definition = session.get(ProcessDefinition, row.definition_id)
    all_incidents = list(session.scalars(select(Incident).where(Incident.instance_id == row.id)
                                         .order_by(Incident.state != "open", Incident.created_at.desc())))
    open_tasks = session.scalars(select(UserTask).where(UserTask.instance_id == row.id)
                                 .order_by(UserTask.created_at))
    data = instances.as_dict(row, [i for i in all_incidents if i.state == "open"])
    return {
        "instance": data,
        "process": {"key": definition.key, "name": definition.name, "version": definition.version},
        "incidents": [incident_as_dict(i) for i in all_incidents],
        "failed_elements": sorted({i.element_id for i in all_incidents if i.state == "open" and i.element_id}),
        "tasks": [tasks.as_dict(t) for t in open_tasks],
        "history": instances.history(uow, row.id),
        "heatmap": heatmap.for_definition(session, definition),
        "can_cancel": row.state in ("running", "error"),
    }
