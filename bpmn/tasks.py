"""What a user task asks of people, read from its spec into one neutral description.

Dialects differ in where they put assignee, candidates and forms; the engine only sees this.
"""
from dataclasses import dataclass, field


@dataclass
class UserTaskInfo:
    assignee: str | None = None
    candidate_users: list = field(default_factory=list)
    candidate_groups: list = field(default_factory=list)
    due: str | None = None
    priority: int | None = None
    form_schema_file: str | None = None
    form_ui_schema_file: str | None = None
    instructions: str | None = None
    # A form written into the model itself (Camunda formData, Flowable formProperty): the
    # neutral {"type": "fields", ...} shape, or a form-js reference.
    inline_form: dict | None = None


def _split(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def user_task_info(task_spec):
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties", {}) if isinstance(extensions, dict) else {}
    info = UserTaskInfo()
    # SpiffArena expresses who may act with lanes: the lane name is the group.
    lane = getattr(task_spec, "lane", None)
    if lane:
        info.candidate_groups.append(lane)
    info.candidate_groups += [g for g in _split(properties.get("candidateGroups")) if g not in info.candidate_groups]
    info.candidate_users = _split(properties.get("candidateUsers"))
    info.assignee = properties.get("assignee") or None
    info.due = properties.get("dueDate") or None
    if str(properties.get("priority", "")).strip().lstrip("-").isdigit():
        info.priority = int(properties["priority"])
    info.form_schema_file = properties.get("formJsonSchemaFilename") or None
    info.form_ui_schema_file = properties.get("formUiSchemaFilename") or None
    info.instructions = extensions.get("instructionsForEndUser") if isinstance(extensions, dict) else None
    _apply_neutral(info, extensions.get("baton") if isinstance(extensions, dict) else None)
    return info


def _apply_neutral(info, described):
    """What the dialect readers found (bpmn/dialects), over what SpiffArena properties said."""
    if not isinstance(described, dict):
        return
    info.assignee = described.get("assignee") or info.assignee
    for name in ("candidate_users", "candidate_groups"):
        for value in described.get(name) or []:
            if value not in getattr(info, name):
                getattr(info, name).append(value)
    info.due = described.get("due") or info.due
    if isinstance(described.get("priority"), int):
        info.priority = described["priority"]
    form = described.get("form")
    if isinstance(form, dict) and form.get("type") == "fields":
        info.inline_form = form
