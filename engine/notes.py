"""Notes on a task: remarks while working on it, and the reasons given when it was closed."""
from sqlalchemy import select

from .errors import BadRequest, NotFound
from .instances import parse_id, record
from .models import ProcessInstance, TaskNote, UserTask

MAX_LENGTH = 4000
KINDS = ("note", "completed", "skipped")


def as_dict(row):
    return {"id": row.id, "task_id": row.task_id, "author": row.author, "kind": row.kind, "text": row.text,
            "created_at": row.created_at.isoformat()}


def clean_text(text, what="note"):
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(f"the {what} is empty")
    if len(text) > MAX_LENGTH:
        raise BadRequest(f"the {what} is longer than {MAX_LENGTH} characters")
    return text.strip()


def stage(session, task_row, text, author, kind="note"):
    """Add a note to the session without committing, so it lands together with what it explains."""
    row = TaskNote(task_id=task_row.id, author=author, kind=kind, text=clean_text(text))
    session.add(row)
    return row


def add_note(uow, task_id, text, user):
    task = uow.session.get(UserTask, parse_id(task_id, "task"))
    if task is None:
        raise NotFound(f"no task with id {task_id!r}")
    author = getattr(user, "username", user)
    row = stage(uow.session, task, text, author)
    instance = uow.session.get(ProcessInstance, task.instance_id)
    record(uow.session, instance, "task_note_added", task.element_id, task.name, author,
           details={"task_id": task.id})
    uow.commit()
    return as_dict(row)


def for_task(session, task_id):
    return [as_dict(r) for r in session.scalars(select(TaskNote).where(TaskNote.task_id == task_id)
                                                .order_by(TaskNote.created_at, TaskNote.id))]
