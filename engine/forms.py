"""Forms attached to user tasks, and server-side validation of what people submit."""
import json

import jsonschema
from sqlalchemy import select

from .errors import Invalid
from .models import Resource


_RESOURCE_CACHE = {}   # (deployment id, name) -> bytes: a deployment's files never change
_RESOURCE_CACHE_SIZE = 1024


def load_resource(session, deployment_id, name):
    """A deployed file by name: from the same deployment first, else the newest one deployed."""
    content = _RESOURCE_CACHE.get((deployment_id, name))
    if content is not None:
        return content
    row = session.scalar(select(Resource).where(Resource.deployment_id == deployment_id, Resource.name == name))
    if row is not None:
        if len(_RESOURCE_CACHE) >= _RESOURCE_CACHE_SIZE:
            _RESOURCE_CACHE.clear()
        _RESOURCE_CACHE[(deployment_id, name)] = row.content
    else:
        row = session.scalar(select(Resource).where(Resource.name == name).order_by(Resource.id.desc()))
    return row.content if row is not None else None


def build_form(session, deployment_id, info):
    """The form description stored with a task: what the API returns and the pages render."""
    if info.inline_form and not info.form_schema_file:
        return info.inline_form
    if not info.form_schema_file:
        return None
    form = {"type": "json-schema", "schema_file": info.form_schema_file, "schema": None, "ui_schema": None}
    raw = load_resource(session, deployment_id, info.form_schema_file)
    if raw is not None:
        form["schema"] = json.loads(raw)
    if info.form_ui_schema_file:
        raw_ui = load_resource(session, deployment_id, info.form_ui_schema_file)
        if raw_ui is not None:
            form["ui_schema"] = json.loads(raw_ui)
    return form


def validate(form, data):
    """Raise Invalid naming every bad field; a task without a schema accepts any JSON object."""
    if not form or not form.get("schema"):
        return
    schema = form["schema"]
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        field = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            # jsonschema reports a missing property at its parent; name the field itself.
            missing = [p for p in error.validator_value if p not in error.instance]
            for name in missing:
                problems.append({"field": f"{field}.{name}" if field else name,
                                 "message": f"'{name}' is required"})
            continue
        problems.append({"field": field or None, "message": error.message})
    if problems:
        raise Invalid("form validation failed: " + "; ".join(
            f"{p['field'] or 'form'}: {p['message']}" for p in problems), details=problems)


def check_schema(name, raw):
    """A problem message for an uploaded JSON schema that is not one, else None."""
    try:
        schema = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not valid JSON: {exc}"
    if isinstance(schema, dict) and (name.endswith("schema.json") or "$schema" in schema):
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            return f"not a valid JSON schema: {exc.message}"
    return None
