"""The neutral field-list form, and checking values against it.

Camunda 7 ``formData``, Flowable form properties and Camunda 8 form-js forms all come down to a
flat list of typed fields, so one renderer and one validator serve them all. A task's ``form``:

    {"type": "fields",
     "fields": [{"id": "amount",          # the variable it sets; also the HTML input's name
                 "label": "Amount",       # optional, defaults to the id
                 "type": "long",          # string | long | double | boolean | date | enum
                 "required": true,        # optional, default false
                 "default": 100,          # optional: the value shown when the variable is unset
                 "options": [{"id": "eur", "name": "Euro"}],   # enum only
                 "min": 0, "max": 10000,                       # long, double, date (ISO text)
                 "minlength": 1, "maxlength": 200,             # string
                 "readonly": false,       # optional: shown, not editable, not submitted
                 "description": "...",    # optional help text
                 "widget": "textarea"}]}  # optional hint: textarea (string), radio (boolean)

Values are JSON: string -> str, long -> int, double -> int or float, boolean -> bool,
date -> "YYYY-MM-DD", enum -> the option id (str). ``double`` is not a Camunda 7 type; the
JSON-schema and form-js readers need it for plain numbers. A boolean with widget "radio" is
asked as yes/no with neither chosen, so "required" can tell an answer from no answer; a plain
boolean is a checkbox, which is always an answer. Type ``json`` (any JSON value, typed as text)
only stands in for the parts of a JSON schema that are not flat; its schema checks it.
"""
import json
from datetime import date

TYPES = ("string", "long", "double", "boolean", "date", "enum", "json")


def label(field):
    return field.get("label") or field["id"]


def _is_empty(value):
    return value is None or value == "" or value == []


def _problem(field, message):
    return {"field": field["id"], "message": message}


def validate(fields, data):
    """Every problem with data (a dict of typed values) as [{"field", "message"}]; [] when fine."""
    problems = []
    for field in fields or []:
        if field.get("readonly"):
            continue
        value = data.get(field["id"]) if isinstance(data, dict) else None
        if _is_empty(value):
            if field.get("required"):
                problems.append(_problem(field, f"{label(field)} is required"))
            continue
        message = _check_value(field, value)
        if message:
            problems.append(_problem(field, message))
    return problems


def _check_value(field, value):
    kind = field.get("type", "string")
    if kind == "string":
        if not isinstance(value, str):
            return "must be text"
        if field.get("minlength") is not None and len(value) < field["minlength"]:
            return f"must be at least {field['minlength']} characters"
        if field.get("maxlength") is not None and len(value) > field["maxlength"]:
            return f"must be at most {field['maxlength']} characters"
    elif kind in ("long", "double"):
        # bool is an int in Python, but true is no amount.
        if isinstance(value, bool) or not isinstance(value, int if kind == "long" else (int, float)):
            return "must be a whole number" if kind == "long" else "must be a number"
        return _range(field, value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            return "must be true or false"
    elif kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return "must be a date (YYYY-MM-DD)"
        return _range(field, value)
    elif kind == "enum":
        allowed = [str(o["id"]) for o in field.get("options") or []]
        if str(value) not in allowed:
            return "must be one of: " + ", ".join(o.get("name") or str(o["id"]) for o in field.get("options") or [])
    return None


def _range(field, value):
    # Dates compare as ISO text, which orders like the dates themselves.
    if field.get("min") is not None and value < field["min"]:
        return f"must be at least {field['min']}"
    if field.get("max") is not None and value > field["max"]:
        return f"must be at most {field['max']}"
    return None


def read(fields, raw):
    """Typed values from an HTML form's text (raw: name -> list of strings), and what could not be read.

    An unticked checkbox sends nothing, so a boolean field that is absent is False; an empty
    input means "no value" and is left out, so that `required` can catch it.
    """
    data, problems = {}, []
    for field in fields or []:
        if field.get("readonly"):
            continue
        values = raw.get(field["id"]) or []
        text = values[-1] if values else ""
        kind = field.get("type", "string")
        if kind == "boolean" and field.get("widget") != "radio":
            data[field["id"]] = text.lower() in ("on", "true", "1", "yes")
            continue
        if text.strip() == "":
            continue
        try:
            data[field["id"]] = _convert(kind, text)
        except ValueError as exc:
            problems.append(_problem(field, str(exc)))
    return data, problems


def _convert(kind, text):
    text = text.strip() if kind != "string" else text
    if kind == "long":
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind == "double":
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("must be a number")
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "boolean":
        return text.lower() in ("on", "true", "1", "yes")
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("must be valid JSON") from None
    return text
