"""Serialization of process specs (once per definition version) and of instance state (every save).

SpiffWorkflow's serializer writes the spec into every workflow dump; we split it off so an
instance row holds only its own state and the spec is restored once per process from a cache.
"""
import json
import threading
from collections import OrderedDict
from datetime import date, time
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from bpmn.dialects.specs import CONVERTERS as DIALECT_CONVERTERS
from bpmn.workflow import BatonWorkflow

from .scripting import SandboxScriptEngine

SPEC_CACHE_SIZE = 256


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """A BpmnWorkflow converter that leaves the specs out and takes them back in from the caller."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    config = dict(SPIFF_CONFIG)
    config.update(DIALECT_CONVERTERS)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Stored states name the class "BpmnWorkflow"; they restore as Baton's subclass, which runs long loops.
    StateOnlyWorkflowConverter(BatonWorkflow, registry, typename="BpmnWorkflow")
    # Scripts produce these; without converters they would crash json.dumps at the next save.
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(time, lambda v: {"value": v.isoformat()}, lambda v: time.fromisoformat(v["value"]))
    return registry


_registry = _build_registry()
_serializer = BpmnWorkflowSerializer(_registry)
_spec_cache = OrderedDict()
_spec_lock = threading.Lock()
_registry_lock = threading.Lock()
_script_engine = None


def script_engine():
    global _script_engine
    if _script_engine is None:
        _script_engine = SandboxScriptEngine()
    return _script_engine


def dump_specs(spec, subprocess_specs):
    with _registry_lock:
        return json.dumps({
            "spec": _registry.convert(spec),
            "subprocess_specs": {name: _registry.convert(s) for name, s in subprocess_specs.items()},
        })


def spec_dicts(spec_json):
    """The spec and called-process specs of a stored definition, as plain dicts."""
    data = json.loads(spec_json)
    return data["spec"], data["subprocess_specs"]


def load_specs(definition_id, spec_json):
    """(spec, subprocess_specs) for a definition version, restored once and then cached."""
    with _spec_lock:
        cached = _spec_cache.get(definition_id)
        if cached is not None:
            _spec_cache.move_to_end(definition_id)
            return cached
    data = json.loads(spec_json() if callable(spec_json) else spec_json)
    specs = (_registry.restore(data["spec"]),
             {name: _registry.restore(s) for name, s in data["subprocess_specs"].items()})
    with _spec_lock:
        _spec_cache[definition_id] = specs
        while len(_spec_cache) > SPEC_CACHE_SIZE:
            _spec_cache.popitem(last=False)
    return specs


def new_workflow(definition_id, spec_json):
    spec, subprocess_specs = load_specs(definition_id, spec_json)
    return BatonWorkflow(spec, subprocess_specs, script_engine=script_engine())


def dump_workflow(workflow):
    # The registry's encoder mode is a flag on a shared object: hold the lock while it is set.
    with _registry_lock:
        _registry._encoder_mode = True
        try:
            dct = _registry.convert(workflow)
            dct[_serializer.VERSION_KEY] = _serializer.VERSION
            return json.dumps(dct, cls=_serializer._encoder_cls)
        finally:
            _registry._encoder_mode = False


def load_workflow(definition_id, spec_json, state_json):
    spec, subprocess_specs = load_specs(definition_id, spec_json)
    dct = json.loads(state_json)
    dct.pop(_serializer.VERSION_KEY, None)
    workflow = _registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine()
    return workflow


def to_json_value(value):
    """Task data as plain JSON for the API: dates as ISO text, decimals as numbers."""
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()
                if not callable(v) and not str(k).startswith("_")}
    if isinstance(value, (list, tuple, set)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
