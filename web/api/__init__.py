"""The JSON API. Views parse the request, call one service function and render its result."""
from flask import request

from engine import roles
from engine.errors import BadRequest
from engine.uow import unit_of_work

from ..auth import caller


def json_body():
    """The request's JSON object; an empty body counts as {}."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the request body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def call(service, *args, **kwargs):
    """Run one service function inside its own unit of work."""
    with unit_of_work() as uow:
        return service(uow, *args, **kwargs)


def require_role(role):
    """The API asks for the same roles as the pages: designers deploy, operators cancel and retry."""
    roles.require(caller(), role)


def username():
    user = caller()
    return user.username if user else None


def is_admin():
    user = caller()
    return bool(user and user.is_admin)
