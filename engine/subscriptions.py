"""The event_subscriptions table: one row for each message, signal or timer something waits for.

Instance rows are rewritten from the workflow at every save, so the table always says what the
stored state waits for; start rows (instance_id NULL) follow the latest version of each process.
Messages, signals and the timer reconciler read only this table to find their targets.
"""
import json
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from sqlalchemy import delete, select

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from . import clock, state, timers
from .models import EventSubscription, EventSubscriptionKey, ProcessDefinition

MAX_KEY_LENGTH = 255
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_KEY = "correlationKey"


@dataclass
class Wanted:
    kind: str
    name: str | None
    element_id: str
    task_id: str | None = None
    due_at: object = None
    details: dict | None = None
    keys: dict = field(default_factory=dict)

    @property
    def identity(self):
        return (self.kind, self.name, self.element_id, self.task_id)


def canonical(value):
    """Correlation values as text that compares equal only for equal JSON values (42 != "42")."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_key_value(value):
    return (isinstance(value, (str, int, float, bool)) and value is not None
            and len(canonical(value)) <= MAX_KEY_LENGTH)


def expand(definition):
    """The plain event definitions inside a definition (event-based gateways hold several)."""
    if isinstance(definition, MultipleEventDefinition):
        return [d for inner in definition.event_definitions for d in expand(inner)]
    return [definition]


def kind_of(definition):
    if isinstance(definition, MessageEventDefinition):
        return "message"
    if isinstance(definition, SignalEventDefinition):
        return "signal"
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    return None


# --------------------------------------------------------------------------- instances

def wanted_for_instance(definition_row, workflow, variables):
    """What a workflow waits for right now, read from its event manager and its event subprocesses."""
    wanted = []
    variable_keys = {k: v for k, v in (variables or {}).items() if is_key_value(v)}
    zeebe = _zeebe_keys(definition_row)
    for task in list(workflow.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        element_id = task.task_spec.bpmn_id or task.task_spec.name
        for event_definition in expand(task.task_spec.event_definition):
            kind = kind_of(event_definition)
            if kind is None:
                continue
            item = Wanted(kind, _name(event_definition, element_id), element_id, str(task.id))
            if kind == "timer":
                item.due_at = timers.due_of_waiting(task, event_definition)
                if item.due_at is None:
                    continue
            elif kind == "message":
                item.keys = message_keys(task, variable_keys, zeebe.get(element_id))
            wanted.append(item)
    # Event subprocesses started by a message or signal have no waiting task until the event comes.
    for spec_name in workflow.spec.start.trigger_specs:
        sub_spec = workflow.subprocess_specs.get(spec_name)
        for start in getattr(sub_spec, "bpmn_start_events", []):
            for event_definition in expand(start.event_definition):
                kind = kind_of(event_definition)
                if kind in ("message", "signal"):
                    wanted.append(Wanted(kind, _name(event_definition, start.bpmn_id), start.bpmn_id,
                                         keys=dict(variable_keys) if kind == "message" else {}))
    return wanted


def _name(event_definition, element_id):
    return (event_definition.name or element_id)[:255]


def message_keys(task, variable_keys, zeebe_expression=None):
    """Correlation values of a waiting message catch: the process variables (Camunda 7 matches on
    them), SpiffArena correlation properties of its workflow, and a Zeebe correlationKey."""
    keys = dict(variable_keys)
    for props in (task.workflow.correlations or {}).values():
        if isinstance(props, dict):
            keys.update({k: v for k, v in props.items() if is_key_value(v)})
    if zeebe_expression:
        value = _zeebe_value(zeebe_expression, task.data)
        if value is not None:
            # Zeebe compares correlation keys as strings.
            keys[ZEEBE_KEY] = value if isinstance(value, str) else canonical(value)
    return {k[:255]: v for k, v in keys.items() if is_key_value(v)}


def _zeebe_value(expression, data):
    text = expression.strip()
    if text.startswith("="):
        path = text[1:].strip()
        value = data
        for part in path.split("."):
            if not part.isidentifier() or not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value
    return text


_zeebe_by_definition = {}


def _zeebe_keys(definition_row):
    """zeebe_correlation_keys by definition id, so the (deferred) XML is read once per version."""
    keys = _zeebe_by_definition.get(definition_row.id)
    if keys is None:
        if len(_zeebe_by_definition) > 256:
            _zeebe_by_definition.clear()
        keys = _zeebe_by_definition[definition_row.id] = zeebe_correlation_keys(definition_row.id,
                                                                                definition_row.bpmn_xml)
    return keys


@lru_cache(maxsize=256)
def zeebe_correlation_keys(definition_id, bpmn_xml):
    """{element id: correlationKey expression} for message catches of a Zeebe model."""
    if not bpmn_xml or ZEEBE_NS not in bpmn_xml:
        return {}
    try:
        root = etree.fromstring(bpmn_xml.encode(), parser=etree.XMLParser(resolve_entities=False,
                                                                          no_network=True))
    except etree.XMLSyntaxError:
        return {}
    ns = {"bpmn": BPMN_NS, "zeebe": ZEEBE_NS}
    by_message = {}
    for message in root.iterfind(".//bpmn:message", ns):
        subscription = message.find("bpmn:extensionElements/zeebe:subscription", ns)
        if subscription is not None and subscription.get("correlationKey"):
            by_message[message.get("id")] = subscription.get("correlationKey")
    result = {}
    for element in root.iter():
        ref = element.get("messageRef")
        if ref in by_message:
            owner = element.getparent() if element.tag == f"{{{BPMN_NS}}}messageEventDefinition" else element
            if owner.get("id"):
                result[owner.get("id")] = by_message[ref]
    return result


def sync_instance(session, row, definition_row, workflow):
    """Make the instance's rows say what its workflow waits for (nothing, once it stopped running)."""
    wanted = [] if row.state != "running" else wanted_for_instance(definition_row, workflow, row.variables)
    existing = list(session.scalars(select(EventSubscription).where(EventSubscription.instance_id == row.id)))
    _reconcile(session, existing, wanted, lambda item: EventSubscription(
        kind=item.kind, name=item.name, instance_id=row.id, definition_id=row.definition_id,
        definition_key=row.definition_key, element_id=item.element_id, task_id=item.task_id,
        business_key=row.business_key, due_at=item.due_at, details=item.details), row.business_key)


def _reconcile(session, existing, wanted, make, business_key=None):
    by_identity = {}
    stale = []
    for sub in existing:
        if _identity_key(sub) in by_identity:
            stale.append(sub)
        else:
            by_identity[_identity_key(sub)] = sub
    wanted_ids = {item.identity for item in wanted}
    stale += [sub for key, sub in by_identity.items() if key not in wanted_ids]
    if stale:
        ids = [s.id for s in stale]
        session.execute(delete(EventSubscriptionKey).where(EventSubscriptionKey.subscription_id.in_(ids)))
        session.execute(delete(EventSubscription).where(EventSubscription.id.in_(ids)))
        for sub in stale:
            session.expunge(sub)
    key_rows = {}
    message_ids = [s.id for k, s in by_identity.items() if k in wanted_ids and s.kind == "message"]
    if message_ids:
        for key_row in session.scalars(select(EventSubscriptionKey)
                                       .where(EventSubscriptionKey.subscription_id.in_(message_ids))):
            key_rows.setdefault(key_row.subscription_id, []).append(key_row)
    for item in wanted:
        sub = by_identity.get(item.identity)
        if sub is None:
            sub = make(item)
            session.add(sub)
            if item.keys:
                session.flush()
            by_identity[item.identity] = sub
        else:
            if sub.due_at != item.due_at:
                sub.due_at = item.due_at
            if sub.business_key != business_key and sub.instance_id is not None:
                sub.business_key = business_key
        _sync_keys(session, sub, item.keys, key_rows.get(sub.id, []))


def _sync_keys(session, sub, keys, rows):
    wanted = {(k, canonical(v)) for k, v in keys.items()}
    have = {}
    for key_row in rows:
        pair = (key_row.key, key_row.value)
        if pair in wanted and pair not in have:
            have[pair] = key_row
        else:
            session.delete(key_row)
    for key, value in sorted(wanted - set(have)):
        session.add(EventSubscriptionKey(subscription_id=sub.id, key=key, value=value))


def _identity_key(sub):
    return (sub.kind, sub.name, sub.element_id, sub.task_id)


# --------------------------------------------------------------------------- start events

def wanted_for_definition(definition_row, now=None):
    spec, _ = state.load_specs(definition_row.id, definition_row.spec_json)
    now = now or clock.now()
    wanted = []
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, StartEvent):
            continue
        for event_definition in expand(task_spec.event_definition):
            kind = kind_of(event_definition)
            if kind is None:
                continue
            item = Wanted(kind, _name(event_definition, task_spec.bpmn_id), task_spec.bpmn_id)
            if kind == "timer":
                schedule = timers.start_timer_schedule(event_definition, now)
                if schedule is None:
                    continue
                item.due_at, item.details = schedule
            wanted.append(item)
    return wanted


def deployed(session, definitions):
    """What the deployment service calls with the definition rows it just added, before commit."""
    from .event_subprocesses import annotate_definitions
    annotate_definitions(definitions)
    sync_start_subscriptions(session, definitions)


def sync_start_subscriptions(session, definitions):
    """Point the start-event rows of each deployed key at its newest version.

    Called by the deployment service with the definition rows it just added.
    """
    session.flush()
    for definition in definitions:
        latest = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == definition.key)
                                .order_by(ProcessDefinition.version.desc()).limit(1))
        if latest is None or latest.id != definition.id:
            continue
        old = list(session.scalars(select(EventSubscription).where(
            EventSubscription.definition_key == definition.key, EventSubscription.instance_id.is_(None))))
        if old:
            ids = [s.id for s in old]
            session.execute(delete(EventSubscriptionKey).where(EventSubscriptionKey.subscription_id.in_(ids)))
            session.execute(delete(EventSubscription).where(EventSubscription.id.in_(ids)))
            for sub in old:
                session.expunge(sub)
        for item in wanted_for_definition(definition):
            session.add(EventSubscription(kind=item.kind, name=item.name, definition_id=definition.id,
                                          definition_key=definition.key, element_id=item.element_id,
                                          due_at=item.due_at, details=item.details))
    session.flush()


def list_for_instance(session, instance_id):
    return [{"kind": s.kind, "name": s.name, "element_id": s.element_id, "business_key": s.business_key,
             "due_at": s.due_at.isoformat() if s.due_at else None}
            for s in session.scalars(select(EventSubscription).where(EventSubscription.instance_id == instance_id)
                                     .order_by(EventSubscription.id))]
