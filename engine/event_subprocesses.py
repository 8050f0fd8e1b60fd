"""Event subprocess semantics SpiffWorkflow lacks.

* `isInterrupting`: SpiffWorkflow runs every event subprocess beside the main flow. The parser
  drops the attribute, so at deployment `annotate()` writes it into the stored spec (in the start
  event's `extensions`, which the serializer keeps), and `install()` makes an interrupting start
  event cancel the rest of its scope the moment it fires.
* A timer-started event subprocess that never fired kept the process from completing (the end
  join waits for every open task); now the scope completes and the idle event subprocess is
  cancelled with it.

Definitions deployed before this module existed carry no annotation and keep the old behaviour.
"""
import json

from lxml import etree

from SpiffWorkflow.bpmn.specs.control import BpmnStartTask, _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess, SubWorkflowTask
from SpiffWorkflow.util.task import TaskIterator, TaskState

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
INTERRUPTING = "baton.interrupting"


# --------------------------------------------------------------------------- deployment

def interrupting_map(bpmn_xml):
    """{start event id: interrupting?} for the start events of event subprocesses in a document."""
    if not bpmn_xml or "triggeredByEvent" not in bpmn_xml:
        return {}
    try:
        root = etree.fromstring(bpmn_xml.encode(), parser=etree.XMLParser(resolve_entities=False,
                                                                          no_network=True, huge_tree=True))
    except etree.XMLSyntaxError:
        return {}
    ns = {"bpmn": BPMN_NS}
    result = {}
    for start in root.xpath(".//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", namespaces=ns):
        if start.get("id"):
            result[start.get("id")] = start.get("isInterrupting", "true").strip().lower() != "false"
    return result


def annotate(spec_json, interrupting):
    """The stored spec JSON with each event subprocess start event marked (not) interrupting."""
    if not interrupting:
        return spec_json
    data = json.loads(spec_json)
    specs = [data["spec"]] + list(data.get("subprocess_specs", {}).values())
    changed = False
    for spec in specs:
        for task_spec in spec.get("task_specs", {}).values():
            bpmn_id = task_spec.get("bpmn_id")
            if bpmn_id in interrupting:
                extensions = dict(task_spec.get("extensions") or {})
                extensions[INTERRUPTING] = interrupting[bpmn_id]
                task_spec["extensions"] = extensions
                changed = True
    return json.dumps(data) if changed else spec_json


def annotate_definitions(definitions):
    """Mark the specs of freshly deployed definition rows (before anything loads them)."""
    interrupting = {}
    for row in definitions:
        interrupting.update(interrupting_map(row.bpmn_xml))
    for row in definitions:
        row.spec_json = annotate(row.spec_json, interrupting)


# --------------------------------------------------------------------------- run time

def _is_interrupting(spec):
    extensions = getattr(spec, "extensions", None) or {}
    return isinstance(extensions, dict) and extensions.get(INTERRUPTING) is True


def interrupt(start_task):
    """Cancel everything in the scope of the event subprocess `start_task` belongs to, except it."""
    subworkflow = start_task.workflow
    parent_task_id = getattr(subworkflow, "parent_task_id", None)
    if parent_task_id is None:
        return
    top = subworkflow.top_workflow
    trigger = top.get_task_from_id(parent_task_id)
    if trigger is None:
        return
    keep = {trigger.id}
    parent = trigger.parent
    while parent is not None:
        keep.add(parent.id)
        parent = parent.parent
    for task in trigger.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True):
        if task.id in keep or task.is_descendant_of(trigger) or task.has_state(TaskState.FINISHED_MASK):
            continue
        if task.parent is not None and task.parent.id not in keep and task.parent.has_state(
                TaskState.NOT_FINISHED_MASK):
            continue   # cancelled with its parent
        task.cancel()


def _start_on_ready_hook(self, my_task):
    CatchingEvent._on_ready_hook(self, my_task)
    if _is_interrupting(self):
        interrupt(my_task)


def is_event_subprocess(task):
    # Dialects use different classes for it; what they share is where SpiffWorkflow puts it:
    # right under the scope's internal Start task, where ordinary activities never are.
    return (isinstance(task.task_spec, (EventSubprocess, SubWorkflowTask)) and task.parent is not None
            and isinstance(task.parent.task_spec, BpmnStartTask))


def _idle_event_subprocess(task):
    """An event subprocess whose start event still waits: it must not keep its scope open."""
    if not is_event_subprocess(task) or task.state != TaskState.STARTED:
        return False
    subworkflow = task.workflow.top_workflow.subprocesses.get(task.id)
    if subworkflow is None:
        return False
    starts = [t for t in subworkflow.get_tasks(skip_subprocesses=True) if isinstance(t.task_spec, StartEvent)]
    return bool(starts) and all(t.state == TaskState.WAITING for t in starts)


def _end_join_threshold(self, my_task):
    idle = []
    for task in TaskIterator(my_task.workflow.task_tree, state=TaskState.NOT_FINISHED_MASK, end_at_spec=self.name):
        if task == my_task or any(task.is_descendant_of(i) for i in idle):
            continue
        if _idle_event_subprocess(task):
            idle.append(task)
            continue
        return False
    for task in idle:
        task.cancel()
    return True


_installed = False


def install():
    global _installed
    if _installed:
        return
    StartEvent._on_ready_hook = _start_on_ready_hook
    _EndJoin._check_threshold_unstructured = _end_join_threshold
    _installed = True
