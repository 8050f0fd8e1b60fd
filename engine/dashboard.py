"""The start page: my open tasks, what is overdue, and how each process is doing."""
from sqlalchemy import func, select

from . import inbox
from .models import Incident, ProcessDefinition, ProcessInstance, utcnow

SHOWN = 5


def summary(uow, user, now=None):
    now = now or utcnow()
    mine = inbox.inbox(uow, user, scope="mine", sort="due", per_page=SHOWN, now=now)
    claimable = inbox.inbox(uow, user, scope="claimable", per_page=1, now=now)
    overdue = inbox.inbox(uow, user, due="overdue", sort="due", per_page=SHOWN, now=now)
    session = uow.session
    names = dict(session.execute(select(ProcessDefinition.key, func.max(ProcessDefinition.name))
                                 .group_by(ProcessDefinition.key)).all())
    running = dict(session.execute(select(ProcessInstance.definition_key, func.count())
                                   .where(ProcessInstance.state == "running")
                                   .group_by(ProcessInstance.definition_key)).all())
    failed = dict(session.execute(select(ProcessInstance.definition_key, func.count())
                                  .join(Incident, Incident.instance_id == ProcessInstance.id)
                                  .where(Incident.state == "open")
                                  .group_by(ProcessInstance.definition_key)).all())
    processes = [{"key": key, "name": names.get(key) or key, "running": running.get(key, 0),
                  "incidents": failed.get(key, 0)}
                 for key in sorted(set(running) | set(failed), key=lambda k: (names.get(k) or k).lower())]
    return {
        "my_tasks": mine["items"], "my_task_count": mine["total"],
        "claimable_count": claimable["total"],
        "overdue": overdue["items"], "overdue_count": overdue["total"],
        "processes": processes,
        "running_total": sum(running.values()), "incident_total": sum(failed.values()),
    }
