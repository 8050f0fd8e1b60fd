"""Instance state serialization: typed task data survives a save and a load."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from SpiffWorkflow.util.task import TaskState

from bpmn.reader import read_models
from engine import state
from tests.conftest import model_files


def test_typed_values_survive_dump_and_load():
    models = read_models(model_files("approval.bpmn", "review-schema.json"))
    parsed = models.processes["approval"]
    spec_json = state.dump_specs(parsed.spec, {})
    workflow = state.new_workflow("test-definition", spec_json)
    workflow.get_next_task(spec_name="Start").data.update(amount=5)
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    values = {"d": date(2026, 3, 4), "dt": datetime(2026, 3, 4, 5, 6, 7), "t": time(8, 9),
              "td": timedelta(days=2, seconds=5), "money": Decimal("10.10"), "nested": [{"x": Decimal("1")}]}
    task.data.update(values)
    restored = state.load_workflow("test-definition", spec_json, state.dump_workflow(workflow))
    restored_task = restored.get_task_from_id(task.id)
    for key, value in values.items():
        assert restored_task.data[key] == value, key
        assert type(restored_task.data[key]) is type(value), key


def test_instance_state_does_not_carry_the_spec():
    models = read_models(model_files("approval.bpmn", "review-schema.json"))
    parsed = models.processes["approval"]
    spec_json = state.dump_specs(parsed.spec, {})
    workflow = state.new_workflow("test-definition-2", spec_json)
    dumped = state.dump_workflow(workflow)
    assert '"spec"' not in dumped and "task_specs" not in dumped
    assert len(dumped) < len(spec_json)


def test_api_values_are_plain_json():
    assert state.to_json_value({"a": Decimal("2.50"), "b": Decimal("3"), "c": date(2026, 1, 1),
                                "_hidden": 1, "f": len}) == {"a": 2.5, "b": 3, "c": "2026-01-01"}
