from flask import Blueprint

from engine import incidents

from . import call, json_body, require_role, username

bp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents")


@bp.get("/<incident_id>")
def show(incident_id):
    return call(incidents.get, incident_id)


@bp.post("/<incident_id>/retry")
def retry(incident_id):
    require_role("operator")
    return call(incidents.retry_incident, incident_id, username(), json_body().get("variables"))
