"""The time the engine believes it is: real UTC time, unless a test has set a clock of its own.

SpiffWorkflow decides whether a timer is due with `datetime.now(timezone.utc)` inside its timer
module. `install()` swaps that module's `datetime` for a subclass whose `now()` asks this clock,
so moving the clock in a test moves every timer without sleeping.
"""
import threading
from datetime import datetime, timedelta, timezone

_lock = threading.Lock()
_frozen = None   # None: real time


def now():
    with _lock:
        if _frozen is not None:
            return _frozen
    return datetime.now(timezone.utc)


def freeze(at=None):
    """Stop the clock at `at` (aware datetime; default: the real time now)."""
    global _frozen
    at = at or datetime.now(timezone.utc)
    if at.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    with _lock:
        _frozen = at.astimezone(timezone.utc)
    return _frozen


def advance(seconds=0, **kwargs):
    """Move a frozen clock on; returns the new time."""
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("the clock is not frozen: call clock.freeze() first")
        _frozen = _frozen + timedelta(seconds=seconds, **kwargs)
        return _frozen


def unfreeze():
    global _frozen
    with _lock:
        _frozen = None


class _AnyDatetime(type):
    # The timer module checks isinstance(x, datetime) on values that may be plain datetimes.
    def __instancecheck__(cls, obj):
        return isinstance(obj, datetime)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, datetime)


class ClockDatetime(datetime, metaclass=_AnyDatetime):
    @classmethod
    def now(cls, tz=None):
        current = now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)

    @classmethod
    def utcnow(cls):
        return now().replace(tzinfo=None)


def install():
    from SpiffWorkflow.bpmn.specs.event_definitions import timer
    timer.datetime = ClockDatetime
