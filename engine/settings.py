"""Where things are, from the environment; the defaults make `make run` work on a fresh machine."""
import os
from pathlib import Path


def var_dir():
    path = Path(os.environ.get("BATON_VAR_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url():
    return os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'baton.db'}"


def redis_url():
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
