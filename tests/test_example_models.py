"""The shipped example models and the SpiffArena acceptance model, run on plain SpiffWorkflow.

No Baton code is used here: each model is parsed with SpiffWorkflow's SpiffArena-dialect parser
(validating against the BPMN, DMN and spiffworkflow XSDs), run with BpmnWorkflow, and every ready
user task is completed with form values that are first checked against the task's JSON schema.
"""
import json
from pathlib import Path

import pytest
from lxml import etree

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

jsonschema = pytest.importorskip("jsonschema")

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
MODELS = HERE / "models"

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS}

# process id -> (BPMN files, DMN files); the first BPMN file defines the process.
MODEL_SETS = {
    "it_incident": ([EXAMPLES / "it_incident.bpmn"], [EXAMPLES / "incident_priority.dmn"]),
    "service_request": ([EXAMPLES / "service_request.bpmn"], []),
    "order_fulfilment": ([MODELS / "spiff_full.bpmn", MODELS / "pick_item.bpmn"], [MODELS / "shipping.dmn"]),
}

# (process id, user task id) -> (name, lane, JSON schema file, UI schema file)
USER_TASKS = {
    ("it_incident", "triage_incident"): ("Triage incident", "service-desk", "incident-triage-schema.json", None),
    ("it_incident", "resolve_incident"): ("Resolve incident", "service-desk", "incident-resolution-schema.json", None),
    ("it_incident", "resolve_major_incident"):
        ("Resolve major incident", "major-incident-team", "incident-resolution-schema.json", None),
    ("service_request", "describe_request"): ("Describe request", None, "service-request-schema.json", None),
    ("service_request", "manager_approval"):
        ("Manager approval", "managers", "manager-approval-schema.json", "manager-approval-uischema.json"),
    ("order_fulfilment", "enter_order"): ("Enter order", None, "order-schema.json", "order-uischema.json"),
}


def make_parser(process_id):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    bpmn_files, dmn_files = MODEL_SETS[process_id]
    for path in bpmn_files:
        parser.add_bpmn_file(str(path))
    for path in dmn_files:
        parser.add_dmn_file(str(path))
    return parser


def start(process_id):
    parser = make_parser(process_id)
    workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    workflow.do_engine_steps()
    return workflow


def load_schema(process_id, filename):
    folder = MODEL_SETS[process_id][0][0].parent
    return json.loads((folder / filename).read_text())


def schema_errors(schema, data):
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return [error.message for error in validator_class(schema).iter_errors(data)]


def run(process_id, answers):
    """Complete user tasks with answers[task id] until the workflow ends.

    Returns (final data, [(task id, lane, data seen when the task became ready)]).
    """
    workflow = start(process_id)
    visited = []
    while not workflow.is_completed():
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready, f"{process_id} is stuck: no ready user task and not completed"
        for task in ready:
            spec = task.task_spec
            values = answers[spec.bpmn_id]
            schema_file = spec.extensions["properties"]["formJsonSchemaFilename"]
            assert schema_errors(load_schema(process_id, schema_file), values) == []
            visited.append((spec.bpmn_id, spec.lane, dict(task.data)))
            task.set_data(**values)
            task.run()
        workflow.do_engine_steps()
    return workflow.last_task.data, visited


# --- structure ----------------------------------------------------------------------------

@pytest.mark.parametrize("process_id", sorted(MODEL_SETS))
def test_models_are_executable_and_fully_drawn(process_id):
    bpmn_files, _ = MODEL_SETS[process_id]
    for path in bpmn_files:
        root = etree.parse(str(path)).getroot()
        processes = root.findall("bpmn:process", NS)
        assert processes and all(p.get("isExecutable") == "true" for p in processes)
        assert root.nsmap.get("spiffworkflow") == "http://spiffworkflow.org/bpmn/schema/1.0/core"
        drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNPlane/*", NS)}
        for process in processes:
            for element in process.iter():
                tag = etree.QName(element).localname
                if tag in {"laneSet", "extensionElements", "documentation", "incoming", "outgoing",
                           "flowNodeRef", "script", "conditionExpression", "multiInstanceLoopCharacteristics",
                           "loopDataInputRef", "loopDataOutputRef", "inputDataItem", "outputDataItem"}:
                    continue
                if element.getparent() is process or tag == "lane":
                    assert element.get("id") in drawn, f"{path.name}: {element.get('id')} has no diagram shape"


@pytest.mark.parametrize("key", sorted(USER_TASKS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_user_task_metadata_in_parsed_spec(key):
    process_id, task_id = key
    name, lane, schema_file, ui_schema_file = USER_TASKS[key]
    spec = make_parser(process_id).get_spec(process_id).task_specs[task_id]
    assert spec.bpmn_name == name
    assert spec.lane == lane
    properties = spec.extensions["properties"]
    assert properties["formJsonSchemaFilename"] == schema_file
    assert properties.get("formUiSchemaFilename") == ui_schema_file
    assert spec.extensions["instructionsForEndUser"]
    schema = load_schema(process_id, schema_file)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    if ui_schema_file:
        assert isinstance(load_schema(process_id, ui_schema_file), dict)


@pytest.mark.parametrize("process_id", sorted(MODEL_SETS))
def test_every_user_task_is_listed(process_id):
    spec = make_parser(process_id).get_spec(process_id)
    user_tasks = {name for name, ts in spec.task_specs.items() if ts.manual}
    assert user_tasks == {task_id for pid, task_id in USER_TASKS if pid == process_id}


# --- form schemas -------------------------------------------------------------------------

@pytest.mark.parametrize("process_id, schema_file, data, valid", [
    ("it_incident", "incident-triage-schema.json", {"summary": "Mail down", "severity": "high"}, True),
    ("it_incident", "incident-triage-schema.json",
     {"summary": "VPN slow", "severity": "low", "affected_service": "vpn"}, True),
    ("it_incident", "incident-triage-schema.json", {"severity": "high"}, False),
    ("it_incident", "incident-triage-schema.json", {"summary": "x", "severity": "urgent"}, False),
    ("it_incident", "incident-resolution-schema.json", {"resolution": "Restarted"}, True),
    ("it_incident", "incident-resolution-schema.json", {}, False),
    ("service_request", "service-request-schema.json", {"item": "Monitor", "cost": 0}, True),
    ("service_request", "service-request-schema.json", {"item": "Monitor", "cost": -1}, False),
    ("service_request", "service-request-schema.json", {"item": "Monitor"}, False),
    ("service_request", "manager-approval-schema.json", {"approved": False, "comment": "No budget"}, True),
    ("service_request", "manager-approval-schema.json", {"approved": "yes"}, False),
    ("service_request", "manager-approval-schema.json", {"comment": "?"}, False),
    ("order_fulfilment", "order-schema.json", {"customer": "ACME", "items": [{"name": "bolt", "qty": 3}]}, True),
    ("order_fulfilment", "order-schema.json", {"items": [{"name": "bolt", "qty": 3}]}, False),
    ("order_fulfilment", "order-schema.json", {"customer": "ACME", "items": [{"name": "bolt", "qty": 0}]}, False),
    ("order_fulfilment", "order-schema.json", {"customer": "ACME", "items": [{"name": "bolt", "qty": 1.5}]}, False),
    ("order_fulfilment", "order-schema.json", {"customer": "ACME", "items": [{"qty": 1}]}, False),
])
def test_form_schemas(process_id, schema_file, data, valid):
    assert (schema_errors(load_schema(process_id, schema_file), data) == []) is valid


# --- it_incident --------------------------------------------------------------------------

@pytest.mark.parametrize("severity, priority, sla_hours, escalate, resolver, lane", [
    ("low", 1, 72, False, "resolve_incident", "service-desk"),
    ("medium", 2, 24, False, "resolve_incident", "service-desk"),
    ("high", 4, 8, True, "resolve_major_incident", "major-incident-team"),
    ("critical", 5, 4, True, "resolve_major_incident", "major-incident-team"),
])
def test_it_incident(severity, priority, sla_hours, escalate, resolver, lane):
    answers = {
        "triage_incident": {"summary": "Mail is down", "severity": severity, "affected_service": "mail"},
        "resolve_incident": {"resolution": "Restarted the mail relay"},
        "resolve_major_incident": {"resolution": "Failed over to the standby cluster"},
    }
    data, visited = run("it_incident", answers)
    assert [(task_id, task_lane) for task_id, task_lane, _ in visited] == [
        ("triage_incident", "service-desk"), (resolver, lane)]
    # The DMN result is already there when the resolver's task becomes ready.
    assert visited[1][2]["priority"] == priority
    assert data["priority"] == priority
    assert data["sla_hours"] == sla_hours
    assert data["escalate"] is escalate
    assert data["resolution_team"] == lane
    assert data["sla_label"] == f"{sla_hours} hours"
    assert data["resolution"] == answers[resolver]["resolution"]


# --- service_request ----------------------------------------------------------------------

@pytest.mark.parametrize("cost, decision, path, status, approved_by", [
    (120, None, ["describe_request"], "fulfilled", "auto"),
    (500, None, ["describe_request"], "fulfilled", "auto"),
    (1200, True, ["describe_request", "manager_approval"], "fulfilled", "manager"),
    (1200, False, ["describe_request", "manager_approval"], "rejected", "manager"),
])
def test_service_request(cost, decision, path, status, approved_by):
    answers = {
        "describe_request": {"item": "Standing desk", "cost": cost, "justification": "Back pain"},
        "manager_approval": {"approved": decision, "comment": "ok" if decision else "Over budget"},
    }
    data, visited = run("service_request", answers)
    assert [task_id for task_id, _, _ in visited] == path
    assert [lane for _, lane, _ in visited] == [None, "managers"][:len(path)]
    assert data["status"] == status
    assert data["approved"] is (status == "fulfilled")
    assert data["approved_by"] == approved_by
    assert "Standing desk" in data["message"]


# --- order_fulfilment (spiff_full.bpmn) ---------------------------------------------------

def test_order_fulfilment_structure():
    parser = make_parser("order_fulfilment")
    spec = parser.get_spec("order_fulfilment")
    pick = spec.task_specs["pick_items"]
    assert isinstance(pick, ParallelMultiInstanceTask)
    assert pick.data_input.bpmn_id == "items" and pick.input_item.bpmn_id == "item"
    assert pick.data_output.bpmn_id == "picked_items" and pick.output_item.bpmn_id == "picked"
    assert spec.task_specs[pick.task_spec].spec == "pick_item"
    assert set(parser.get_subprocess_specs("order_fulfilment")) == {"pick_item"}
    enter = spec.task_specs["enter_order"]
    assert "currency" in enter.prescript and "item_count" in enter.postscript
    assert spec.task_specs["look_up_shipping"].extensions["calledDecisionId"] == "shipping_cost"


@pytest.mark.parametrize("quantities, shipping_cost", [
    ([2, 3], 4.95),
    ([1, 5], 9.95),
    ([10, 10], 9.95),
    ([7, 7, 7], 0),
])
def test_order_fulfilment(quantities, shipping_cost):
    items = [{"name": f"part-{n}", "qty": qty} for n, qty in enumerate(quantities)]
    answers = {"enter_order": {"customer": "ACME Ltd", "items": items}}
    data, visited = run("order_fulfilment", answers)
    assert [task_id for task_id, _, _ in visited] == ["enter_order"]
    # preScript ran before the form was shown
    assert visited[0][2]["currency"] == "EUR" and visited[0][2]["order_status"] == "entering"
    assert data["item_count"] == len(items)          # postScript
    assert data["order_status"] == "priced"          # script task after the postScript
    assert data["total_qty"] == sum(quantities)
    assert data["shipping_cost"] == shipping_cost    # DMN
    assert sorted(data["picked_items"], key=lambda p: p["name"]) == [
        {"name": item["name"], "picked_qty": item["qty"]} for item in items]
    assert "item" not in data and "picked" not in data
