"""Starting instances, completing their user tasks, cancelling, history — through the API."""
import uuid
from pathlib import Path

import pytest

from tests.conftest import MODELS, deploy


@pytest.fixture
def deployed(client):
    response = deploy(client, "approval.bpmn", "review-schema.json")
    assert response.status_code == 201
    return response.json


def start(client, **body):
    return client.post("/api/v1/process-definitions/approval/start", json=body)


def open_task(client, instance_id):
    [task] = client.get(f"/api/v1/tasks?process_instance_id={instance_id}").json
    return task


def test_start_runs_to_the_first_user_task(client, deployed):
    response = start(client, variables={"amount": 250}, business_key="REQ-1")
    assert response.status_code == 201, response.json
    instance = response.json
    assert instance["state"] == "running"
    assert instance["business_key"] == "REQ-1"
    assert instance["active_elements"] == ["Task_review"]
    assert instance["variables"]["amount"] == 250
    assert instance["variables"]["needs_review"] is True
    assert instance["definition_key"] == "approval" and instance["definition_version"] == 1

    task = open_task(client, instance["id"])
    assert task["element_id"] == "Task_review"
    assert task["name"] == "Review request"
    assert task["candidate_groups"] == ["managers"]
    assert task["form"]["schema"]["required"] == ["approved"]
    detail = client.get(f"/api/v1/tasks/{task['id']}").json
    assert detail["variables"]["amount"] == 250


def test_completing_the_task_runs_the_gateway_and_completes_the_instance(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert done.status_code == 200, done.json
    assert done.json["state"] == "completed"
    assert done.json["completed_by"] == "admin"

    after = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert after["state"] == "completed"
    assert after["ended_at"] is not None
    assert after["variables"]["status"] == "approved"
    assert after["active_elements"] == []

    history = client.get(f"/api/v1/process-instances/{instance['id']}/history").json
    steps = [(e["type"], e["element_id"]) for e in history]
    assert steps[0] == ("instance_started", None)
    assert ("element_completed", "Script_prepare") in steps
    assert ("task_created", "Task_review") in steps
    assert ("element_completed", "Script_approved") in steps
    assert steps[-1] == ("instance_completed", None)
    completed = next(e for e in history if e["type"] == "task_completed")
    assert completed["user"] == "admin" and completed["element_name"] == "Review request"
    assert all(e["at"] for e in history)


def test_the_other_branch(client, deployed):
    instance = start(client, variables={"amount": 5}).json
    task = open_task(client, instance["id"])
    client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": False}})
    after = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert after["state"] == "completed"
    assert "status" not in after["variables"]
    history = client.get(f"/api/v1/process-instances/{instance['id']}/history").json
    assert "End_rejected" in [e["element_id"] for e in history]


def test_form_validation_names_the_field_and_keeps_the_task_open(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    bad = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"comment": "x" * 600}})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json["error"]["details"]}
    assert fields == {"approved", "comment"}
    assert client.get(f"/api/v1/tasks/{task['id']}").json["state"] == "open"
    assert client.get(f"/api/v1/process-instances/{instance['id']}").json["state"] == "running"


def test_completing_twice_is_a_conflict(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}}).status_code == 200
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert again.status_code == 409
    assert "not open" in again.json["error"]["message"]


def test_a_running_instance_stays_on_its_version(client, deployed, tmp_path):
    instance = start(client, variables={"amount": 250}).json
    v2 = (tmp_path / "approval.bpmn")
    v2.write_bytes(open(MODELS / "approval_v2.bpmn", "rb").read())
    response = client.post("/api/v1/deployments", data={"file": [(v2.open("rb"), "approval.bpmn"),
                                                                 (open(MODELS / "review-schema.json", "rb"),
                                                                  "review-schema.json")]},
                           content_type="multipart/form-data")
    assert response.json["process_definitions"][0]["version"] == 2
    task = open_task(client, instance["id"])
    assert client.post(f"/api/v1/tasks/{task['id']}/complete",
                       json={"variables": {"approved": True}}).status_code == 200
    after = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert (after["definition_version"], after["state"]) == (1, "completed")
    assert start(client, variables={"amount": 1}).json["definition_version"] == 2


def test_claim_unclaim_assign(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "admin"
    assert client.get("/api/v1/tasks?assignee=admin").json[0]["id"] == task["id"]
    assert client.post(f"/api/v1/tasks/{task['id']}/unclaim").json["assignee"] is None
    assigned = client.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": "maria"})
    assert assigned.json["assignee"] == "maria"
    assert client.get("/api/v1/tasks?candidate_group=managers").json[0]["id"] == task["id"]
    assert client.get("/api/v1/tasks?candidate_group=nobody").json == []
    bad = client.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": 5})
    assert bad.status_code == 400
    kinds = [e["type"] for e in client.get(f"/api/v1/process-instances/{instance['id']}/history").json]
    assert {"task_claimed", "task_unclaimed", "task_assigned"} <= set(kinds)


def test_cancel_with_a_reason(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    response = client.post(f"/api/v1/process-instances/{instance['id']}/cancel", json={"reason": "duplicate"})
    assert response.status_code == 200
    assert response.json["state"] == "cancelled"
    assert response.json["end_reason"] == "duplicate"
    assert client.get(f"/api/v1/tasks?process_instance_id={instance['id']}&state=cancelled").json
    cancelled = [e for e in client.get(f"/api/v1/process-instances/{instance['id']}/history").json
                 if e["type"] == "instance_cancelled"]
    assert cancelled[0]["details"]["reason"] == "duplicate" and cancelled[0]["user"] == "admin"
    again = client.post(f"/api/v1/process-instances/{instance['id']}/cancel", json={"reason": "x"})
    assert again.status_code == 409


def test_listing_instances_with_filters_and_paging(client, deployed):
    for n in range(3):
        start(client, variables={"amount": n}, business_key=f"K-{n}")
    page = client.get("/api/v1/process-instances?definition_key=approval&per_page=2&page=1").json
    assert page["total"] == 3 and len(page["items"]) == 2
    assert client.get("/api/v1/process-instances?business_key=K-1").json["items"][0]["business_key"] == "K-1"
    assert client.get("/api/v1/process-instances?state=completed").json["total"] == 0
    assert client.get("/api/v1/process-instances?state=bogus").status_code == 400
    assert client.get("/api/v1/process-instances?page=0").status_code == 400
    assert client.get("/api/v1/process-instances?per_page=abc").status_code == 400


@pytest.mark.parametrize("bad_id", ["123", str(uuid.uuid4()), "garbage-!", "0" * 300, "-1"])
def test_unknown_ids_are_404(client, deployed, bad_id):
    for path in (f"/api/v1/process-instances/{bad_id}", f"/api/v1/process-instances/{bad_id}/history",
                 f"/api/v1/tasks/{bad_id}"):
        response = client.get(path)
        assert response.status_code == 404, (path, response.data)
        assert response.json["error"]["code"] == "not_found"
    for path in (f"/api/v1/tasks/{bad_id}/complete", f"/api/v1/tasks/{bad_id}/claim",
                 f"/api/v1/process-instances/{bad_id}/cancel"):
        assert client.post(path, json={}).status_code == 404, path


def test_bad_json_and_bad_variables_are_400_and_start_nothing(client, deployed):
    url = "/api/v1/process-definitions/approval/start"
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    assert client.post(url, json=[1, 2]).status_code == 400
    assert client.post(url, json={"variables": [1]}).status_code == 400
    assert client.post(url, json={"variables": {"__class__": 1}}).status_code == 400
    assert client.post(url, json={"business_key": 7}).status_code == 400
    assert client.get("/api/v1/process-instances").json["total"] == 0
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", data="nope", content_type="application/json")
    assert response.status_code == 400
    assert client.get(f"/api/v1/tasks/{task['id']}").json["state"] == "open"


def test_a_script_error_becomes_an_incident(client, deployed):
    # amount is missing, so 'amount > 100' fails inside the sandbox.
    response = start(client, variables={})
    assert response.status_code == 201
    instance = response.json
    assert instance["state"] == "error"
    [incident] = instance["incidents"]
    assert incident["element_id"] == "Script_prepare"
    assert "amount" in incident["message"]
    assert client.get(f"/api/v1/tasks?process_instance_id={instance['id']}").json == []


def test_dates_and_decimals_from_scripts_round_trip(client):
    assert deploy(client, "typed_values.bpmn", "review-schema.json").status_code == 201
    instance = client.post("/api/v1/process-definitions/typed_values/start", json={"variables": {"amount": 1}}).json
    assert instance["state"] == "running", instance
    variables = instance["variables"]
    assert variables["opened"] == "2026-01-05"
    assert variables["stamp"] == "2026-01-02T03:04:05"
    assert variables["price"] == 12.5
    task = open_task(client, instance["id"])
    # Completing reloads the stored state: typed values must come back as they were saved.
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert done.status_code == 200, done.json
    final = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert final["state"] == "completed"
    assert final["variables"]["opened"] == "2026-01-05" and final["variables"]["price"] == 12.5


def test_an_escape_that_reaches_run_time_ends_in_an_incident_and_never_runs(client, uow):
    """Defence in depth: a hostile model stored without the deployment check (say, by an older release)."""
    import hashlib

    from bpmn.reader import read_models
    from engine import state as engine_state
    from engine.models import Deployment, ProcessDefinition
    from tests.conftest import model_files

    marker = Path("/tmp/baton-escape-marker-runtime")
    marker.unlink(missing_ok=True)
    files = model_files("hostile_script.bpmn", "review-schema.json")
    source = files[0][1].decode().replace("/tmp/baton-escape-marker", str(marker))
    parsed = read_models([("hostile_script.bpmn", source.encode()), files[1]]).processes["hostile_script"]
    deployment = Deployment(name="legacy")
    uow.session.add(deployment)
    uow.session.flush()
    uow.session.add(ProcessDefinition(key="hostile_script", version=1, name="legacy", deployment_id=deployment.id,
                                      resource_name="hostile_script.bpmn", content_hash=hashlib.sha256(b"x").hexdigest(),
                                      bpmn_xml=source, spec_json=engine_state.dump_specs(parsed.spec, {})))
    uow.commit()

    instance = client.post("/api/v1/process-definitions/hostile_script/start", json={"variables": {"amount": 5}}).json
    task = open_task(client, instance["id"])
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert done.status_code == 200
    after = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert after["state"] == "error"
    assert after["incidents"][0]["element_id"] == "Script_approved"
    assert "_" in after["incidents"][0]["message"]
    assert not marker.exists()


def test_a_non_candidate_cannot_take_a_task_by_assigning_it(client, app, deployed):
    from engine import users
    from engine.uow import unit_of_work
    with unit_of_work() as work:
        users.create_user(work, "outsider", "outsider-pass", groups=["sales"])
    with unit_of_work() as work:
        token = users.create_token(work, "outsider")
    with unit_of_work() as work:
        users.create_user(work, "manager", "manager-pass", groups=["managers"])
    with unit_of_work() as work:
        manager_token = users.create_token(work, "manager")
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    outsider = app.test_client()
    outsider.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    refused = outsider.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": "outsider"})
    assert refused.status_code == 403
    assert outsider.post(f"/api/v1/tasks/{task['id']}/complete",
                         json={"variables": {"approved": True}}).status_code == 403
    assert client.get(f"/api/v1/tasks/{task['id']}").json["assignee"] is None
    manager = app.test_client()
    manager.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {manager_token}"
    taken = manager.post(f"/api/v1/tasks/{task['id']}/assign", json={"assignee": "manager"})
    assert taken.status_code == 200 and taken.json["assignee"] == "manager"


def test_all_task_states_in_one_list(client, deployed):
    instance = start(client, variables={"amount": 250}).json
    task = open_task(client, instance["id"])
    client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert [t["state"] for t in client.get("/api/v1/tasks?state=all").json] == ["completed"]
    assert client.get("/api/v1/tasks?state=bogus").status_code == 400


def test_a_form_file_that_is_not_deployed_is_refused(client):
    response = deploy(client, "approval.bpmn")
    assert response.status_code == 422
    [detail] = response.json["error"]["details"]
    assert detail["element_id"] == "Task_review" and "review-schema.json" in detail["message"]


def test_files_the_process_does_not_use_do_not_make_a_new_version(client):
    first = deploy(client, "approval.bpmn", "review-schema.json").json
    again = deploy(client, "approval.bpmn", "review-schema.json", "order-schema.json")
    assert again.status_code == 200
    assert again.json["process_definitions"][0]["id"] == first["process_definitions"][0]["id"]


def test_the_api_asks_for_the_same_roles_as_the_pages(client, app, deployed):
    from engine import users
    from engine.uow import unit_of_work
    with unit_of_work() as work:
        users.create_user(work, "plain", "plain-password")
    with unit_of_work() as work:
        token = users.create_token(work, "plain")
    plain = app.test_client()
    plain.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    refused = plain.post("/api/v1/deployments", data={"file": [(open(MODELS / "approval.bpmn", "rb"), "a.bpmn")]},
                         content_type="multipart/form-data")
    assert refused.status_code == 403 and "designer" in refused.json["error"]["message"]
    instance = start(plain, variables={"amount": 250}).json
    assert instance["state"] == "running"
    assert plain.post(f"/api/v1/process-instances/{instance['id']}/cancel", json={}).status_code == 403
    assert client.get(f"/api/v1/process-instances/{instance['id']}").json["state"] == "running"


def test_a_camunda_7_form_is_read_from_the_model_and_validated(client):
    assert deploy(client, "camunda_form.bpmn").status_code == 201
    instance = client.post("/api/v1/process-definitions/camunda_leave/start", json={}).json
    task = open_task(client, instance["id"])
    assert task["candidate_groups"] == ["staff", "hr"] and task["priority"] == 70
    assert task["form"]["type"] == "fields"
    assert [f["id"] for f in task["form"]["fields"]] == ["days", "reason"]
    refused = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"days": 0}})
    assert refused.status_code == 422
    assert refused.json["error"]["details"][0]["field"] == "days"
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"days": 3, "reason": "trip"}})
    assert done.status_code == 200
    assert client.get(f"/api/v1/process-instances/{instance['id']}").json["state"] == "completed"
