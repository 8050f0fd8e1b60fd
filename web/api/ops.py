from flask import Blueprint, Response, current_app

from engine import health
from worker import queue

from ..openapi import openapi_document

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    report = {"status": "ok", "db": health.database(), "redis": queue.ping(current_app.config["REDIS_URL"])}
    if report["db"] != "ok" or report["redis"] != "ok":
        report["status"] = "degraded"
        return report, 503
    return report


@bp.get("/metrics")
def metrics():
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/api/v1/openapi.json")
def openapi():
    return openapi_document(current_app)
