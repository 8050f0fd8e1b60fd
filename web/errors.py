"""Every error leaves as {"error": {"code", "message", "details"}}: never a traceback."""
import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from engine.errors import (BadRequest, Conflict, Forbidden, Invalid, NotFound, ServiceError,
                           Unauthorized)

log = logging.getLogger(__name__)

STATUS = {BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Invalid: 422}


def error_response(status, code, message, details=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def _status_for(exc):
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def init_app(app):
    @app.errorhandler(ServiceError)
    def service_error(exc):
        return error_response(_status_for(exc), exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = {413: "too_large", 404: "not_found", 405: "method_not_allowed"}.get(exc.code, "http_error")
        return error_response(exc.code, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; the details are in the server log")
