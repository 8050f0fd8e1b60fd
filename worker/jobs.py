"""RQ jobs: plain module-level functions taking ids, so a job survives a restart as data."""
from engine import db, instances, settings
from engine.errors import Conflict
from engine.uow import unit_of_work


def _ensure_database():
    # The worker process configures the database once, from the same setting as the web app.
    if not db.is_configured():
        db.configure(settings.database_url())


def refresh_instance(instance_id):
    """Move an instance on past events that are due; a lost race means another process did it."""
    _ensure_database()
    try:
        with unit_of_work() as uow:
            return instances.refresh(uow, instance_id)["state"]
    except Conflict:
        return "changed-elsewhere"
