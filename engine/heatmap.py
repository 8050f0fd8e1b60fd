"""Where the instances of a process version are: how many wait at each element, how many failed there."""
from collections import Counter

from sqlalchemy import func, select

from . import state
from .models import Incident, ProcessInstance

LIVE = ("running", "error")


def waiting(session, definition_id):
    """{element id: number of live instances with a token there}."""
    counts = Counter()
    for elements in session.scalars(select(ProcessInstance.active_elements).where(
            ProcessInstance.definition_id == definition_id, ProcessInstance.state.in_(LIVE))):
        counts.update(set(elements or []))
    return dict(counts)


def failing(session, definition_id):
    """{element id: number of open incidents there}."""
    rows = session.execute(select(Incident.element_id, func.count())
                           .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
                           .where(ProcessInstance.definition_id == definition_id, Incident.state == "open",
                                  Incident.element_id.is_not(None))
                           .group_by(Incident.element_id))
    return {element: count for element, count in rows}


def element_names(definition):
    """{BPMN element id: its name} for every element of a definition version and its called processes."""
    spec, subprocess_specs = state.load_specs(definition.id, definition.spec_json)
    names = {}
    for candidate in [spec, *subprocess_specs.values()]:
        for task_spec in (candidate.task_specs.values() if candidate is not None else ()):
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id:
                names.setdefault(bpmn_id, getattr(task_spec, "bpmn_name", None) or bpmn_id)
    return names


def for_definition(session, definition):
    counts = {"waiting": waiting(session, definition.id), "incidents": failing(session, definition.id)}
    names = element_names(definition)
    counts["rows"] = [{"element_id": e, "name": names.get(e, e), "waiting": counts["waiting"].get(e, 0),
                       "incidents": counts["incidents"].get(e, 0)}
                      for e in sorted(set(counts["waiting"]) | set(counts["incidents"]),
                                      key=lambda e: -counts["waiting"].get(e, 0))]
    return counts
