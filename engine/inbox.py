"""The inbox: the open tasks a person should see, filtered, sorted and paged; and acting on many at once.

A person sees the tasks assigned to them, and the unassigned tasks they may claim: those naming
them or one of their groups as candidates, and those naming nobody in an instance they started
(a lane without a name means "whoever asked"). Admins see every open task.
"""
from datetime import timedelta, timezone

from sqlalchemy import and_, exists, false, func, or_, select, true

from . import tasks
from .errors import BadRequest, ServiceError
from .paging import check_paging
from .models import ProcessDefinition, ProcessInstance, TaskCandidate, UserTask, utcnow
from .paging import check_paging

SCOPES = ("all", "mine", "claimable")
DUE = ("overdue", "today", "week", "none")
PRIORITIES = {"high": (75, None), "normal": (25, 74), "low": (None, 24)}
SORTS = ("due", "priority", "created", "name", "process")
BULK_ACTIONS = ("claim", "unclaim", "assign")
PER_PAGE = 25


def aware(moment):
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _candidate_of(user):
    groups = list(user.groups or [])
    named = or_(and_(TaskCandidate.kind == "user", TaskCandidate.name == user.username),
                and_(TaskCandidate.kind == "group", TaskCandidate.name.in_(groups)) if groups else false())
    return UserTask.id.in_(select(TaskCandidate.task_id).where(named))


def _claimable_by(user):
    if user.is_admin:
        return UserTask.assignee.is_(None)
    nobody_named = ~exists().where(TaskCandidate.task_id == UserTask.id)
    return and_(UserTask.assignee.is_(None),
                or_(_candidate_of(user), and_(nobody_named, ProcessInstance.started_by == user.username)))


def _visible_to(user, scope):
    mine = UserTask.assignee == user.username
    if scope == "mine":
        return mine
    if scope == "claimable":
        return _claimable_by(user)
    if user.is_admin:
        return true()
    return or_(mine, _claimable_by(user))


def _choice(value, allowed, what):
    if value in (None, ""):
        return None
    if value not in allowed:
        raise BadRequest(f"'{what}' must be one of {', '.join(allowed)}")
    return value


def inbox(uow, user, scope="all", process=None, due=None, priority=None, sort="due", page=1,
          per_page=PER_PAGE, now=None):
    scope = _choice(scope, SCOPES, "scope") or "all"
    due = _choice(due, DUE, "due")
    priority = _choice(priority, tuple(PRIORITIES), "priority")
    sort = _choice(sort, SORTS, "sort") or "due"
    page, per_page = check_paging(page, per_page)
    now = now or utcnow()

    query = (select(UserTask, ProcessInstance, ProcessDefinition.name)
             .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .where(UserTask.state == "open", _visible_to(user, scope)))
    if process:
        query = query.where(ProcessInstance.definition_key == process)
    if due == "overdue":
        query = query.where(UserTask.due < now)
    elif due == "today":
        query = query.where(UserTask.due >= now.replace(hour=0, minute=0, second=0, microsecond=0),
                            UserTask.due < now.replace(hour=0, minute=0, second=0, microsecond=0)
                            + timedelta(days=1))
    elif due == "week":
        query = query.where(UserTask.due >= now, UserTask.due < now + timedelta(days=7))
    elif due == "none":
        query = query.where(UserTask.due.is_(None))
    if priority:
        low, high = PRIORITIES[priority]
        if low is not None:
            query = query.where(UserTask.priority >= low)
        if high is not None:
            query = query.where(UserTask.priority <= high)

    total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
    order = {
        "due": (UserTask.due.is_(None), UserTask.due, UserTask.priority.desc()),
        "priority": (UserTask.priority.desc(), UserTask.due.is_(None), UserTask.due),
        "created": (UserTask.created_at.desc(),),
        "name": (UserTask.name,),
        "process": (ProcessDefinition.name, UserTask.created_at),
    }[sort]
    rows = uow.session.execute(query.order_by(*order, UserTask.id).offset((page - 1) * per_page).limit(per_page))
    items = []
    for task, instance, process_name in rows:
        item = tasks.as_dict(task, instance)
        item["process_name"] = process_name
        item["overdue"] = task.due is not None and aware(task.due) < now
        item["claimable"] = task.assignee is None
        items.append(item)
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page)), "processes": _processes(uow.session),
            "filters": {"scope": scope, "process": process, "due": due, "priority": priority, "sort": sort}}


def _processes(session):
    """(key, name) of every process with an open task, for the filter."""
    rows = session.execute(select(ProcessInstance.definition_key, func.max(ProcessDefinition.name))
                           .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                           .join(UserTask, UserTask.instance_id == ProcessInstance.id)
                           .where(UserTask.state == "open")
                           .group_by(ProcessInstance.definition_key).order_by(ProcessInstance.definition_key))
    return [{"key": k, "name": n} for k, n in rows]


def bulk(uow, action, task_ids, user, assignee=None):
    """Claim, unclaim or assign several tasks; each one succeeds or fails on its own."""
    action = _choice(action, BULK_ACTIONS, "action")
    if action is None:
        raise BadRequest("choose what to do with the selected tasks")
    if not task_ids:
        raise BadRequest("select at least one task")
    if action == "assign" and not (assignee or "").strip():
        raise BadRequest("name the person to assign the tasks to")
    done, failed = [], []
    for task_id in dict.fromkeys(task_ids):
        try:
            if action == "claim":
                result = tasks.claim(uow, task_id, user, user.is_admin)
            elif action == "unclaim":
                result = tasks.unclaim(uow, task_id, user, user.is_admin)
            else:
                result = tasks.assign(uow, task_id, assignee.strip(), user, user.is_admin)
            done.append(result)
        except ServiceError as exc:
            uow.session.rollback()
            failed.append({"task_id": task_id, "message": exc.message})
    return {"action": action, "done": done, "failed": failed}
