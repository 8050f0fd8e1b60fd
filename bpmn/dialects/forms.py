"""The neutral "fields" form that Camunda formData and Flowable form properties both become.

The shape is fixed (the web pages render and validate it):
{"type": "fields", "fields": [{"id", "label", "type", "required", "default", "options", "min", "max",
                               "minlength", "maxlength"}]}
"""
TYPES = ("string", "long", "boolean", "date", "enum")
_ALIASES = {"integer": "long", "int": "long", "number": "long", "bool": "boolean", "text": "string"}


def field(findings, node, field_id, label=None, kind=None, required=False, default=None, options=None,
          constraints=None):
    kind = (kind or "string").strip()
    kind = _ALIASES.get(kind.lower(), kind.lower()) if kind else "string"
    if kind not in TYPES:
        findings.warning("form-field-type", f"form field '{field_id}' has type '{kind}', which Baton shows "
                         "as text", node)
        kind = "string"
    result = {"id": field_id, "label": label or field_id, "type": kind, "required": bool(required),
              "default": _typed(kind, default), "options": list(options or []), "min": None, "max": None,
              "minlength": None, "maxlength": None}
    for name, config in (constraints or {}).items():
        if name == "required":
            result["required"] = config in (None, "", "true", True)
        elif name in ("minlength", "maxlength"):
            result[name] = _int(config)
        elif name in ("min", "max"):
            result[name] = _typed(kind, config) if kind in ("long", "date") else _number(config)
        elif name == "readonly":
            continue
        else:
            findings.warning("form-constraint", f"form field '{field_id}': validation '{name}' is not "
                             "checked by Baton", node)
    return result


def fields_form(fields):
    return {"type": "fields", "fields": fields}


def _typed(kind, value):
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith(("${", "#{", "=")):
        return text   # an expression: the engine evaluates it, the form shows it as written
    if kind == "long":
        return _int(text) if _int(text) is not None else text
    if kind == "boolean":
        return text.lower() == "true"
    return text


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _number(value):
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number
