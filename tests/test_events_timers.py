"""Timers on persisted instances: the clock is moved, never slept on; the reconciler fires what is
due exactly once; a real `baton worker` process fires a timer by itself."""
import concurrent.futures
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.events_support import (clock, deploy_events, fire_timers, history_elements, instance,  # noqa: F401
                                  message, open_tasks, start, subscriptions)

ROOT = Path(__file__).parent.parent


def test_intermediate_timer_fires_only_when_the_clock_passes_it(client, clock):
    deploy_events(client, "timers.bpmn")
    waiting = start(client, "timers")
    [sub] = subscriptions(waiting["id"])
    assert (sub.kind, sub.element_id) == ("timer", "Wait_recovery")
    assert abs((sub.due_at - clock.now()) - timedelta(minutes=5)) < timedelta(seconds=1)

    clock.advance(minutes=4)
    assert fire_timers()["instances"] == 0
    assert instance(client, waiting["id"])["active_elements"] == ["Wait_recovery"]

    clock.advance(minutes=2)
    assert fire_timers()["instances"] == 1
    after = instance(client, waiting["id"])
    assert "Task_follow_up" in after["active_elements"]
    assert len(open_tasks(client, waiting["id"])) == 1
    timers = {s.element_id: s.due_at for s in subscriptions(waiting["id"])}
    assert set(timers) == {"Timer_sla", "Timer_remind"}
    assert timers["Timer_sla"] - clock.now() == timedelta(hours=1)


def test_boundary_timers_non_interrupting_cycle_then_interrupting(client, clock):
    deploy_events(client, "timers.bpmn")
    waiting = start(client, "timers")
    clock.advance(minutes=6)
    fire_timers()
    clock.advance(minutes=11)
    assert fire_timers()["instances"] == 1
    assert history_elements(client, waiting["id"]).count("Script_remind") == 1
    assert len(open_tasks(client, waiting["id"])) == 1, "a non-interrupting timer leaves the task open"
    clock.advance(minutes=10)
    fire_timers()
    assert history_elements(client, waiting["id"]).count("Script_remind") == 2

    clock.advance(hours=1)
    fire_timers()
    final = instance(client, waiting["id"])
    assert final["state"] == "completed"
    assert "End_escalated" in history_elements(client, waiting["id"])
    assert open_tasks(client, waiting["id"]) == []
    assert subscriptions(waiting["id"]) == []


def test_timer_date_from_an_expression(client, clock):
    deploy_events(client, "timer_date.bpmn")
    due = (clock.now() + timedelta(days=2)).isoformat()
    waiting = start(client, "timer_date", {"due_date": due})
    [sub] = subscriptions(waiting["id"])
    assert sub.due_at.isoformat() == due
    clock.advance(days=2, seconds=1)
    fire_timers()
    assert instance(client, waiting["id"])["state"] == "completed"


def test_a_bad_timer_expression_is_an_incident_not_a_500(client, clock):
    deploy_events(client, "timer_date.bpmn")
    response = client.post("/api/v1/process-definitions/timer_date/start",
                           json={"variables": {"due_date": "next tuesday"}})
    assert response.status_code == 201
    assert response.json["state"] == "error" and response.json["incidents"][0]["element_id"] == "Wait_until"
    assert subscriptions(response.json["id"]) == []


def test_event_based_gateway_message_wins_the_race(client, clock):
    deploy_events(client, "race.bpmn")
    waiting = start(client, "race", business_key="R-1")
    kinds = {(s.kind, s.element_id) for s in subscriptions(waiting["id"])}
    assert kinds == {("message", "Gateway_race"), ("timer", "Gateway_race")}
    assert message(client, "customer_reply", business_key="R-1", variables={"answer": "yes"}).status_code == 200
    done = instance(client, waiting["id"])
    assert done["state"] == "completed" and done["variables"]["answer"] == "yes"
    assert "End_replied" in history_elements(client, waiting["id"])
    clock.advance(hours=2)
    assert fire_timers()["instances"] == 0


def test_event_based_gateway_timer_wins_the_race(client, clock):
    deploy_events(client, "race.bpmn")
    waiting = start(client, "race", business_key="R-2")
    clock.advance(hours=1, seconds=1)
    fire_timers()
    assert "End_timed_out" in history_elements(client, waiting["id"])
    assert message(client, "customer_reply", business_key="R-2").status_code == 404


def test_timer_start_event_cycle_starts_instances_and_stops(client, clock):
    deploy_events(client, "timer_start.bpmn")
    [sub] = subscriptions(kind="timer")
    assert sub.instance_id is None and sub.due_at - clock.now() == timedelta(minutes=1)
    assert fire_timers()["started"] == 0
    clock.advance(minutes=1, seconds=1)
    assert fire_timers()["started"] == 1
    clock.advance(minutes=1)
    assert fire_timers()["started"] == 1
    clock.advance(minutes=5)
    assert fire_timers()["started"] == 0
    assert subscriptions(kind="timer") == []
    listing = client.get("/api/v1/process-instances?definition_key=timer_start").json
    assert listing["total"] == 2
    assert {i["active_elements"][0] for i in listing["items"]} == {"Task_check"}


def test_overdue_timers_fire_once_even_when_many_reconcilers_race(client, clock, database_url):
    deploy_events(client, "timers.bpmn")
    ids = [start(client, "timers")["id"] for _ in range(3)]
    clock.advance(hours=3)   # "downtime": everything is overdue
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: fire_timers(), range(4)))
    assert sum(r["instances"] for r in results) == 3
    for instance_id in ids:
        assert history_elements(client, instance_id).count("Wait_recovery") == 1
        assert "Task_follow_up" in instance(client, instance_id)["active_elements"]


def test_the_worker_loop_takes_turns_through_redis(client, clock, redis_url):
    from redis import Redis

    from worker import scheduler
    deploy_events(client, "timers.bpmn")
    waiting = start(client, "timers")
    clock.advance(minutes=6)
    connection = Redis.from_url(redis_url)
    connection.delete(scheduler.LOCK_KEY)
    first = scheduler.run_round(connection, interval=5)
    second = scheduler.run_round(connection, interval=5)
    assert first == {"instances": 1, "started": 0, "lost": 0}
    assert second is None, "the other worker's round is skipped while the lock lives"
    assert "Task_follow_up" in instance(client, waiting["id"])["active_elements"]
    connection.delete(scheduler.LOCK_KEY)


def test_a_second_worker_process_fires_a_timer(client, database_url, redis_url, tmp_path):
    deploy_events(client, "quick_timer.bpmn")
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, BATON_TIMER_INTERVAL="0.3",
               BATON_VAR_DIR=str(tmp_path))
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "web.cli", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        waiting = start(client, "quick_timer")
        assert waiting["state"] == "running"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = instance(client, waiting["id"])
            if state["state"] != "running":
                break
            time.sleep(0.2)
        assert state["state"] == "completed", (tmp_path / "worker.log").read_text()[-3000:]
        assert state["variables"]["woke"] is True
    finally:
        worker.terminate()
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:   # RQ's warm shutdown waits out its blocking dequeue
            worker.kill()
            worker.wait(5)
        log.close()
