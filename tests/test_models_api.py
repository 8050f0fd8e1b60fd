"""Deploying models and reading definitions through the API."""
from pathlib import Path

from tests.conftest import MODELS, deploy


def test_deploy_creates_a_version_and_redeploying_the_same_content_does_not(client):
    first = deploy(client, "approval.bpmn", "review-schema.json")
    assert first.status_code == 201, first.json
    [definition] = first.json["process_definitions"]
    assert (definition["key"], definition["version"], definition["name"]) == ("approval", 1, "Simple approval")

    again = deploy(client, "approval.bpmn", "review-schema.json")
    assert again.status_code == 200
    assert again.json["process_definitions"][0]["id"] == definition["id"]
    assert again.json["id"] == first.json["id"]

    listed = client.get("/api/v1/process-definitions?key=approval").json
    assert [d["version"] for d in listed] == [1]


def test_changed_content_makes_a_new_version(client):
    deploy(client, "approval.bpmn", "review-schema.json")
    second = client.post("/api/v1/deployments", data={"file": [
        (open(MODELS / "approval_v2.bpmn", "rb"), "approval.bpmn"),
        (open(MODELS / "review-schema.json", "rb"), "review-schema.json")]},
        content_type="multipart/form-data")
    assert second.status_code == 201
    assert second.json["process_definitions"][0]["version"] == 2
    assert client.get("/api/v1/process-definitions/approval").json["version"] == 2
    assert client.get("/api/v1/process-definitions/approval/versions/1").json["name"] == "Simple approval"
    latest = client.get("/api/v1/process-definitions?latest=true").json
    assert [(d["key"], d["version"]) for d in latest] == [("approval", 2)]


def test_definition_xml_is_the_uploaded_file(client):
    deploy(client, "approval.bpmn", "review-schema.json")
    response = client.get("/api/v1/process-definitions/approval/xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data == open(MODELS / "approval.bpmn", "rb").read()


def test_xml_syntax_error_names_file_and_line_and_stores_nothing(client):
    response = deploy(client, "broken_syntax.bpmn")
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_model"
    [detail] = error["details"]
    assert detail["file"] == "broken_syntax.bpmn"
    assert detail["line"] == 5
    assert "XML syntax error" in detail["message"]
    assert client.get("/api/v1/process-definitions").json == []


MARKER = Path("/tmp/baton-escape-marker")


def test_hostile_script_is_refused_at_deployment_with_the_element(client):
    MARKER.unlink(missing_ok=True)
    response = deploy(client, "hostile_script.bpmn", "review-schema.json")
    assert not MARKER.exists()
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert any(d["element_id"] == "Script_approved" and d["line"] for d in details), details
    assert client.get("/api/v1/process-definitions").json == []


def test_hostile_gateway_condition_is_refused_at_deployment(client):
    MARKER.unlink(missing_ok=True)
    response = deploy(client, "hostile_condition.bpmn", "review-schema.json")
    assert not MARKER.exists()
    assert response.status_code == 422
    assert any(d["element_id"] == "Gateway_decision" for d in response.json["error"]["details"])


def test_file_access_in_a_script_is_refused(client):
    response = deploy(client, "open_file.bpmn", "review-schema.json")
    assert response.status_code == 422
    assert any(d["element_id"] == "Script_prepare" for d in response.json["error"]["details"])


def test_non_executable_process_is_refused_with_a_reason(client, tmp_path):
    path = tmp_path / "draft.bpmn"
    path.write_text(open(MODELS / "approval.bpmn").read().replace('isExecutable="true"',
                                                                       'isExecutable="false"'))
    response = client.post("/api/v1/deployments", data={"file": [(path.open("rb"), "draft.bpmn")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "isExecutable" in response.json["error"]["details"][0]["message"]


def test_doctype_is_refused(client, tmp_path):
    path = tmp_path / "xxe.bpmn"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;'
                    '</bpmn:definitions>')
    response = client.post("/api/v1/deployments", data={"file": [(path.open("rb"), "xxe.bpmn")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "root:" not in response.get_data(as_text=True)
    assert "DOCTYPE" in response.json["error"]["details"][0]["message"]


def test_upload_without_files_or_with_unknown_types_is_a_clear_4xx(client, tmp_path):
    empty = client.post("/api/v1/deployments", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400
    assert "file" in empty.json["error"]["message"]
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    wrong = client.post("/api/v1/deployments", data={"file": [(path.open("rb"), "notes.txt")]},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert wrong.json["error"]["details"][0]["file"] == "notes.txt"


def test_invalid_json_schema_is_refused(client, tmp_path):
    path = tmp_path / "review-schema.json"
    path.write_text("{not json")
    response = client.post("/api/v1/deployments", data={"file": [
        (open(MODELS / "approval.bpmn", "rb"), "approval.bpmn"), (path.open("rb"), "review-schema.json")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["file"] == "review-schema.json"
    assert client.get("/api/v1/process-definitions").json == []


def test_unknown_definition_is_404(client):
    for path in ("/api/v1/process-definitions/nope", "/api/v1/process-definitions/nope/versions/3",
                 "/api/v1/process-definitions/nope/xml"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "nope" in response.json["error"]["message"]
    started = client.post("/api/v1/process-definitions/nope/start", json={})
    assert started.status_code == 404
