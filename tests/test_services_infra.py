"""The test servers from tests/services.py really work."""
import socket
import uuid

import pytest
import redis
import sqlalchemy

from tests.services import free_port


def test_free_port_is_bindable():
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_redis_set_get_round_trip(redis_url):
    client = redis.Redis.from_url(redis_url)
    key = f"baton-test:{uuid.uuid4()}"
    try:
        assert client.set(key, "hello", ex=60)
        assert client.get(key) == b"hello"
    finally:
        client.delete(key)
        client.close()


@pytest.mark.postgres
def test_postgres_is_version_15(postgres_url):
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sqlalchemy.text("select version()")).scalar_one()
            database = conn.execute(sqlalchemy.text("select current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert "PostgreSQL 15" in version
    assert database == "baton_test"
