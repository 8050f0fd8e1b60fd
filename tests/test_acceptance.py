"""The core acceptance flows over real HTTP: SpiffArena model with script, DMN, multi-instance call
activity and a JSON-schema form; and the shipped examples."""
from pathlib import Path

import pytest
import requests

from tests.conftest import EXAMPLES, MODELS

ORDER_FILES = ["spiff_full.bpmn", "pick_item.bpmn", "shipping.dmn", "order-schema.json", "order-uischema.json"]


@pytest.fixture
def http(live_server, admin_token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {admin_token}"

    def call(method, path, **kwargs):
        return session.request(method, live_server + path, timeout=30, **kwargs)
    return call


def upload(http, base, names):
    files = [("file", (name, (Path(base) / name).read_bytes())) for name in names]
    return http("POST", "/api/v1/deployments", files=files)


def only_open_task(http, instance_id):
    tasks = http("GET", f"/api/v1/tasks?process_instance_id={instance_id}").json()
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_spiffarena_order_runs_to_completion_over_http(http):
    deployed = upload(http, MODELS, ORDER_FILES)
    assert deployed.status_code == 201, deployed.text
    keys = {d["key"] for d in deployed.json()["process_definitions"]}
    assert {"order_fulfilment", "pick_item"} <= keys

    started = http("POST", "/api/v1/process-definitions/order_fulfilment/start", json={"business_key": "ORD-7"})
    assert started.status_code == 201, started.text
    instance = started.json()
    assert instance["state"] == "running"
    task = only_open_task(http, instance["id"])
    assert task["element_id"] == "enter_order"
    assert task["form"]["schema"]["type"] == "object"
    # The pre-script ran before the form opened.
    assert http("GET", f"/api/v1/tasks/{task['id']}").json()["variables"]["currency"] == "EUR"

    refused = http("POST", f"/api/v1/tasks/{task['id']}/complete",
                   json={"variables": {"customer": "ACME", "items": [{"name": "bolt", "qty": 0}]}})
    assert refused.status_code == 422
    assert any("items.0.qty" == d["field"] for d in refused.json()["error"]["details"]), refused.json()

    order = {"customer": "ACME", "items": [{"name": "bolt", "qty": 4}, {"name": "nut", "qty": 6},
                                           {"name": "gear", "qty": 1}]}
    done = http("POST", f"/api/v1/tasks/{task['id']}/complete", json={"variables": order})
    assert done.status_code == 200, done.text
    final = http("GET", f"/api/v1/process-instances/{instance['id']}").json()
    assert final["state"] == "completed", final
    variables = final["variables"]
    assert variables["item_count"] == 3                       # post-script
    assert variables["total_qty"] == 11                       # script task
    assert variables["shipping_cost"] == pytest.approx(9.95)  # DMN
    assert sorted(p["name"] for p in variables["picked_items"]) == ["bolt", "gear", "nut"]  # multi-instance
    history = http("GET", f"/api/v1/process-instances/{instance['id']}/history").json()
    assert [e["type"] for e in history].count("instance_completed") == 1


def test_called_process_from_an_earlier_deployment_resolves(http):
    assert upload(http, MODELS, ["pick_item.bpmn"]).status_code == 201
    later = upload(http, MODELS, ["spiff_full.bpmn", "shipping.dmn", "order-schema.json", "order-uischema.json"])
    assert later.status_code == 201, later.text


def test_call_to_an_unknown_process_is_refused(http):
    response = upload(http, MODELS, ["spiff_full.bpmn", "shipping.dmn", "order-schema.json"])
    assert response.status_code == 422
    assert any("pick_item" in d["message"] for d in response.json()["error"]["details"])


def test_examples_deploy_and_run(http):
    names = sorted(p.name for p in EXAMPLES.iterdir() if p.is_file())
    assert upload(http, EXAMPLES, names).status_code == 201
    incident = http("POST", "/api/v1/process-definitions/it_incident/start", json={"business_key": "INC-1"}).json()
    triage = only_open_task(http, incident["id"])
    assert triage["candidate_groups"] == ["service-desk"]
    http("POST", f"/api/v1/tasks/{triage['id']}/complete",
         json={"variables": {"summary": "Mail down", "severity": "critical", "affected_service": "mail"}})
    resolve = only_open_task(http, incident["id"])
    assert resolve["element_id"] == "resolve_major_incident"
    assert http("GET", f"/api/v1/process-instances/{incident['id']}").json()["variables"]["priority"] == 5
    assert http("POST", f"/api/v1/tasks/{resolve['id']}/complete",
                json={"variables": {"resolution": "Restarted the mail relay"}}).status_code == 200
    assert http("GET", f"/api/v1/process-instances/{incident['id']}").json()["state"] == "completed"

    request = http("POST", "/api/v1/process-definitions/service_request/start", json={}).json()
    describe = only_open_task(http, request["id"])
    http("POST", f"/api/v1/tasks/{describe['id']}/complete",
         json={"variables": {"item": "Laptop", "cost": 1200, "justification": "old one broke"}})
    approval = only_open_task(http, request["id"])
    assert approval["candidate_groups"] == ["managers"]
    http("POST", f"/api/v1/tasks/{approval['id']}/complete", json={"variables": {"approved": True}})
    final = http("GET", f"/api/v1/process-instances/{request['id']}").json()
    assert final["state"] == "completed" and final["variables"]["status"] == "fulfilled"
