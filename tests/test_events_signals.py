"""Signals through POST /api/v1/signals and between instances; messages thrown by one instance
and caught by another."""
from tests.events_support import (deploy_events, history_elements, instance, open_tasks, signal, start,
                                  subscriptions)


def test_signal_reaches_boundary_events_and_starts_processes(client):
    deploy_events(client, "signal_catch.bpmn", "signal_start.bpmn")
    watchers = sorted(start(client, "signal_catch")["id"] for _ in range(2))
    response = signal(client, "datacenter_alarm", variables={"room": "B2"})
    assert response.status_code == 200, response.json
    assert sorted(response.json["correlated"]) == watchers
    [started] = response.json["started"]
    handler = instance(client, started)
    assert handler["definition_key"] == "signal_start" and handler["variables"]["room"] == "B2"
    for watcher in watchers:
        after = instance(client, watcher)
        assert after["active_elements"] == ["Catch_all_clear"]
        assert open_tasks(client, watcher) == []
        assert [s.name for s in subscriptions(watcher)] == ["all_clear"]


def test_a_signal_thrown_by_one_instance_reaches_the_others(client):
    deploy_events(client, "signal_catch.bpmn", "signal_throw.bpmn")
    watcher = start(client, "signal_catch")
    signal(client, "datacenter_alarm")
    thrower = start(client, "signal_throw")
    assert thrower["state"] == "completed"
    assert instance(client, watcher["id"])["state"] == "completed"
    assert "End_alarmed" in history_elements(client, watcher["id"])


def test_nobody_listening_is_fine_for_a_broadcast(client):
    response = signal(client, "nobody_listens")
    assert response.status_code == 200 and response.json == {"correlated": [], "started": []}


def test_bad_signal_requests_are_400(client):
    deploy_events(client, "signal_catch.bpmn")
    watcher = start(client, "signal_catch")
    for body in ({}, {"name": ""}, {"name": ["x"]}, {"name": "datacenter_alarm", "variables": "x"},
                 {"name": "datacenter_alarm", "variables": {"1bad": 1}}):
        response = client.post("/api/v1/signals", json=body)
        assert response.status_code == 400, body
        assert response.json["error"]["code"] == "bad_request"
    assert instance(client, watcher["id"])["active_elements"] == ["Boundary_alarm", "Task_watch"]


def test_message_thrown_by_one_instance_is_caught_by_another(client):
    deploy_events(client, "message_catch.bpmn", "message_throw.bpmn")
    waiting = start(client, "message_catch", {"order_id": 9})
    payer = start(client, "message_throw", {"amount": 42, "order_id": 9})
    assert payer["state"] == "completed", payer
    after = instance(client, waiting["id"])
    assert after["active_elements"] == ["Receive_shipment"]
    assert after["variables"]["paid"] == 42
    kinds = [e["type"] for e in client.get(f"/api/v1/process-instances/{payer['id']}/history").json]
    # The end event's second message found nobody waiting any more: recorded, not an error.
    assert "message_unmatched" in kinds
