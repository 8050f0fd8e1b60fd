"""Schema migrations with Alembic, run from code so no alembic.ini has to be found."""
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url, revision="head"):
    from .db import ensure_sqlite_directory
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)
