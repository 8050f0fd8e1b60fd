"""Incidents: an element that failed and stopped its instance, and retrying it."""
from copy import deepcopy

from sqlalchemy import select

from SpiffWorkflow.util.task import TaskState

from . import runtime, state
from .errors import Conflict, NotFound
from .instances import as_dict, check_variables, incident_as_dict, parse_id, record, save
from .models import Incident, ProcessDefinition, ProcessInstance, utcnow


def get_row(uow, incident_id):
    row = uow.session.get(Incident, parse_id(incident_id, "incident"))
    if row is None:
        raise NotFound(f"no incident with id {incident_id!r}")
    return row


def get(uow, incident_id):
    return incident_as_dict(get_row(uow, incident_id))


def retry_incident(uow, incident_id, user=None, variables=None):
    """Run the failed element again, with variables changed first if given, and let the instance go on.

    The incident is resolved either way; if the element fails again, that is a new incident.
    """
    variables = check_variables(variables)
    incident = get_row(uow, incident_id)
    if incident.state != "open":
        raise Conflict(f"incident is {incident.state}, not open")
    instance = uow.session.get(ProcessInstance, incident.instance_id)
    if instance.state != "error":
        raise Conflict(f"process instance is {instance.state}; only instances in error can be retried")
    definition = uow.session.get(ProcessDefinition, instance.definition_id)
    workflow = state.load_workflow(definition.id, definition.spec_json, instance.state_json)
    username = getattr(user, "username", user)

    failed = [t for t in workflow.get_tasks(state=TaskState.ERROR) if runtime.is_bpmn_element(t)]
    for task in failed:
        # Start from the data the element was given, not what its failed run left half-written.
        data = deepcopy(task.parent.data) if task.parent is not None else deepcopy(task.data)
        data.update(variables)
        workflow.reset_from_task_id(task.id, data=data)
    if not failed and variables:
        workflow.data.update(variables)

    now = utcnow()
    retried = {t.task_spec.bpmn_id for t in failed} | {incident.element_id}
    for row in uow.session.scalars(select(Incident).where(Incident.instance_id == instance.id,
                                                          Incident.state == "open")):
        if row.id == incident.id or row.element_id in retried:
            row.state = "resolved"
            row.resolved_at = now
    record(uow.session, instance, "incident_retried", incident.element_id, incident.element_name, username,
           details={"incident_id": incident.id, "variables": sorted(variables)})
    instance.state = "running"
    result = runtime.run_until_wait(workflow)
    incidents = save(uow, instance, definition, workflow, result, username)
    uow.commit()
    data = as_dict(instance, incidents)
    data["retried_incident"] = incident_as_dict(incident)
    return data
