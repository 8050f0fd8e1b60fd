"""Giving events to persisted instances: catching, starting instances by event, and passing on
what an instance throws (messages, signals) to the others.

Every delivery is load -> catch -> run -> save inside the caller's unit of work, so it commits
with the request that caused it or not at all; the instance's optimistic lock decides races.
"""
import logging
from datetime import timedelta

from sqlalchemy import and_, not_, or_, select

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (CodeEventDefinition,
                                                                        SignalEventDefinition)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from . import clock, instances, runtime, state
from .models import EventSubscription, EventSubscriptionKey, ProcessDefinition, ProcessInstance, utcnow
from .subscriptions import canonical, expand, kind_of

log = logging.getLogger(__name__)

# How many deliveries one request may cause, counting messages that instances send each other:
# two processes that answer each other forever must not hold a transaction forever.
MAX_DELIVERIES = 200


# --------------------------------------------------------------------------- one workflow

def watch(workflow):
    """Remember signals the workflow throws: SpiffWorkflow keeps a signal to itself when one of its
    own tasks catches it, but a signal is a broadcast, so other instances must hear it too."""
    manager = workflow.event_manager
    if getattr(manager, "baton_signals", None) is not None:
        return
    manager.baton_signals = []
    original = manager.catch

    def catch(event, internal=True):
        if internal and isinstance(event.event_definition, SignalEventDefinition):
            manager.baton_signals.append(event)
        return original(event, internal)
    manager.catch = catch


def _catching_definition(workflow, kind, name):
    """The event definition of something in the workflow waiting for (kind, name), and the
    correlations its workflow holds; (None, {}) when nothing waits."""
    correlations = {}
    found = None
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        for definition in expand(task.task_spec.event_definition):
            if kind_of(definition) == kind and (definition.name or task.task_spec.bpmn_id) == name:
                found = found or definition
                correlations.update(task.workflow.correlations or {})
    if found is None:
        for spec_name in workflow.spec.start.trigger_specs:
            for start in getattr(workflow.subprocess_specs.get(spec_name), "bpmn_start_events", []):
                for definition in expand(start.event_definition):
                    if kind_of(definition) == kind and (definition.name or start.bpmn_id) == name:
                        found = found or definition
    return found, correlations


def deliver(workflow, kind, name, payload=None, variables=None):
    """Let the workflow catch one message or signal; returns how many of its tasks caught it.

    `variables` are merged into the data of each task that caught the event, so they reach the
    process scope whatever the dialect does with the payload.
    """
    definition, correlations = _catching_definition(workflow, kind, name)
    if definition is None:
        return 0
    before = {t.id for t in workflow.get_tasks(state=TaskState.READY)}
    event = BpmnEvent(definition, payload=payload, correlations=correlations)
    count = workflow.event_manager.catch(event, internal=False)
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.id in before:
            continue
        if variables:
            task.data.update(variables)
        _rearm_non_interrupting(task)
    return count


def _rearm_non_interrupting(task):
    """A non-interrupting boundary event may fire again while its activity runs; SpiffWorkflow
    fires it once, so a fresh waiting copy takes its place under the same split."""
    spec = task.task_spec
    if not isinstance(spec, BoundaryEvent) or spec.cancel_activity or task.parent is None:
        return
    if isinstance(spec.event_definition, CycleTimerEventDefinition):
        return   # cycles repeat by themselves
    main = [t for t in task.parent.children if not isinstance(t.task_spec, BoundaryEvent)]
    if not main or main[0].has_state(TaskState.FINISHED_MASK):
        return
    again = task.parent._add_child(spec, TaskState.FUTURE)
    again.task_spec._update(again)


def deliver_and_run(workflow, kind, name, payload=None, variables=None):
    result = runtime.RunResult()
    try:
        count = deliver(workflow, kind, name, payload, variables)
    except Exception as exc:  # e.g. a correlation expression that fails on the payload
        runtime._record_error(result, exc)
        return 1, result
    if count:
        runtime.run_until_wait(workflow, result)
    return count, result


# --------------------------------------------------------------------------- persisted instances

def _budget(uow):
    used = getattr(uow, "baton_deliveries", 0) + 1
    uow.baton_deliveries = used
    return used <= MAX_DELIVERIES


def deliver_to_instance(uow, instance_id, kind, name, payload=None, variables=None, user=None):
    """Load, catch, run, save. True when the instance caught the event."""
    session = uow.session
    row = session.get(ProcessInstance, instance_id)
    if row is None or row.state != "running":
        return False
    definition = session.get(ProcessDefinition, row.definition_id)
    workflow = state.load_workflow(definition.id, definition.spec_json, row.state_json)
    count, result = deliver_and_run(workflow, kind, name, payload, variables)
    if not count:
        # The row promised something the state no longer waits for: put the rows right.
        from . import subscriptions
        subscriptions.sync_instance(session, row, definition, workflow)
        return False
    instances.record(session, row, f"{kind}_received", user=user, details={"name": name})
    instances.save(uow, row, definition, workflow, result, user)
    return True


def start_by_event(uow, definition, element_id, kind, name=None, payload=None, variables=None,
                   business_key=None, user=None):
    """Start an instance of `definition` through the start event `element_id`; returns its row."""
    variables = variables or {}
    started_at = utcnow()
    workflow = state.new_workflow(definition.id, definition.spec_json)
    workflow.get_next_task(spec_name="Start").data.update(variables)
    result = runtime.run_until_wait(workflow)
    if result.error is None:
        try:
            if kind == "timer":
                _fire_start_timer(workflow, element_id)
            else:
                deliver(workflow, kind, name, payload, variables)
        except Exception as exc:
            runtime._record_error(result, exc)
        if result.error is None:
            runtime.run_until_wait(workflow, result)
    row = ProcessInstance(definition_id=definition.id, definition_key=definition.key,
                          definition_version=definition.version, business_key=business_key,
                          state="running", state_json="{}", started_by=user, started_at=started_at)
    uow.session.add(row)
    uow.session.flush()
    instances.record(uow.session, row, "instance_started", user=user, at=started_at,
                     details={"business_key": business_key, "trigger": kind, "name": name,
                              "element_id": element_id})
    instances.save(uow, row, definition, workflow, result, user)
    return row


def _fire_start_timer(workflow, element_id):
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if getattr(task.task_spec, "bpmn_id", None) != element_id:
            continue
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            # A cycle only makes its outgoing path when a round passes: let exactly one pass now,
            # the definition-level subscription keeps the schedule.
            past = (clock.now() - timedelta(seconds=1)).isoformat()
            task._set_internal_data(event_value={'cycles': 1, 'next': past, 'duration': 0})
        else:
            task._set_internal_data(event_fired=True)
        for _ in range(3):
            task.task_spec._update(task)
            if task.state != TaskState.WAITING:
                break
        return


def _key_filter(keys, strict):
    conditions = []
    for key, value in (keys or {}).items():
        match = EventSubscription.id.in_(select(EventSubscriptionKey.subscription_id).where(
            EventSubscriptionKey.key == key, EventSubscriptionKey.value == canonical(value)))
        if strict:
            conditions.append(match)
        else:
            # A conversation that has not fixed this key yet accepts any value (SpiffArena).
            conditions.append(or_(match, not_(EventSubscription.id.in_(select(
                EventSubscriptionKey.subscription_id).where(EventSubscriptionKey.key == key)))))
    return and_(*conditions) if conditions else None


def waiting_instances(session, kind, name, business_key=None, keys=None, strict=True, exclude=None):
    query = (select(EventSubscription.instance_id)
             .where(EventSubscription.kind == kind, EventSubscription.name == name,
                    EventSubscription.instance_id.is_not(None)))
    if business_key is not None:
        query = query.where(EventSubscription.business_key == business_key)
    condition = _key_filter(keys, strict)
    if condition is not None:
        query = query.where(condition)
    if exclude is not None:
        query = query.where(EventSubscription.instance_id != exclude)
    return list(session.scalars(query.group_by(EventSubscription.instance_id)
                                .order_by(EventSubscription.instance_id)))


def start_subscriptions(session, kind, name):
    return list(session.scalars(select(EventSubscription).where(
        EventSubscription.kind == kind, EventSubscription.name == name,
        EventSubscription.instance_id.is_(None)).order_by(EventSubscription.definition_key,
                                                          EventSubscription.id)))


def correlate_message(uow, name, business_key=None, keys=None, variables=None, payload=None,
                      strict=True, exclude=None, user=None):
    """Give a message to every instance waiting for it; when none waits, start the processes that
    a message of that name starts. Returns {"correlated": [...], "started": [...]}."""
    keys = keys or {}
    variables = variables or {}
    if payload is None:
        payload = {**keys, **variables}
    merged = {**keys, **variables} if strict else dict(variables)
    correlated, started = [], []
    for instance_id in waiting_instances(uow.session, "message", name, business_key, keys, strict, exclude):
        if not _budget(uow):
            break
        if deliver_to_instance(uow, instance_id, "message", name, payload, merged, user):
            correlated.append(instance_id)
    if not correlated:
        seen = set()
        for sub in start_subscriptions(uow.session, "message", name):
            if sub.definition_id in seen or not _budget(uow):
                continue
            seen.add(sub.definition_id)
            definition = uow.session.get(ProcessDefinition, sub.definition_id)
            row = start_by_event(uow, definition, sub.element_id, "message", name, payload, merged,
                                 business_key, user)
            started.append(row.id)
    return {"correlated": correlated, "started": started}


def broadcast_signal(uow, name, variables=None, payload=None, exclude=None, user=None):
    """Every instance waiting for the signal catches it, and every process it starts is started."""
    variables = variables or {}
    if payload is None:
        payload = dict(variables)
    correlated, started = [], []
    for instance_id in waiting_instances(uow.session, "signal", name, exclude=exclude):
        if not _budget(uow):
            break
        if deliver_to_instance(uow, instance_id, "signal", name, payload, variables, user):
            correlated.append(instance_id)
    seen = set()
    for sub in start_subscriptions(uow.session, "signal", name):
        if sub.definition_id in seen or not _budget(uow):
            continue
        seen.add(sub.definition_id)
        definition = uow.session.get(ProcessDefinition, sub.definition_id)
        started.append(start_by_event(uow, definition, sub.element_id, "signal", name, payload, variables,
                                      None, user).id)
    return {"correlated": correlated, "started": started}


# --------------------------------------------------------------------------- thrown by instances

def take_thrown(workflow):
    """Messages and signals the workflow threw for others; clears them from the workflow."""
    thrown = list(getattr(workflow.event_manager, "baton_signals", None) or [])
    if thrown:
        workflow.event_manager.baton_signals = []
    unhandled = []
    for event in workflow.get_events():
        if isinstance(event.event_definition, MessageEventDefinition):
            thrown.append(event)
        elif isinstance(event.event_definition, CodeEventDefinition):
            unhandled.append(event)
    return thrown, unhandled


def deliver_thrown(uow, row, thrown, user=None):
    events, unhandled = thrown
    for event in unhandled:
        definition = event.event_definition
        instances.record(uow.session, row, "event_unhandled", user=user,
                         details={"type": type(definition).__name__, "name": definition.name,
                                  "code": getattr(definition, "code", None)})
    for event in events:
        definition = event.event_definition
        payload = event.payload
        variables = payload if isinstance(payload, dict) else {}
        if not _budget(uow):
            instances.record(uow.session, row, "event_not_delivered", user=user,
                             details={"name": definition.name, "reason": "too many deliveries in one step"})
            continue
        if isinstance(definition, SignalEventDefinition):
            broadcast_signal(uow, definition.name, variables, payload=payload, exclude=row.id, user=user)
            continue
        keys = {}
        for props in (event.correlations or {}).values():
            if isinstance(props, dict):
                keys.update(props)
        outcome = correlate_message(uow, definition.name, keys=keys, variables=variables, payload=payload,
                                    strict=False, exclude=row.id, user=user)
        if not outcome["correlated"] and not outcome["started"]:
            instances.record(uow.session, row, "message_unmatched", user=user, details={"name": definition.name})
