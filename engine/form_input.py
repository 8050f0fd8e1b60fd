"""What a page shows for a task's or start event's form, and the typed values read back from it.

Every kind of form a task can carry becomes one of two things for a page:

* ``{"kind": "fields", "fields": [...]}``: the neutral field list (engine/form_fields.py), which
  the page renders as plain HTML inputs named by field id. JSON-schema forms are turned into
  one too: flat properties map to field types; nested objects and arrays become a JSON text box.
* ``{"kind": "form-js", "schema": {...}}``: a Camunda 8 form, rendered in the browser by form-js,
  which posts its data as JSON in ``FORMJS_INPUT``. Its fields are checked here all the same.

A task's stored form for form-js is ``{"type": "form-js", "form_schema": {...form-js JSON...}}``
(optionally "form_file"): not "schema", which engine.forms.validate takes for a JSON schema.
"""
import json

from . import form_fields, forms
from .errors import Invalid

FORMJS_INPUT = "_formjs_data"


def describe(form):
    """The page's view of a stored form description (None when the task has no form)."""
    if not form:
        return {"kind": "none", "fields": []}
    kind = form.get("type")
    if kind == "fields":
        return {"kind": "fields", "fields": list(form.get("fields") or [])}
    if kind == "json-schema":
        return {"kind": "fields", "fields": fields_from_json_schema(form.get("schema") or {},
                                                                    form.get("ui_schema") or {}),
                "title": (form.get("schema") or {}).get("title"),
                "description": (form.get("schema") or {}).get("description")}
    if kind == "form-js":
        schema = form.get("form_schema") or {}
        return {"kind": "form-js", "schema": schema, "fields": fields_from_form_js(schema)}
    return {"kind": "none", "fields": []}


def read(form, raw):
    """Typed variables from the submitted HTML form (raw: name -> list of str); raise Invalid if unreadable."""
    view = describe(form)
    if view["kind"] == "form-js":
        try:
            data = json.loads((raw.get(FORMJS_INPUT) or ["{}"])[-1])
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Invalid("the form's data could not be read", details=[{"field": None,
                                                                          "message": "not a JSON object"}])
        return data
    data, problems = form_fields.read(view["fields"], raw)
    if problems:
        raise _invalid(problems)
    return data


def check(form, data):
    """Raise Invalid naming each field whose value the form does not accept."""
    view = describe(form)
    # The flat fields first: their messages name the label a person sees ("Comment must be at
    # most 500 characters"), where jsonschema would quote the value back.
    problems = form_fields.validate(view["fields"], data)
    if not problems and form and form.get("type") == "json-schema":
        forms.validate(form, data)
        return
    if problems:
        raise _invalid(problems)


def _invalid(problems):
    return Invalid("form validation failed: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems),
                   details=problems)


def field_errors(details):
    """{field id: message} for a page, from Invalid details; nested paths go to their top field."""
    errors = {}
    for detail in details or []:
        field = detail.get("field") if isinstance(detail, dict) else None
        top = str(field).split(".", 1)[0] if field else ""
        errors.setdefault(top, detail.get("message", "invalid") if isinstance(detail, dict) else str(detail))
    return errors


# --------------------------------------------------------------------------
# JSON schema (SpiffArena) -> fields

def _ordered(properties, ui_schema):
    order = list(ui_schema.get("ui:order") or [])
    if not order:
        return list(properties)
    rest = [p for p in properties if p not in order]
    names = []
    for name in order:
        if name == "*":
            names += rest
        elif name in properties:
            names.append(name)
    return names + [p for p in rest if p not in names and "*" not in order]


def fields_from_json_schema(schema, ui_schema=None):
    ui_schema = ui_schema or {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    fields = []
    for name in _ordered(properties, ui_schema):
        prop = properties[name] if isinstance(properties[name], dict) else {}
        ui = ui_schema.get(name) if isinstance(ui_schema.get(name), dict) else {}
        if ui.get("ui:widget") == "hidden":
            continue
        field = {"id": name, "label": prop.get("title") or name, "required": name in required,
                 "description": prop.get("description") or ui.get("ui:help")}
        field.update(_json_schema_type(prop, ui, name in required))
        if "default" in prop:
            field["default"] = prop["default"]
        if ui.get("ui:readonly") or prop.get("readOnly"):
            field["readonly"] = True
        fields.append(field)
    return fields


def _json_schema_type(prop, ui, required):
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    choices = _choices(prop)
    if choices is not None:
        return {"type": "enum", "options": choices}
    if kind == "string":
        out = {"type": "date" if prop.get("format") == "date" else "string"}
        if prop.get("minLength") is not None:
            out["minlength"] = prop["minLength"]
        if prop.get("maxLength") is not None:
            out["maxlength"] = prop["maxLength"]
        if ui.get("ui:widget") == "textarea":
            out["widget"] = "textarea"
        return out
    if kind in ("integer", "number"):
        out = {"type": "long" if kind == "integer" else "double"}
        for key, target in (("minimum", "min"), ("maximum", "max")):
            if prop.get(key) is not None:
                out[target] = prop[key]
        return out
    if kind == "boolean":
        # A required yes/no question must be answerable with "no" and still be told apart
        # from no answer at all; a checkbox cannot, so ask it with two radio buttons.
        return {"type": "boolean", "widget": "radio" if required else "checkbox"}
    return {"type": "json", "widget": "textarea"}


def _choices(prop):
    if isinstance(prop.get("enum"), list):
        names = prop.get("enumNames") or []
        return [{"id": str(v), "name": str(names[i]) if i < len(names) else str(v)}
                for i, v in enumerate(prop["enum"]) if v is not None]
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and options and all(isinstance(o, dict) and "const" in o for o in options):
        return [{"id": str(o["const"]), "name": str(o.get("title") or o["const"])} for o in options]
    return None


# --------------------------------------------------------------------------
# form-js (Camunda 8) -> fields, for checking on the server what the browser sent

_FORMJS_TYPES = {"textfield": "string", "textarea": "string", "number": "double", "checkbox": "boolean",
                 "select": "enum", "radio": "enum", "datetime": "date"}


def fields_from_form_js(schema):
    fields = []
    for component in _components(schema):
        kind = _FORMJS_TYPES.get(component.get("type"))
        key = component.get("key")
        if kind is None or not key:
            continue
        validate = component.get("validate") or {}
        field = {"id": key, "label": component.get("label") or key, "type": kind,
                 "required": bool(validate.get("required"))}
        if kind == "string":
            field.update({k: validate[v] for k, v in (("minlength", "minLength"), ("maxlength", "maxLength"))
                          if validate.get(v) is not None})
        if kind == "double":
            field.update({k: validate[k] for k in ("min", "max") if validate.get(k) is not None})
        if kind == "enum":
            values = component.get("values")
            if not isinstance(values, list):
                continue   # options loaded from a variable: nothing fixed to check against
            field["options"] = [{"id": str(v.get("value")), "name": str(v.get("label") or v.get("value"))}
                                for v in values if isinstance(v, dict)]
        if kind == "date" and component.get("subtype") not in (None, "date"):
            continue   # times and date-times are checked by the form in the browser only
        if component.get("readonly") or component.get("disabled"):
            field["readonly"] = True
        fields.append(field)
    return fields


def _components(node):
    for component in node.get("components") or []:
        if isinstance(component, dict):
            yield component
            yield from _components(component)
