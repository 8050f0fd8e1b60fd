"""What a task asks of people (or of a worker), read from its spec's neutral description.

Dialects differ in where they put assignee, candidates and forms; the parser reads them all into
``task_spec.extensions["baton"]`` (see bpmn/dialects) and the engine only sees what is here.
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
    follow_up: str | None = None
    # The neutral form: {"type": "fields", "fields": [...]}, {"type": "json-schema", "schema_file",
    # "ui_schema_file"} or {"type": "form-js", "form_id" | "form_file" | "schema"}; None without one.
    form: dict | None = None
    form_key: str | None = None
    # A form written into the model itself (Camunda formData, Flowable formProperty, a Zeebe
    # embedded form): what engine/forms.py stores with the task as it is.
    inline_form: dict | None = None


@dataclass
class StartInfo:
    form: dict | None = None
    initiator: str | None = None   # the variable that receives the starting user's name


def description(task_spec):
    """The neutral description of an element ({} for specs read before Baton kept one)."""
    extensions = getattr(task_spec, "extensions", None)
    if not isinstance(extensions, dict):
        return {}
    found = extensions.get("baton")
    return found if isinstance(found, dict) else {}


def _split(value):
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def user_task_info(task_spec):
    neutral = description(task_spec)
    info = UserTaskInfo()
    # SpiffArena expresses who may act with lanes: the lane name is the group.
    lane = getattr(task_spec, "lane", None)
    if lane:
        info.candidate_groups.append(lane)
    if neutral:
        _from_description(info, neutral)
    else:
        _from_spiff_properties(info, task_spec)
    return info


def _from_description(info, neutral):
    info.candidate_groups += [g for g in neutral.get("candidate_groups") or [] if g not in info.candidate_groups]
    info.candidate_users = list(neutral.get("candidate_users") or [])
    info.assignee = neutral.get("assignee") or None
    info.due = neutral.get("due") or None
    info.follow_up = neutral.get("follow_up") or None
    if isinstance(neutral.get("priority"), int):
        info.priority = neutral["priority"]
    info.instructions = neutral.get("instructions")
    info.form = neutral.get("form") or None
    info.form_key = neutral.get("form_key")
    if info.form and (info.form.get("type") == "fields" or "schema" in info.form):
        info.inline_form = info.form
    if info.form and info.form.get("type") == "json-schema":
        info.form_schema_file = info.form.get("schema_file")
        info.form_ui_schema_file = info.form.get("ui_schema_file")


def _from_spiff_properties(info, task_spec):
    extensions = getattr(task_spec, "extensions", None) or {}
    properties = extensions.get("properties", {}) if isinstance(extensions, dict) else {}
    info.candidate_groups += [g for g in _split(properties.get("candidateGroups")) if g not in info.candidate_groups]
    info.candidate_users = _split(properties.get("candidateUsers"))
    info.assignee = properties.get("assignee") or None
    info.due = properties.get("dueDate") or None
    if str(properties.get("priority", "")).strip().lstrip("-").isdigit():
        info.priority = int(properties["priority"])
    info.form_schema_file = properties.get("formJsonSchemaFilename") or None
    info.form_ui_schema_file = properties.get("formUiSchemaFilename") or None
    if info.form_schema_file:
        info.form = {"type": "json-schema", "schema_file": info.form_schema_file,
                     "ui_schema_file": info.form_ui_schema_file}
    info.instructions = extensions.get("instructionsForEndUser") if isinstance(extensions, dict) else None


def start_info(process_spec):
    """The start form and initiator variable of a process (from its none start event)."""
    for task_spec in process_spec.start.outputs:
        candidates = task_spec.outputs if not description(task_spec) and task_spec.outputs else [task_spec]
        for candidate in candidates:
            neutral = description(candidate)
            if neutral.get("form") or neutral.get("initiator"):
                return StartInfo(form=neutral.get("form"), initiator=neutral.get("initiator"))
    return StartInfo()
