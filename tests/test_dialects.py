"""Dialects read into the neutral description, corpus models of each dialect run through the API,
hostile and unrunnable files are refused with something a person can act on, long loops finish."""
import re
import time
from pathlib import Path

import pytest

from bpmn import reader
from bpmn.problems import InvalidModel
from bpmn.tasks import description, start_info, user_task_info
from tests.conftest import CORPUS, MODELS

DIALECT_MODELS = MODELS / "dialects"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared BPMN corpus (../shared) is absent")


def read(*paths):
    return reader.read_models([(Path(p).name, Path(p).read_bytes()) for p in paths])


def spec_of(models, element_id):
    for parsed in models.processes.values():
        for spec in [parsed.spec] + [s for s in parsed.subprocess_specs.values() if s]:
            if element_id in spec.task_specs:
                return spec.task_specs[element_id]
    raise KeyError(element_id)


def upload(client, *files):
    """files: paths, or (name, bytes)."""
    parts = [(Path(f).open("rb"), Path(f).name) if not isinstance(f, tuple) else (_stream(f[1]), f[0])
             for f in files]
    return client.post("/api/v1/deployments", data={"file": parts}, content_type="multipart/form-data")


def _stream(data):
    import io
    return io.BytesIO(data)


def start(client, key, variables=None):
    response = client.post(f"/api/v1/process-definitions/{key}/start", json={"variables": variables or {}})
    assert response.status_code == 201, response.json
    return response.json


def open_tasks(client, instance_id):
    return client.get(f"/api/v1/tasks?process_instance_id={instance_id}").json


def answers(task):
    """Values a person could enter into the task's form."""
    form = task.get("form") or {}
    values = {}
    for field in form.get("fields") or []:
        sample = {"long": 3, "boolean": True, "date": "2030-01-01", "string": "x"}.get(field["type"])
        if field["type"] == "enum":
            sample = field["options"][0]["id"]
        values[re.sub(r"\W", "_", field["id"])] = field["default"] if isinstance(field["default"], type(sample)) \
            else sample
    for name, prop in ((form.get("schema") or {}).get("properties") or {}).items():
        kind = prop.get("type") if isinstance(prop.get("type"), str) else "string"
        values[name] = prop["enum"][0] if prop.get("enum") else \
            {"integer": 3, "number": 3, "boolean": True, "array": [], "object": {}}.get(kind, "x")
    for component in (form.get("schema") or {}).get("components") or []:
        if component.get("key"):
            values[component["key"]] = "x"
    return values


def run_to_completion(client, key, variables=None, limit=20):
    instance = start(client, key, variables)
    seen = []
    for _ in range(limit):
        tasks = open_tasks(client, instance["id"])
        if not tasks:
            break
        for task in tasks:
            seen.append(task)
            done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": answers(task)})
            assert done.status_code == 200, done.json
    final = client.get(f"/api/v1/process-instances/{instance['id']}").json
    assert final["state"] == "completed", final
    return final, seen


# --- reading each dialect -------------------------------------------------------------------------

def test_camunda7_people_forms_external_task_and_start_form_are_read():
    models = read(DIALECT_MODELS / "camunda_external.bpmn")
    geocode = description(spec_of(models, "geocode"))
    assert (geocode["implementation"], geocode["topic"], geocode["priority"]) == ("external", "geocoding", 7)
    assert geocode["async_before"] is True and geocode["retry_time_cycle"] == "R3/PT5M"
    assert geocode["input_mappings"] == [{"target": "street", "source": "${address}"}]
    assert geocode["output_mappings"] == [{"target": "location", "source": "${result}"}]
    assert geocode["error_mappings"] == [{"id": "mapping", "error_ref": "Error_bad", "expression": "${status == 400}"}]
    assert geocode["expression_language"] == "juel" and geocode["dialect"] == "camunda7"
    info = user_task_info(spec_of(models, "check"))
    assert info.assignee == "${starter}" and info.priority == 80
    assert (info.due, info.follow_up) == ("2030-01-31T12:00:00", "2030-01-20T12:00:00")
    assert info.form["type"] == "fields"
    fields = {f["id"]: f for f in info.form["fields"]}
    assert set(fields["ok"]) == {"id", "label", "type", "required", "default", "options", "min", "max",
                                 "minlength", "maxlength"}
    assert (fields["ok"]["type"], fields["ok"]["default"]) == ("boolean", True)
    assert (fields["floors"]["min"], fields["floors"]["max"]) == (1, 90)
    assert fields["kind"]["options"] == [{"id": "home", "name": "Home"}, {"id": "office", "name": "Office"}]
    assert fields["visit"]["type"] == "date"
    begin = start_info(models.processes["camunda_external"].spec)
    assert begin.initiator == "starter"
    [address] = begin.form["fields"]
    assert address["required"] is True and address["maxlength"] == 200


def test_java_delegates_and_listeners_are_refused_with_what_to_use_instead():
    with pytest.raises(InvalidModel) as caught:
        read(DIALECT_MODELS / "java_delegate.bpmn")
    problems = {p.code: p for p in caught.value.problems}
    assert problems["java-class"].element_id == "charge" and problems["java-class"].line == 5
    assert 'camunda:type="external"' in problems["java-class"].message
    assert "com.example.Audit" in problems["java-listener"].message


def test_service_tasks_wait_for_their_worker_and_survive_the_serializer():
    from engine import runtime, state
    from SpiffWorkflow.util.task import TaskState
    models = read(DIALECT_MODELS / "camunda_external.bpmn")
    parsed = models.processes["camunda_external"]
    spec_json = state.dump_specs(parsed.spec, {})
    workflow = state.new_workflow("external-test", spec_json)
    result = runtime.run_until_wait(workflow)
    assert result.error is None
    [waiting] = [t for t in workflow.get_tasks(state=TaskState.STARTED) if t.task_spec.bpmn_id == "geocode"]
    assert type(waiting.task_spec).__name__ == "ExternalTask"
    assert description(waiting.task_spec)["topic"] == "geocoding"
    restored = state.load_workflow("external-test", spec_json, state.dump_workflow(workflow))
    assert type(restored).__name__ == "BatonWorkflow"
    [again] = [t for t in restored.get_tasks(state=TaskState.STARTED) if t.task_spec.bpmn_id == "geocode"]
    again.complete()
    runtime.run_until_wait(restored)
    assert [t.task_spec.bpmn_id for t in runtime.ready_user_tasks(restored)] == ["check"]


@needs_corpus
def test_zeebe_job_types_headers_mappings_and_forms_are_read():
    base = CORPUS / "executable"
    models = read(base / "camunda8-js-sdk/testdata/TasklistTestProcess.bpmn")
    form = user_task_info(spec_of(models, "Activity_0urphmi")).form
    assert form["type"] == "form-js" and form["form_id"] == "DemoForm"
    assert form["schema"]["components"][0]["key"] == "field_1dqp4e0"
    models = read(base / "lib-bpmn-engine-go/docs/examples/pause_user_tasks/simple-user-task.bpmn")
    info = user_task_info(spec_of(models, "user-task"))
    assert (info.assignee, info.candidate_groups) == ("assignee", ["group1", "group2"])
    models = read(base / "camunda-modeler/e2e/fixtures/service-task-configured.bpmn")
    task = description(spec_of(models, "Task_1"))
    assert task["topic"] == "check-order" and task["expression_language"] == "feel"


@needs_corpus
def test_flowable_and_activiti_forms_people_and_http_tasks_are_read():
    base = CORPUS / "executable"
    models = read(base / "flowable-engine/flowable-bpmn-converter/formPropertiesProcess.bpmn")
    form = user_task_info(spec_of(models, "userTask")).form
    assert form["type"] == "fields" and form["fields"][0]["id"] == "v001"
    models = read(base / "activiti/activiti-spring-boot-starter/processes/SingleTaskProcessRestricted.bpmn20.xml")
    info = user_task_info(spec_of(models, "Task_03l0zc2"))
    assert info.assignee == "garth"
    assert info.candidate_users == ["firstCandidateUser", "secondCandidateUser"]
    assert info.candidate_groups == ["firstCandidateGroup", "secondCandidateGroup"]
    http = [p for p in (CORPUS / "executable").rglob("*.bpmn*") if 'flowable:type="http"' in p.read_text(errors="ignore")]
    for path in http:
        try:
            models = read(path)
        except InvalidModel:
            continue
        connectors = [description(s).get("connector") for p in models.processes.values()
                      for s in p.spec.task_specs.values() if description(s).get("connector")]
        if connectors:
            assert connectors[0]["type"] == "http" and connectors[0].get("url")
            break


def test_plain_bpmn_iso_timers_and_message_names_are_read(tmp_path):
    path = tmp_path / "plain.bpmn"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <message id="m1" name="Order received"/>
  <process id="sid-4C7A1C36" isExecutable="true">
    <startEvent id="s"><messageEventDefinition messageRef="m1"/></startEvent>
    <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>PT5M</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <userTask id="u"><potentialOwner><resourceAssignmentExpression><formalExpression>group(sales), jane</formalExpression></resourceAssignmentExpression></potentialOwner></userTask>
    <endEvent id="e"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="wait"/><sequenceFlow id="b" sourceRef="wait" targetRef="u"/>
    <sequenceFlow id="c" sourceRef="u" targetRef="e"/>
  </process>
</definitions>""")
    models = read(path)
    assert models.dialects["plain.bpmn"] == "plain"
    assert "sid-4C7A1C36" in models.processes
    assert spec_of(models, "s").event_definition.name == "Order received"
    wait = spec_of(models, "wait")
    assert wait.event_definition.expression == "PT5M"
    info = user_task_info(spec_of(models, "u"))
    assert info.candidate_groups == ["sales"] and info.candidate_users == ["jane"]


def test_spiff_dialect_keeps_what_the_core_platform_runs():
    models = read(MODELS / "approval.bpmn")
    assert models.dialects["approval.bpmn"] == "spiff"
    [user_task] = [s for s in models.processes["approval"].spec.task_specs.values() if s.manual]
    info = user_task_info(user_task)
    assert info.form_schema_file == "review-schema.json" and "managers" in info.candidate_groups


# --- corpus models of every dialect, through the API ----------------------------------------------

CORPUS_RUNS = [
    ("camunda7", "camunda7-bpm-platform/engine/bpmn/usertask/groupTest.bpmn"),
    ("camunda7", "camunda-modeler/e2e/fixtures/c7-user-task-form.bpmn"),
    ("zeebe", "lib-bpmn-engine-go/docs/examples/pause_user_tasks/simple-user-task.bpmn"),
    ("zeebe", "camunda8-js-sdk/testdata/TasklistTestProcess.bpmn"),
    ("activiti", "activiti/activiti-spring-boot-starter/processes/SingleTaskProcessRestricted.bpmn20.xml"),
    ("activiti", "flowable-engine/flowable-bpmn-converter/formPropertiesProcess.bpmn"),
    ("spiff", "spiff-sample-process-models/misc/category_number_one/process-model-with-form/test_form.bpmn"),
    ("plain", "spiffworkflow/bpmn/data/Test-Workflows/Parallel-Multiple-Splits.bpmn20.xml"),
]


@needs_corpus
@pytest.mark.parametrize("dialect,path", CORPUS_RUNS, ids=[p for _, p in CORPUS_RUNS])
def test_corpus_model_deploys_and_runs_to_completion(client, dialect, path):
    file = CORPUS / "executable" / path
    if not file.exists():
        pytest.skip(f"{path} is not in this corpus")
    response = upload(client, file, *sorted(file.parent.glob("*.json")))
    assert response.status_code == 201, response.json
    # Collaborations carry several pools; the first executable one is started.
    definition = response.json["process_definitions"][0]
    final, tasks = run_to_completion(client, definition["key"])
    assert reader.inspect([(file.name, file.read_bytes())]).models.dialects[file.name] == dialect
    expected = {t.bpmn_id: user_task_info(t) for p in read(file).processes.values()
                for spec in [p.spec] + [s for s in p.subprocess_specs.values() if s]
                for t in spec.task_specs.values() if t.manual}
    assert tasks, "the model has user tasks to complete"
    for task in tasks:
        info = expected[task["element_id"]]
        assert task["assignee"] == info.assignee
        assert task["candidate_groups"] == info.candidate_groups
        assert task["candidate_users"] == info.candidate_users
        if info.form and info.form["type"] == "fields":
            assert task["form"]["fields"] == info.form["fields"]


@pytest.mark.parametrize("model", ["juel_gateway.bpmn", "feel_gateway.bpmn"])
def test_juel_and_feel_conditions_branch_both_ways(client, model):
    response = upload(client, DIALECT_MODELS / model)
    assert response.status_code == 201, response.json
    key = response.json["process_definitions"][0]["key"]
    for amount, element, people in ((5000, "approve_big", ("boss", ["managers", "finance"], [])),
                                    (20, "approve_small", (None, [], ["clerk"]))):
        instance = start(client, key, {"amount": amount})
        assert instance["active_elements"] == [element], instance
        [task] = open_tasks(client, instance["id"])
        assert (task["assignee"], task["candidate_groups"], task["candidate_users"]) == people
        client.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {}})
        assert client.get(f"/api/v1/process-instances/{instance['id']}").json["state"] == "completed"


# --- what cannot run, said up front ---------------------------------------------------------------

def test_unsupported_element_is_refused_with_its_id_and_type(client):
    response = upload(client, DIALECT_MODELS / "complex.bpmn")
    assert response.status_code == 422
    [detail] = response.json["error"]["details"]
    assert detail["element_id"] == "Gateway_complex" and "complexGateway" in detail["message"]
    assert detail["line"] == 5 and detail["code"] == "unsupported-element"


def test_process_without_is_executable_is_refused_with_a_message_that_says_so(tmp_path):
    text = (DIALECT_MODELS / "no_match.bpmn").read_text().replace(' isExecutable="true"', "")
    with pytest.raises(InvalidModel) as caught:
        reader.read_models([("draft.bpmn", text.encode())])
    [problem] = caught.value.problems
    assert 'isExecutable="true"' in problem.message and problem.element_id == "no_match" and problem.line


def test_gateway_without_a_matching_condition_puts_the_instance_in_error_naming_it(client):
    assert upload(client, DIALECT_MODELS / "no_match.bpmn").status_code == 201
    instance = start(client, "no_match", {"amount": 1})
    assert instance["state"] == "error"
    [incident] = instance["incidents"]
    assert incident["element_id"] == "route"
    assert instance["active_elements"] == ["route"]


def test_missing_decision_is_named(tmp_path):
    path = tmp_path / "rules.bpmn"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="rules" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:businessRuleTask id="decide" camunda:decisionRef="risk"/>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="decide"/>
  </bpmn:process>
</bpmn:definitions>""")
    with pytest.raises(InvalidModel) as caught:
        read(path)
    [problem] = caught.value.problems
    assert problem.message.startswith("decision 'risk' is not deployed") and problem.element_id == "decide"


# --- hostile and oversized files ------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p" name="&secret;" isExecutable="true"/></bpmn:definitions>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p" name="&lol9;" isExecutable="true"/></bpmn:definitions>"""


@pytest.mark.parametrize("name,data", [("xxe.bpmn", XXE), ("laughs.bpmn", LAUGHS)])
def test_entity_attacks_get_a_4xx_within_a_second_and_leak_nothing(client, name, data):
    began = time.monotonic()
    response = upload(client, (name, data))
    assert time.monotonic() - began < 1
    assert 400 <= response.status_code < 500
    assert response.json["error"]["details"][0]["code"] == "doctype"
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\0"
    assert hostname not in response.get_data(as_text=True)
    assert client.get("/api/v1/process-definitions").json == []


def test_huge_names_and_documentation_are_handled_without_a_5xx(client):
    text = (DIALECT_MODELS / "juel_gateway.bpmn").read_text()
    text = text.replace('name="Approve big amount">', f'name="{"N" * 100_000}"><bpmn:documentation>'
                        f'{"d" * 2_000_000}</bpmn:documentation>')
    text = text.replace('name="JUEL gateway"', f'name="{"P" * 5000}"')
    response = upload(client, ("huge.bpmn", text.encode()))
    assert response.status_code == 201, response.json
    instance = start(client, "juel_gateway", {"amount": 5000})
    [task] = open_tasks(client, instance["id"])
    assert len(task["name"]) <= 255
    long_id = text.replace('id="approve_big"', f'id="{"i" * 300}"').replace('targetRef="approve_big"',
                                                                          f'targetRef="{"i" * 300}"')
    refused = upload(client, ("long-id.bpmn", long_id.encode()))
    assert refused.status_code == 422 and refused.json["error"]["details"][0]["code"] == "id-too-long"


def test_oversized_upload_and_tree_are_refused(client, app):
    too_big = b"<x>" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"</x>"
    assert upload(client, ("big.bpmn", too_big)).status_code == 413
    many = ("<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">"
            + "<bpmn:documentation/>" * 210_000 + "</bpmn:definitions>").encode()
    response = upload(client, ("many.bpmn", many))
    assert response.status_code == 422 and response.json["error"]["details"][0]["code"] == "too-many-elements"


def test_syntax_errors_name_file_and_line_and_semantic_errors_the_element():
    with pytest.raises(InvalidModel) as caught:
        reader.read_models([("broken.bpmn", b"<a>\n<b>\n</a>")])
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.code) == ("broken.bpmn", 3, "xml-syntax")


# --- long loops -----------------------------------------------------------------------------------

@pytest.mark.parametrize("turns", [1000, 10_000])
def test_a_gateway_loop_runs_to_the_end(turns):
    from engine import runtime, state
    models = read(DIALECT_MODELS / "loop.bpmn")
    parsed = models.processes["counting_loop"]
    workflow = state.new_workflow(f"loop-{turns}", state.dump_specs(parsed.spec, {}))
    workflow.get_next_task(spec_name="Start").data["limit"] = turns
    result = runtime.run_until_wait(workflow)
    assert result.error is None
    assert workflow.is_completed()
    assert runtime.process_variables(workflow)["count"] == turns


def test_a_loop_of_a_thousand_turns_completes_through_the_api(client):
    assert upload(client, DIALECT_MODELS / "loop.bpmn").status_code == 201
    instance = start(client, "counting_loop", {"limit": 1000})
    assert instance["state"] == "completed", instance
    assert instance["variables"]["count"] == 1000


def test_the_search_depth_limit_is_gone_for_plain_spiffworkflow_workflows():
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    from bpmn.workflow import BatonWorkflow
    models = read(DIALECT_MODELS / "loop.bpmn")
    parsed = models.processes["counting_loop"]
    workflow = BatonWorkflow(parsed.spec, {}, script_engine=PythonScriptEngine())
    workflow.get_next_task(spec_name="Start").data["limit"] = 1000
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.last_task.data["count"] == 1000
