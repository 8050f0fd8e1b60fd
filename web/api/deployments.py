from pathlib import PurePath

from flask import Blueprint, request

from engine import deployments
from engine.errors import BadRequest

from . import call, require_role, username

bp = Blueprint("deployments", __name__, url_prefix="/api/v1")


@bp.post("/deployments")
def create():
    require_role("designer")
    parts = request.files.getlist("file")
    if not parts:
        raise BadRequest("send the model files as multipart form parts named 'file'")
    # Only the base name counts: a browser or curl may send a path, and names link forms to models.
    files = [(PurePath(part.filename or "").name, part.read()) for part in parts]
    result, created = call(deployments.deploy, files, name=request.form.get("name"), user=username())
    return result, 201 if created else 200
