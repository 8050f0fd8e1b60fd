"""Process definitions as people browse them: the catalogue, one process with its versions, and
starting it, with a start form when its start event has one."""
from sqlalchemy import func, select

from bpmn.tasks import user_task_info

from . import form_input, heatmap, instances, state
from .deployments import definition_as_dict, get_definition_row
from .errors import BadRequest
from .forms import build_form
from .models import Incident, ProcessDefinition, ProcessInstance


def _counts(session, column, *where):
    return dict(session.execute(select(column, func.count()).select_from(ProcessInstance)
                                .where(*where).group_by(column)).all())


def catalog(uow):
    """One entry per process key: its newest version, every version number, and what runs of it."""
    session = uow.session
    running = _counts(session, ProcessInstance.definition_key, ProcessInstance.state == "running")
    failed = dict(session.execute(select(ProcessInstance.definition_key, func.count())
                                  .join(Incident, Incident.instance_id == ProcessInstance.id)
                                  .where(Incident.state == "open").group_by(ProcessInstance.definition_key)).all())
    entries = {}
    for row in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version.desc())):
        entry = entries.get(row.key)
        if entry is None:
            entry = entries[row.key] = definition_as_dict(row)
            entry.update(versions=[], running=running.get(row.key, 0), incidents=failed.get(row.key, 0))
        entry["versions"].append(row.version)
    return sorted(entries.values(), key=lambda e: (e["name"] or e["key"]).lower())


def start_form(session, definition):
    """The form of the process's (none) start event, as stored for a task; None when it has none."""
    spec, _ = state.load_specs(definition.id, definition.spec_json)
    for task_spec in getattr(spec, "bpmn_start_events", None) or []:
        if getattr(task_spec, "event_definition", None) is not None and \
                type(task_spec.event_definition).__name__ != "NoneEventDefinition":
            continue   # started by a message, timer or signal, not by a person
        form = build_form(session, definition.deployment_id, user_task_info(task_spec))
        if form:
            return form
    return None


def detail(uow, key, version=None):
    session = uow.session
    row = get_definition_row(uow, key, version)
    versions = []
    live = _counts(session, ProcessInstance.definition_id, ProcessInstance.definition_key == key,
                   ProcessInstance.state.in_(heatmap.LIVE))
    for other in session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                 .order_by(ProcessDefinition.version.desc())):
        versions.append(dict(definition_as_dict(other), live=live.get(other.id, 0)))
    form = form_input.describe(start_form(session, row))
    return {
        "definition": definition_as_dict(row),
        "latest_version": versions[0]["version"],
        "versions": versions,
        "heatmap": heatmap.for_definition(session, row),
        "start_form": form,
        "start_values": {f["id"]: f.get("default") for f in form["fields"]},
    }


def start(uow, key, raw, business_key=None, user=None):
    """Start the newest version from the page, with the values typed into its start form."""
    definition = get_definition_row(uow, key)
    form = start_form(uow.session, definition)
    variables = form_input.read(form, raw) if form else {}
    if form:
        form_input.check(form, variables)
    business_key = (business_key or "").strip() or None
    if business_key is not None and len(business_key) > 255:
        raise BadRequest("the business key is longer than 255 characters")
    return instances.start(uow, key, variables, business_key, user=getattr(user, "username", user))
