"""The database connection, configured once per process (like Flask's get_db, without Flask)."""
import os

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

_session_factory = None
_engine = None
_url = None


def configure(url):
    """Connect to DATABASE_URL; SQLite gets WAL and a busy timeout so threads can share it."""
    global _engine, _url, _session_factory
    if _engine is not None and _url == url:
        return _engine
    dispose()
    requested = url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    kwargs = {}
    ensure_sqlite_directory(url)
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    _engine, _url = engine, requested
    _session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    return engine


def ensure_sqlite_directory(url):
    """SQLite creates the file but not its folder; a fresh DATABASE_URL=sqlite:///var/x.db should just work."""
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_configured():
    return _engine is not None


def get_engine():
    if _engine is None:
        raise RuntimeError("database not configured: call engine.db.configure(DATABASE_URL) first")
    return _engine


def new_session():
    get_engine()
    return _session_factory()


def dispose():
    global _engine, _url, _session_factory
    if _engine is not None:
        _engine.dispose()
    _engine = _session_factory = _url = None
