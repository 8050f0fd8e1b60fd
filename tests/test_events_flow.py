"""Long loops and large multi-instance through the API: the live state stays small because the
finished part of the task tree is pruned, while the history table keeps every step."""
import json

from tests.events_support import complete, deploy_events, instance, open_tasks, start


def _state_size(instance_id):
    from engine.models import ProcessInstance
    from engine.uow import unit_of_work
    with unit_of_work() as uow:
        row = uow.session.get(ProcessInstance, instance_id)
        return len(row.state_json), len(json.loads(row.state_json)["tasks"])


def test_a_long_loop_runs_to_the_end_with_a_small_state(client):
    deploy_events(client, "loop.bpmn")
    looped = start(client, "loop", {"n": 1200})
    assert looped["state"] == "running", looped["incidents"]
    assert looped["variables"]["i"] == 1200
    size, tasks = _state_size(looped["id"])
    assert tasks < 50 and size < 30_000, (tasks, size)
    history = client.get(f"/api/v1/process-instances/{looped['id']}/history").json
    assert sum(1 for e in history if e["element_id"] == "Script_step") == 1200
    [task] = open_tasks(client, looped["id"])
    complete(client, task["id"])
    assert instance(client, looped["id"])["state"] == "completed"


def test_sequential_multi_instance_over_many_items(client):
    deploy_events(client, "multi_instance.bpmn")
    checked = start(client, "multi_instance", {"n": 400, "stop_at": -1})
    assert checked["state"] == "completed", checked["incidents"]
    assert checked["variables"]["results"][:3] == [0, 2, 4] and len(checked["variables"]["results"]) == 400


def test_completion_condition_stops_the_multi_instance_early(client):
    deploy_events(client, "multi_instance.bpmn")
    checked = start(client, "multi_instance", {"n": 300, "stop_at": 250})
    assert checked["state"] == "completed", checked["incidents"]
    history = client.get(f"/api/v1/process-instances/{checked['id']}/history").json
    assert sum(1 for e in history if e["element_id"] == "Script_check") <= 252
