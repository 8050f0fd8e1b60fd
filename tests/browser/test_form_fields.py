"""The neutral field-list form: reading what a page sent, and validating it (no database)."""
from engine import form_fields, form_input

FIELDS = [
    {"id": "title", "label": "Title", "type": "string", "required": True, "minlength": 2, "maxlength": 10},
    {"id": "amount", "label": "Amount", "type": "long", "min": 1, "max": 1000},
    {"id": "urgent", "label": "Urgent", "type": "boolean"},
    {"id": "needed_by", "label": "Needed by", "type": "date", "min": "2020-01-01"},
    {"id": "currency", "label": "Currency", "type": "enum", "required": True,
     "options": [{"id": "eur", "name": "Euro"}, {"id": "usd", "name": "US dollar"}]},
]


def test_read_types_the_text_of_a_form():
    data, problems = form_fields.read(FIELDS, {"title": ["Desk"], "amount": ["250"], "urgent": ["true"],
                                               "needed_by": ["2030-05-01"], "currency": ["eur"]})
    assert problems == []
    assert data == {"title": "Desk", "amount": 250, "urgent": True, "needed_by": "2030-05-01", "currency": "eur"}
    assert form_fields.validate(FIELDS, data) == []


def test_an_unticked_checkbox_is_false_and_empty_inputs_are_left_out():
    data, problems = form_fields.read(FIELDS, {"title": [""], "amount": ["  "]})
    assert problems == [] and data == {"urgent": False}


def test_unreadable_numbers_are_named():
    _, problems = form_fields.read(FIELDS, {"amount": ["12.5"]})
    assert problems == [{"field": "amount", "message": "must be a whole number"}]


def test_validate_names_every_field():
    problems = form_fields.validate(FIELDS, {"title": "x" * 11, "amount": 0, "urgent": "yes",
                                             "needed_by": "2019-12-31", "currency": "gbp"})
    by_field = {p["field"]: p["message"] for p in problems}
    assert by_field == {"title": "must be at most 10 characters", "amount": "must be at least 1",
                        "urgent": "must be true or false", "needed_by": "must be at least 2020-01-01",
                        "currency": "must be one of: Euro, US dollar"}
    assert form_fields.validate(FIELDS, {}) == [{"field": "title", "message": "Title is required"},
                                               {"field": "currency", "message": "Currency is required"}]
    assert form_fields.validate(FIELDS, {"title": "ok", "currency": "eur", "amount": True})[0]["field"] == "amount"


def test_json_schema_becomes_fields_in_ui_order():
    schema = {"type": "object", "required": ["approved"], "properties": {
        "comment": {"type": "string", "title": "Comment", "maxLength": 500},
        "approved": {"type": "boolean", "title": "Approve?"},
        "level": {"type": "string", "enum": ["a", "b"]},
        "due": {"type": "string", "format": "date"},
        "qty": {"type": "integer", "minimum": 1},
        "items": {"type": "array"}}}
    fields = form_input.fields_from_json_schema(schema, {"ui:order": ["approved", "*"],
                                                         "comment": {"ui:widget": "textarea"}})
    assert [f["id"] for f in fields] == ["approved", "comment", "level", "due", "qty", "items"]
    kinds = {f["id"]: (f["type"], f.get("widget")) for f in fields}
    assert kinds == {"approved": ("boolean", "radio"), "comment": ("string", "textarea"), "level": ("enum", None),
                     "due": ("date", None), "qty": ("long", None), "items": ("json", "textarea")}
    form = {"type": "json-schema", "schema": schema}
    data = form_input.read(form, {"approved": ["false"], "items": ['[{"a": 1}]'], "qty": ["3"]})
    assert data == {"approved": False, "items": [{"a": 1}], "qty": 3}


def test_form_js_components_are_checked_on_the_server():
    schema = {"type": "default", "components": [
        {"type": "textfield", "key": "name", "label": "Name", "validate": {"required": True}},
        {"type": "number", "key": "count", "validate": {"min": 1}},
        {"type": "select", "key": "color", "values": [{"label": "Red", "value": "red"}]},
        {"type": "group", "components": [{"type": "checkbox", "key": "ok"}]},
        {"type": "text", "text": "# Heading"}]}
    fields = form_input.fields_from_form_js(schema)
    assert [(f["id"], f["type"]) for f in fields] == [("name", "string"), ("count", "double"), ("color", "enum"),
                                                       ("ok", "boolean")]
    form = {"type": "form-js", "form_schema": schema}
    data = form_input.read(form, {"_formjs_data": ['{"count": 0, "color": "blue"}']})
    problems = form_fields.validate(fields, data)
    assert {p["field"] for p in problems} == {"name", "count", "color"}
