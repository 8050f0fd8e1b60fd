"""The services behind POST /api/v1/messages and POST /api/v1/signals."""
from . import events
from .errors import BadRequest, Invalid, NotFound
from .instances import check_variables
from .subscriptions import MAX_KEY_LENGTH, canonical

MAX_NAME = 255


def _check_name(name):
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("'name' is required and must be a non-empty string")
    if len(name) > MAX_NAME:
        raise BadRequest(f"'name' must be at most {MAX_NAME} characters")
    return name


def _check_keys(keys):
    if keys is None:
        return {}
    if not isinstance(keys, dict):
        raise BadRequest("'correlation_keys' must be a JSON object")
    bad = []
    for key, value in keys.items():
        if not key or len(key) > MAX_KEY_LENGTH:
            bad.append({"field": key, "message": f"a key name has 1 to {MAX_KEY_LENGTH} characters"})
        elif value is None or not isinstance(value, (str, int, float, bool)):
            bad.append({"field": key, "message": "a correlation value is a string, number or boolean"})
        elif len(canonical(value)) > MAX_KEY_LENGTH:
            bad.append({"field": key, "message": f"a correlation value has at most {MAX_KEY_LENGTH} characters"})
    if bad:
        raise Invalid("invalid correlation keys: " + ", ".join(repr(b["field"]) for b in bad), details=bad)
    return keys


def send_message(uow, name, business_key=None, correlation_keys=None, variables=None, user=None):
    """Correlate a message by name plus business key and/or correlation keys.

    Waiting instances that match all get it; when none waits, the latest version of each process
    with a start event for this message is started. 404 when neither happened.
    """
    name = _check_name(name)
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > 255):
        raise BadRequest("'business_key' must be a string of at most 255 characters")
    keys = _check_keys(correlation_keys)
    variables = check_variables(variables)
    outcome = events.correlate_message(uow, name, business_key, keys, variables, user=user)
    if not outcome["correlated"] and not outcome["started"]:
        what = [f"name {name!r}"] + ([f"business key {business_key!r}"] if business_key is not None else []) \
            + ([f"correlation keys {keys}"] if keys else [])
        raise NotFound("no process instance is waiting for a message with " + ", ".join(what)
                       + " and no process starts with it")
    uow.commit()
    return outcome


def send_signal(uow, name, variables=None, user=None):
    """Broadcast a signal: every waiting instance catches it and every process it starts starts."""
    name = _check_name(name)
    variables = check_variables(variables)
    outcome = events.broadcast_signal(uow, name, variables, user=user)
    uow.commit()
    return outcome
