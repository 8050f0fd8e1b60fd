"""Fixtures: the app on SQLite and on PostgreSQL, a real Redis, a live HTTP server, and users."""
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from engine import db, jobs, migrate, users
from engine.models import Base
from engine.uow import unit_of_work

pytest_plugins = ["tests.services"]

HERE = Path(__file__).parent
MODELS = HERE / "models"
EXAMPLES = HERE.parent / "examples"
CORPUS = HERE.parent.parent / "shared" / "bpmn-corpus"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'baton.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_url):
    migrate.upgrade(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """Each test that uses the database runs once on SQLite and once on PostgreSQL, on empty tables."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("migrated_postgres_url")
    db.configure(url)
    _empty_tables()
    return url


def _empty_tables():
    with db.get_engine().begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(database_url, redis_url, tmp_path, monkeypatch):
    monkeypatch.setenv("BATON_VAR_DIR", str(tmp_path / "var"))
    from web import create_app
    application = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                               "SECRET_KEY": "test", "TESTING": True})
    yield application
    jobs.set_dispatcher(None)


@pytest.fixture
def uow(database_url):
    with unit_of_work() as work:
        yield work


@pytest.fixture
def admin_token(app):
    with unit_of_work() as work:
        users.create_user(work, "admin", "admin-password", is_admin=True)
    with unit_of_work() as work:
        return users.create_token(work, "admin")


@pytest.fixture
def client(app, admin_token):
    """A Flask test client that sends the admin's bearer token."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return test_client


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app on a real socket, for tests that speak HTTP like an outside client."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def model_files(*names, base=MODELS):
    """[('name', bytes)] as the deployment service takes them."""
    return [(Path(n).name, (base / n).read_bytes()) for n in names]


def deploy(client, *paths):
    """Deploy files through the API; paths are relative to tests/models unless absolute."""
    data = {"file": [((MODELS / p).open("rb"), Path(p).name) for p in paths]}
    return client.post("/api/v1/deployments", data=data, content_type="multipart/form-data")
