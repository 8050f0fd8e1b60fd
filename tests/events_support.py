"""Helpers shared by the tests/test_events_*.py conformance modules."""
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine import clock as engine_clock

EVENT_MODELS = Path(__file__).parent / "models" / "events"


@pytest.fixture
def clock():
    """The engine's clock, frozen at the real time; tests move it with clock.advance(seconds)."""
    engine_clock.freeze()
    yield engine_clock
    engine_clock.unfreeze()


def deploy_events(client, *names):
    data = {"file": [((EVENT_MODELS / n).open("rb"), Path(n).name) for n in names]}
    response = client.post("/api/v1/deployments", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json


def start(client, key, variables=None, business_key=None):
    body = {"variables": variables or {}}
    if business_key is not None:
        body["business_key"] = business_key
    response = client.post(f"/api/v1/process-definitions/{key}/start", json=body)
    assert response.status_code == 201, response.json
    return response.json


def instance(client, instance_id):
    response = client.get(f"/api/v1/process-instances/{instance_id}")
    assert response.status_code == 200
    return response.json


def message(client, name, **body):
    return client.post("/api/v1/messages", json={"name": name, **body})


def signal(client, name, **body):
    return client.post("/api/v1/signals", json={"name": name, **body})


def history_elements(client, instance_id):
    return [e["element_id"] for e in client.get(f"/api/v1/process-instances/{instance_id}/history").json
            if e["type"] == "element_completed"]


def subscriptions(instance_id=None, kind=None):
    from sqlalchemy import select

    from engine.models import EventSubscription
    from engine.uow import unit_of_work
    with unit_of_work() as uow:
        query = select(EventSubscription).order_by(EventSubscription.id)
        if instance_id is not None:
            query = query.where(EventSubscription.instance_id == instance_id)
        if kind is not None:
            query = query.where(EventSubscription.kind == kind)
        return [SimpleNamespace(**{c.name: getattr(row, c.name) for c in EventSubscription.__table__.columns})
                for row in uow.session.scalars(query)]


def fire_timers():
    from engine import timers
    return timers.fire_due()


def open_tasks(client, instance_id):
    return client.get(f"/api/v1/tasks?process_instance_id={instance_id}").json


def complete(client, task_id, variables=None):
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"variables": variables or {}})
    assert response.status_code == 200, response.json
    return response.json
