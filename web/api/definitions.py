from flask import Blueprint, Response, request

from engine import deployments, instances

from . import call, json_body, username

bp = Blueprint("definitions", __name__, url_prefix="/api/v1/process-definitions")


@bp.get("")
def index():
    latest = request.args.get("latest", "").lower() in ("1", "true", "yes")
    return call(deployments.list_definitions, key=request.args.get("key"), latest=latest)


@bp.get("/<key>")
def latest(key):
    return call(deployments.get_definition, key)


@bp.get("/<key>/versions/<int(signed=True):version>")
def version(key, version):
    return call(deployments.get_definition, key, version)


@bp.get("/<key>/xml")
def xml(key):
    version = request.args.get("version", type=int)
    return Response(call(deployments.get_definition_xml, key, version), mimetype="application/xml")


@bp.post("/<key>/start")
def start(key):
    body = json_body()
    result = call(instances.start, key, body.get("variables"), body.get("business_key"), user=username())
    return result, 201
