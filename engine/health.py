"""Is the database there? Answers a word, never raises."""
from sqlalchemy import text

from .uow import unit_of_work


def database():
    try:
        with unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
