from flask import Blueprint

from engine import messages

from . import call, json_body, username

bp = Blueprint("events", __name__, url_prefix="/api/v1")


@bp.post("/messages")
def message():
    body = json_body()
    return call(messages.send_message, body.get("name"), business_key=body.get("business_key"),
                correlation_keys=body.get("correlation_keys"), variables=body.get("variables"), user=username())


@bp.post("/signals")
def signal():
    body = json_body()
    return call(messages.send_signal, body.get("name"), variables=body.get("variables"), user=username())
