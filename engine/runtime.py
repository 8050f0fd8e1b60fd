"""Running a SpiffWorkflow workflow to its next wait state and recording what happened."""
from dataclasses import dataclass, field

from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import event_subprocesses, pruning, timers
from .models import utcnow

timers.install()   # ISO literals, cron and the injectable clock for SpiffWorkflow's timers
event_subprocesses.install()   # isInterrupting, and idle timer event subprocesses not blocking the end

PRUNE_EVERY = 50   # engine passes between two prunings of the task tree

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class Step:
    """One BPMN element that completed, for the history table."""
    element_id: str
    element_name: str | None
    element_type: str
    at: object


@dataclass
class RunResult:
    steps: list = field(default_factory=list)
    error: Exception | None = None
    error_element_id: str | None = None
    error_element_name: str | None = None


def is_bpmn_element(task):
    # SpiffWorkflow adds internal specs (Root, Start, End...) without a BPMN id.
    return getattr(task.task_spec, "bpmn_id", None) is not None


def run_until_wait(workflow, result=None):
    """Run engine steps until only people or events can move the workflow on."""
    result = result or RunResult()

    def did_complete(task):
        if is_bpmn_element(task):
            result.steps.append(Step(task.task_spec.bpmn_id, task.task_spec.bpmn_name,
                                     type(task.task_spec).__name__, utcnow()))

    from . import events
    events.watch(workflow)
    try:
        workflow.refresh_timers()
        # BpmnWorkflow.do_engine_steps, with the finished part of the tree pruned now and then so
        # that long loops cost the same per pass at the end as at the start.
        passes = 0
        while workflow._do_engine_steps(did_complete_task=did_complete):
            passes += 1
            if passes % PRUNE_EVERY == 0:
                pruning.prune(workflow)
        workflow.refresh_timers()
        pruning.prune(workflow)
    except (WorkflowException, SpiffWorkflowException) as exc:
        _record_error(result, exc)
    except Exception as exc:  # a bug in a spec must become an incident, not a 500
        _record_error(result, exc)
    return result


def complete_user_task(workflow, task, data):
    """Merge form data into the task, run it (post-scripts included), then run on."""
    result = RunResult()
    try:
        task.data.update(data)
        task.run()
    except (WorkflowException, SpiffWorkflowException) as exc:
        _record_error(result, exc)
        return result
    return run_until_wait(workflow, result)


def _record_error(result, exc):
    task = getattr(exc, "task", None)
    result.error = exc
    if task is not None:
        result.error_element_id = getattr(task.task_spec, "bpmn_id", None)
        result.error_element_name = getattr(task.task_spec, "bpmn_name", None)


def error_message(exc):
    message = str(exc)
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None) or []
    extra = [n for n in notes if n and n not in message]
    return "; ".join([message] + extra)


def active_tasks(workflow):
    return [t for t in workflow.get_tasks(state=ACTIVE) if is_bpmn_element(t)]


def ready_user_tasks(workflow):
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if is_bpmn_element(t)]


def process_variables(workflow):
    """The variables a person would call 'the process's': the data where the tokens are."""
    if workflow.is_completed():
        data = dict(workflow.data)
        if workflow.last_task is not None:
            data.update(workflow.last_task.data)
        return data
    data = dict(workflow.data)
    for task in workflow.get_tasks(state=ACTIVE, skip_subprocesses=True):
        data.update(task.data)
    return data


def has_waiting_events(workflow):
    return any(is_bpmn_element(t) for t in workflow.get_tasks(state=TaskState.WAITING))


@dataclass
class Snapshot:
    active: list
    ready_user_tasks: list
    variables: dict
    has_waiting_events: bool


def snapshot(workflow):
    """One walk over the task tree for what save() needs (instead of four get_tasks calls)."""
    active, ready, waiting = [], [], False
    data = dict(workflow.data)
    for task in workflow.get_tasks(state=ACTIVE):
        if task.workflow is workflow:   # as process_variables: the top level's data only
            data.update(task.data)
        if not is_bpmn_element(task):
            continue
        active.append(task)
        if task.state == TaskState.READY and task.task_spec.manual:
            ready.append(task)
        elif task.state == TaskState.WAITING:
            waiting = True
    if workflow.is_completed():
        data = process_variables(workflow)
    return Snapshot(active, ready, data, waiting)
