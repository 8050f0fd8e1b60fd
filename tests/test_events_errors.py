"""Errors, escalations, termination and event subprocesses (interrupting or not) on persisted
instances through the API."""
import pytest

from tests.events_support import (clock, complete, deploy_events, history_elements, instance,  # noqa: F401
                                  fire_timers, message, open_tasks, start, subscriptions)


def test_error_end_event_is_caught_by_the_boundary_with_its_code_and_payload(client):
    deploy_events(client, "errors.bpmn")
    failing = start(client, "errors", {"free_gb": 5})
    assert failing["state"] == "running"
    assert failing["active_elements"] == ["Task_free_space"]
    assert failing["variables"]["disk_error"] == {"free": 5}
    steps = history_elements(client, failing["id"])
    assert "Boundary_disk_full" in steps and "Boundary_other" not in steps and "End_ok" not in steps
    # The escalation inside the subprocess reached the non-interrupting boundary; work went on.
    assert "Script_slow" in steps
    [task] = open_tasks(client, failing["id"])
    complete(client, task["id"])
    assert instance(client, failing["id"])["state"] == "completed"


def test_without_the_error_the_subprocess_ends_normally(client):
    deploy_events(client, "errors.bpmn")
    fine = start(client, "errors", {"free_gb": 50})
    assert fine["state"] == "completed"
    steps = history_elements(client, fine["id"])
    assert "End_ok" in steps and "Boundary_disk_full" not in steps


def test_terminate_end_event_closes_every_token_and_task(client):
    deploy_events(client, "terminate.bpmn")
    racing = start(client, "terminate")
    tasks = open_tasks(client, racing["id"])
    assert {t["element_id"] for t in tasks} == {"Task_a", "Task_b"}
    assert [s.element_id for s in subscriptions(racing["id"])] == ["Start_listen"]
    complete(client, next(t["id"] for t in tasks if t["element_id"] == "Task_a"))
    final = instance(client, racing["id"])
    assert final["state"] == "completed" and final["active_elements"] == []
    assert open_tasks(client, racing["id"]) == []
    cancelled = client.get(f"/api/v1/tasks?process_instance_id={racing['id']}&state=cancelled").json
    assert [t["element_id"] for t in cancelled] == ["Task_b"]
    assert subscriptions(racing["id"]) == []


def test_non_interrupting_event_subprocess_runs_beside_the_work(client, clock):
    deploy_events(client, "event_subprocess.bpmn")
    working = start(client, "event_subprocess", business_key="ES-1")
    assert {(s.kind, s.name) for s in subscriptions(working["id"])} >= {("message", "abort"), ("message", "note")}
    for _ in range(2):
        assert message(client, "note", business_key="ES-1").json["correlated"] == [working["id"]]
    assert history_elements(client, working["id"]).count("Script_note") == 2
    clock.advance(hours=1, seconds=1)
    fire_timers()
    assert "Script_remind" in history_elements(client, working["id"])
    after = instance(client, working["id"])
    assert after["state"] == "running" and len(open_tasks(client, working["id"])) == 1


def test_interrupting_event_subprocess_cancels_the_work(client):
    deploy_events(client, "event_subprocess.bpmn")
    working = start(client, "event_subprocess", business_key="ES-2")
    assert message(client, "abort", business_key="ES-2").status_code == 200
    final = instance(client, working["id"])
    assert final["state"] == "completed"
    assert "Script_abort" in history_elements(client, working["id"])
    assert open_tasks(client, working["id"]) == []
    assert subscriptions(working["id"]) == []


def test_an_idle_timer_event_subprocess_does_not_keep_the_instance_open(client):
    deploy_events(client, "event_subprocess.bpmn")
    working = start(client, "event_subprocess")
    [task] = open_tasks(client, working["id"])
    complete(client, task["id"])
    assert instance(client, working["id"])["state"] == "completed"
    assert subscriptions(working["id"]) == []
