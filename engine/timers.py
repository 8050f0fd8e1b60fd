"""Timers: what a timer expression means, when a waiting timer is due, and firing overdue timers.

SpiffWorkflow evaluates every timer expression with the script engine, so an ISO 8601 literal
such as `PT5M` (what Camunda and Zeebe models hold) would be a NameError in Python; and it knows
no cron. `install()` replaces the three places that read a timer expression so that literals and
cron strings are taken as they are and only real expressions are evaluated.
"""
import ast
import logging
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                             DurationTimerEventDefinition,
                                                             TimeDateEventDefinition, TimerEventDefinition)

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import clock
from .errors import Conflict

log = logging.getLogger(__name__)

_DURATION = re.compile(r"^P(?=[0-9T])[0-9YMWDTHS.,]*$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-?(\d{2}-?\d{2}|W\d{2})", re.IGNORECASE)
_CYCLE = re.compile(r"^R\d*/", re.IGNORECASE)
_CRON_FIELD = re.compile(r"^[0-9*?/,\-LW#A-Za-z]+$")


def is_cron(text):
    fields = text.split()
    return 5 <= len(fields) <= 6 and all(_CRON_FIELD.match(f) for f in fields) and not _CYCLE.match(text)


def is_literal(text):
    return bool(_DURATION.match(text) or _DATE.match(text) or _CYCLE.match(text) or is_cron(text))


def _as_text(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"PT{value.total_seconds():g}S"
    return value if isinstance(value, str) else str(value)


def literal_value(expression):
    """The timer text when it needs no evaluation (an ISO literal, a cron string, a quoted string)."""
    text = (expression or "").strip()
    if is_literal(text):
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return _as_text(value).strip() if isinstance(value, str) else None


def expression_value(task, expression):
    literal = literal_value(expression)
    if literal is not None:
        return literal
    return _as_text(task.workflow.script_engine.evaluate(task, expression)).strip()


def _cron_next(expression, after):
    from croniter import croniter
    return croniter(expression, after).get_next(datetime).astimezone(timezone.utc)


def _time_date_has_fired(self, my_task):
    event_value = my_task._get_internal_data('event_value')
    if event_value is None:
        event_value = expression_value(my_task, self.expression)
        my_task._set_internal_data(event_value=event_value)
    if TimerEventDefinition.parse_time_or_duration(event_value) < clock.now():
        my_task._set_internal_data(event_fired=True)
    return my_task._get_internal_data('event_fired', False)


def _duration_has_fired(self, my_task):
    event_value = my_task._get_internal_data("event_value")
    if event_value is None:
        parsed = TimerEventDefinition.parse_iso_duration(expression_value(my_task, self.expression))
        event_value = (clock.now() + TimerEventDefinition.get_timedelta_from_start(parsed, clock.now())).isoformat()
        my_task._set_internal_data(event_value=event_value)
    if TimerEventDefinition.get_datetime(event_value) < clock.now():
        my_task._set_internal_data(event_fired=True)
    return my_task._get_internal_data('event_fired', False)


def first_cycle(text, now):
    """{'cycles', 'next', 'duration'} (or 'cron') for a cycle expression, as SpiffWorkflow keeps it."""
    if is_cron(text):
        return {'cycles': -1, 'next': _cron_next(text, now).isoformat(), 'duration': 0, 'cron': text}
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(text)
    return {'cycles': cycles, 'next': start.isoformat(), 'duration': duration.total_seconds()}


def next_cycle(event_value, fired_at):
    if event_value.get('cron'):
        return _cron_next(event_value['cron'], fired_at).isoformat()
    return (fired_at + timedelta(seconds=event_value['duration'])).isoformat()


def _cycle_complete(self, my_task):
    event_value = my_task._get_internal_data('event_value')
    if event_value is None:
        event_value = first_cycle(expression_value(my_task, self.expression), clock.now())
    ready = False
    if event_value['cycles'] != 0:
        next_event = datetime.fromisoformat(event_value['next'])
        if next_event < clock.now():
            event_value['next'] = next_cycle(event_value, next_event)
            event_value['cycles'] -= 1
            ready = True
    else:
        my_task.internal_data.pop('event_value', None)
        my_task.internal_data['event_fired'] = True
        return False
    my_task._set_internal_data(event_value=event_value)
    return ready


def _named_errors(method):
    """A timer value that cannot be read becomes an error of its task, so it turns into an
    incident on the timer element instead of an anonymous failure."""
    def wrapper(self, my_task):
        try:
            return method(self, my_task)
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            value = my_task._get_internal_data('event_value') or self.expression
            raise WorkflowTaskException(f"timer '{self.name}': cannot read {value!r} as an ISO 8601 date, "
                                        f"duration or cycle ({exc})", task=my_task, exception=exc) from exc
    return wrapper


_installed = False


def install():
    global _installed
    if _installed:
        return
    clock.install()
    TimeDateEventDefinition.has_fired = _named_errors(_time_date_has_fired)
    DurationTimerEventDefinition.has_fired = _named_errors(_duration_has_fired)
    CycleTimerEventDefinition.cycle_complete = _named_errors(_cycle_complete)
    _installed = True


def due_of_waiting(task, definition):
    """When a waiting timer task fires, from what SpiffWorkflow stored when it began to wait."""
    value = task.internal_data.get('event_value')
    if task.internal_data.get('event_fired'):
        return None
    try:
        if value is None:
            return clock.now()
        if isinstance(definition, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get('cycles') == 0:
                return None
            return _aware(datetime.fromisoformat(value['next']))
        if isinstance(definition, TimeDateEventDefinition):
            due = TimerEventDefinition.parse_time_or_duration(value)
            return _aware(due) if isinstance(due, datetime) else clock.now()
        return _aware(TimerEventDefinition.get_datetime(value))
    except Exception:  # a value the timer itself will reject: let the reconciler look at once
        return clock.now()


def _aware(value):
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def start_timer_schedule(definition, now):
    """(first due time, details) for a timer start event of a deployed process, or None.

    Expressions there have no process data to read, so only literals and constant expressions count.
    """
    text = literal_value(definition.expression)
    if text is None:
        try:
            from .state import script_engine
            text = _as_text(script_engine().environment.evaluate(definition.expression, {})).strip()
        except Exception:
            log.warning("timer start event %r: cannot evaluate %r without data", definition.name,
                        definition.expression)
            return None
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            value = first_cycle(text, now)
            if value['cycles'] == 0:
                return None
            return _aware(datetime.fromisoformat(value['next'])), value
        if isinstance(definition, TimeDateEventDefinition):
            return _aware(TimerEventDefinition.parse_time_or_duration(text)), None
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now), None
    except Exception:
        log.warning("timer start event %r: cannot read %r", definition.name, text)
        return None


# --------------------------------------------------------------------------- the reconciler

def fire_due(uow_factory=None, now=None, limit=100):
    """Fire every timer due by `now`: instance timers, then start timers. Safe to run in many
    processes at once: each firing is one transaction that commits only if nothing else changed
    the instance (or the start timer) first; a lost race leaves the work to the winner.

    Returns {"instances": n moved on, "started": n instances started, "lost": n lost races}.
    """
    from .models import EventSubscription
    from .uow import unit_of_work
    uow_factory = uow_factory or unit_of_work
    now = now or clock.now()
    counts = {"instances": 0, "started": 0, "lost": 0}
    with uow_factory() as uow:
        instance_ids = list(uow.session.scalars(
            select(EventSubscription.instance_id)
            .where(EventSubscription.kind == "timer", EventSubscription.due_at <= now,
                   EventSubscription.instance_id.is_not(None))
            .group_by(EventSubscription.instance_id)
            .order_by(EventSubscription.instance_id).limit(limit)))
        start_ids = list(uow.session.scalars(
            select(EventSubscription.id)
            .where(EventSubscription.kind == "timer", EventSubscription.due_at <= now,
                   EventSubscription.instance_id.is_(None))
            .order_by(EventSubscription.due_at).limit(limit)))
    for instance_id in instance_ids:
        try:
            with uow_factory() as uow:
                if _fire_instance(uow, instance_id, now):
                    counts["instances"] += 1
        except Conflict:
            counts["lost"] += 1
    for subscription_id in start_ids:
        try:
            with uow_factory() as uow:
                started = _fire_start(uow, subscription_id, now)
                counts["started"] += started
                if started < 0:
                    counts["lost"] += 1
        except Conflict:
            counts["lost"] += 1
    return counts


def _fire_instance(uow, instance_id, now):
    from . import instances, runtime, state
    from .models import ProcessDefinition, ProcessInstance
    from .models import EventSubscription
    row = uow.session.get(ProcessInstance, instance_id)
    if row is None or row.state != "running":
        return False
    still_due = uow.session.scalar(select(EventSubscription.id).where(
        EventSubscription.instance_id == instance_id, EventSubscription.kind == "timer",
        EventSubscription.due_at <= now).limit(1))
    if still_due is None:
        return False   # another process fired it since we looked
    definition = uow.session.get(ProcessDefinition, row.definition_id)
    workflow = state.load_workflow(definition.id, definition.spec_json, row.state_json)
    result = runtime.run_until_wait(workflow)
    if not result.steps and result.error is None and not _timer_state_changed(row, workflow):
        return False
    instances.save(uow, row, definition, workflow, result, None, follow_up=False)
    uow.commit()
    return True


def _timer_state_changed(row, workflow):
    # A cycle that moved on, or a value computed for the first time, must be kept even if no
    # element completed; comparing the serialized state tells.
    from . import state
    return state.dump_workflow(workflow) != row.state_json


def _fire_start(uow, subscription_id, now):
    """Start one instance for a due start timer; 1 when started, 0 when gone, -1 on a lost race."""
    from . import events
    from .models import EventSubscription, ProcessDefinition
    sub = uow.session.get(EventSubscription, subscription_id)
    if sub is None or sub.due_at is None or sub.due_at > now:
        return 0
    details = dict(sub.details or {})
    due = sub.due_at
    new_due = None
    if details.get('next') is not None:
        if details['cycles'] != 0:
            details['cycles'] = details['cycles'] - 1 if details['cycles'] > 0 else -1
        if details['cycles'] != 0:
            new_due = datetime.fromisoformat(next_cycle(details, due))
            details['next'] = new_due.isoformat()
    claimed = uow.session.execute(
        update(EventSubscription)
        .where(EventSubscription.id == sub.id, EventSubscription.version == sub.version)
        .values(version=sub.version + 1, due_at=new_due, details=details or None))
    if claimed.rowcount != 1:
        uow.session.rollback()
        return -1
    if new_due is None:
        uow.session.execute(EventSubscription.__table__.delete().where(EventSubscription.id == sub.id))
    definition = uow.session.get(ProcessDefinition, sub.definition_id)
    events.start_by_event(uow, definition, sub.element_id, kind="timer")
    uow.commit()
    return 1
