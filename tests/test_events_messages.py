"""Messages through POST /api/v1/messages: catch events, receive tasks, start events, boundary
events; correlation by business key and correlation keys; the 400/404/422 answers."""
import pytest

from tests.events_support import (deploy_events, history_elements, instance, message, open_tasks, start,
                                  subscriptions)


@pytest.fixture
def catch_model(client):
    deploy_events(client, "message_catch.bpmn")


def test_waiting_catches_are_subscriptions_with_business_key_and_keys(client, catch_model):
    first = start(client, "message_catch", {"order_id": 7, "customer": "ACME"}, business_key="ORD-7")
    assert first["active_elements"] == ["Wait_payment"]
    [sub] = subscriptions(first["id"])
    assert (sub.kind, sub.name, sub.element_id, sub.business_key) == ("message", "payment_received",
                                                                        "Wait_payment", "ORD-7")
    assert sub.task_id and sub.due_at is None


def test_message_moves_the_instance_on_and_merges_variables(client, catch_model):
    first = start(client, "message_catch", {"order_id": 7}, business_key="ORD-7")
    other = start(client, "message_catch", {"order_id": 8}, business_key="ORD-8")
    response = message(client, "payment_received", business_key="ORD-7", variables={"paid": 120})
    assert response.status_code == 200, response.json
    assert response.json == {"correlated": [first["id"]], "started": []}
    after = instance(client, first["id"])
    assert after["active_elements"] == ["Receive_shipment"]
    assert after["variables"]["paid"] == 120
    assert instance(client, other["id"])["active_elements"] == ["Wait_payment"]
    [sub] = subscriptions(first["id"])
    assert (sub.name, sub.element_id) == ("shipment_sent", "Receive_shipment")

    done = message(client, "shipment_sent", correlation_keys={"order_id": 7}, variables={"carrier": "DHL"})
    assert done.json["correlated"] == [first["id"]]
    final = instance(client, first["id"])
    assert final["state"] == "completed" and final["variables"]["carrier"] == "DHL"
    assert final["variables"]["done"] is True
    assert subscriptions(first["id"]) == []
    assert "Receive_shipment" in history_elements(client, first["id"])
    kinds = [e["type"] for e in client.get(f"/api/v1/process-instances/{first['id']}/history").json]
    assert kinds.count("message_received") == 2


def test_correlation_keys_must_all_match_and_keep_their_type(client, catch_model):
    first = start(client, "message_catch", {"order_id": 7, "region": "EU"})
    start(client, "message_catch", {"order_id": 7, "region": "US"})
    assert message(client, "payment_received", correlation_keys={"order_id": "7"}).status_code == 404
    assert message(client, "payment_received", correlation_keys={"order_id": 7, "region": "APAC"}).status_code == 404
    matched = message(client, "payment_received", correlation_keys={"order_id": 7, "region": "EU"})
    assert matched.json["correlated"] == [first["id"]]


def test_a_message_without_keys_reaches_every_waiting_instance(client, catch_model):
    ids = sorted(start(client, "message_catch", {"n": n})["id"] for n in range(3))
    response = message(client, "payment_received")
    assert sorted(response.json["correlated"]) == ids


def test_nothing_matched_is_404_and_changes_nothing(client, catch_model):
    waiting = start(client, "message_catch", {"order_id": 1}, business_key="A")
    for body in ({"name": "no_such_message"}, {"name": "payment_received", "business_key": "B"},
                 {"name": "shipment_sent"}):
        response = client.post("/api/v1/messages", json=body)
        assert response.status_code == 404, body
        assert response.json["error"]["code"] == "not_found"
    assert instance(client, waiting["id"])["active_elements"] == ["Wait_payment"]


BAD_REQUESTS = [
    ({}, 400), ({"name": ""}, 400), ({"name": 5}, 400), ({"name": "x" * 300}, 400),
    ({"name": "payment_received", "business_key": 3}, 400),
    ({"name": "payment_received", "correlation_keys": [1]}, 400),
    ({"name": "payment_received", "variables": [1]}, 400),
    ({"name": "payment_received", "variables": {"__class__": 1}}, 400),
    ({"name": "payment_received", "correlation_keys": {"order_id": {"a": 1}}}, 422),
    ({"name": "payment_received", "correlation_keys": {"order_id": None}}, 422),
    ({"name": "payment_received", "correlation_keys": {"order_id": "x" * 300}}, 422),
]


def test_bad_requests_name_the_problem_and_deliver_nothing(client, catch_model):
    waiting = start(client, "message_catch", {"order_id": 1})
    for body, status in BAD_REQUESTS:
        response = client.post("/api/v1/messages", json=body)
        assert response.status_code == status, (body, response.json)
        assert response.json["error"]["message"]
        if status == 422:
            assert response.json["error"]["details"][0]["field"] == "order_id"
    assert instance(client, waiting["id"])["active_elements"] == ["Wait_payment"]
    assert client.get(f"/api/v1/process-instances/{waiting['id']}/history").json[-1]["type"] != "message_received"


def test_body_that_is_not_json_is_400(client, catch_model):
    response = client.post("/api/v1/messages", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert client.post("/api/v1/signals", data="[1]", content_type="application/json").status_code == 400


def test_message_start_event_starts_the_latest_version_with_business_key(client):
    deploy_events(client, "message_start.bpmn")
    [start_sub] = subscriptions(kind="message")
    assert start_sub.instance_id is None and start_sub.name == "new_ticket"
    response = message(client, "new_ticket", business_key="MAIL-1", variables={"subject": "printer on fire"})
    assert response.status_code == 200, response.json
    assert response.json["correlated"] == []
    [started] = response.json["started"]
    ticket = instance(client, started)
    assert ticket["business_key"] == "MAIL-1" and ticket["variables"]["subject"] == "printer on fire"
    assert ticket["active_elements"] == ["Task_triage"]
    assert open_tasks(client, started)[0]["element_id"] == "Task_triage"


def test_start_subscriptions_follow_the_latest_version(client, tmp_path):
    deploy_events(client, "message_start.bpmn")
    first = subscriptions(kind="message")
    changed = tmp_path / "message_start.bpmn"
    changed.write_text((__import__("tests.events_support", fromlist=["x"]).EVENT_MODELS / "message_start.bpmn")
                       .read_text().replace('name="Triage"', 'name="Triage v2"'))
    response = client.post("/api/v1/deployments", data={"file": [(changed.open("rb"), "message_start.bpmn")]},
                           content_type="multipart/form-data")
    assert response.json["process_definitions"][0]["version"] == 2
    [second] = subscriptions(kind="message")
    assert second.definition_id != first[0].definition_id
    started = message(client, "new_ticket").json["started"]
    assert instance(client, started[0])["definition_version"] == 2


def test_interrupting_and_non_interrupting_message_boundary_events(client):
    deploy_events(client, "message_boundary.bpmn")
    work = start(client, "message_boundary", business_key="W-1")
    assert {s.name for s in subscriptions(work["id"])} == {"cancel_request", "reminder"}
    reminded = message(client, "reminder", business_key="W-1")
    assert reminded.json["correlated"] == [work["id"]]
    after = instance(client, work["id"])
    assert after["state"] == "running" and "Task_work" in after["active_elements"]
    assert "End_reminded" in history_elements(client, work["id"])
    assert len(open_tasks(client, work["id"])) == 1
    # The non-interrupting boundary keeps listening.
    assert {s.name for s in subscriptions(work["id"])} == {"cancel_request", "reminder"}
    assert message(client, "reminder", business_key="W-1").json["correlated"] == [work["id"]]
    assert len(open_tasks(client, work["id"])) == 1

    assert message(client, "cancel_request", business_key="W-1").status_code == 200
    final = instance(client, work["id"])
    assert final["state"] == "completed"
    assert "End_cancelled" in history_elements(client, work["id"])
    assert open_tasks(client, work["id"]) == []
    assert subscriptions(work["id"]) == []
