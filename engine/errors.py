"""Errors the service layer raises; the web layer maps each to one HTTP status."""


class ServiceError(Exception):
    code = "error"

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class BadRequest(ServiceError):
    code = "bad_request"


class Unauthorized(ServiceError):
    code = "unauthorized"


class Forbidden(ServiceError):
    code = "forbidden"


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class Invalid(ServiceError):
    """The request was understood but its content is wrong (HTTP 422)."""
    code = "validation_failed"


class InvalidModel(Invalid):
    code = "invalid_model"
