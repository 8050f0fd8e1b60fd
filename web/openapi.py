"""The OpenAPI 3.1 description of the native API, checked against the app's routes by a test."""
import re

ERROR = {"$ref": "#/components/schemas/Error"}
JSON_OBJECT = {"type": "object", "additionalProperties": True}

# (method, path, summary, request body schema or None, success status, query parameters)
ENDPOINTS = [
    ("post", "/api/v1/deployments", "Deploy BPMN, DMN, form and JSON-schema files (multipart 'file' parts)",
     "multipart", "201", []),
    ("get", "/api/v1/process-definitions", "List process definitions", None, "200", ["key", "latest"]),
    ("get", "/api/v1/process-definitions/{key}", "Latest version of a process definition", None, "200", []),
    ("get", "/api/v1/process-definitions/{key}/versions/{version}", "One version of a process definition",
     None, "200", []),
    ("get", "/api/v1/process-definitions/{key}/xml", "The BPMN XML of a definition", None, "200", ["version"]),
    ("post", "/api/v1/process-definitions/{key}/start", "Start an instance and run it to its first wait state",
     {"type": "object", "properties": {"variables": JSON_OBJECT, "business_key": {"type": "string"}}}, "201", []),
    ("get", "/api/v1/process-instances", "Find process instances", None, "200",
     ["definition_key", "state", "business_key", "page", "per_page"]),
    ("get", "/api/v1/process-instances/{id}", "One process instance", None, "200", []),
    ("post", "/api/v1/process-instances/{id}/cancel", "Cancel an instance with a reason",
     {"type": "object", "properties": {"reason": {"type": "string"}}}, "200", []),
    ("get", "/api/v1/process-instances/{id}/history", "The audit history of an instance", None, "200", []),
    ("get", "/api/v1/tasks", "List user tasks", None, "200",
     ["assignee", "candidate_group", "candidate_user", "process_instance_id", "state", "page", "per_page"]),
    ("get", "/api/v1/tasks/{id}", "One user task with its form and variables", None, "200", []),
    ("post", "/api/v1/tasks/{id}/claim", "Claim a task for yourself", None, "200", []),
    ("post", "/api/v1/tasks/{id}/unclaim", "Give a claimed task back", None, "200", []),
    ("post", "/api/v1/tasks/{id}/assign", "Assign a task to a user",
     {"type": "object", "properties": {"assignee": {"type": ["string", "null"]}}}, "200", []),
    ("post", "/api/v1/tasks/{id}/complete", "Complete a task with form data; 422 names each bad field",
     {"type": "object", "properties": {"variables": JSON_OBJECT}}, "200", []),
    ("post", "/api/v1/messages", "Correlate a message to waiting instances, or start the processes it starts; "
     "404 when nothing matched", {"type": "object", "required": ["name"], "properties": {
         "name": {"type": "string"}, "business_key": {"type": "string"},
         "correlation_keys": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
         "variables": JSON_OBJECT}}, "200", []),
    ("post", "/api/v1/signals", "Broadcast a signal to every waiting instance and start the processes it starts",
     {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "variables": JSON_OBJECT}},
     "200", []),
    ("get", "/api/v1/incidents/{id}", "One incident", None, "200", []),
    ("post", "/api/v1/incidents/{id}/retry", "Retry the failed element of an incident and run on", None, "200", []),
    ("get", "/api/v1/openapi.json", "This document", None, "200", []),
    ("get", "/healthz", "Health of the web process, the database and Redis (no authentication)", None, "200", []),
    ("get", "/metrics", "Prometheus metrics", None, "200", []),
]


def _operation(method, path, summary, body, status, query):
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{(\w+)}", path)]
    params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in query]
    operation = {
        "summary": summary,
        "operationId": f"{method}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
        "parameters": params,
        "responses": {status: {"description": "success", "content": {"application/json": {"schema": JSON_OBJECT}}}},
    }
    for code, text in (("400", "bad request"), ("401", "no or bad credentials"), ("404", "not found"),
                       ("409", "conflict: the state changed"), ("422", "invalid content")):
        if path in ("/healthz",) and code != "400":
            continue
        operation["responses"][code] = {"description": text,
                                        "content": {"application/json": {"schema": ERROR}}}
    if body == "multipart":
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "array", "items": {"type": "string",
                                                                                  "format": "binary"}},
                                             "name": {"type": "string"}}}}}}
    elif body is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
    return operation


def openapi_document(app=None):
    paths = {}
    for method, path, *rest in ENDPOINTS:
        paths.setdefault(path, {})[method] = _operation(method, path, *rest)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Baton API", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"},
                "details": {"type": "array", "items": JSON_OBJECT}}}}}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
