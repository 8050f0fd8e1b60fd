"""The workflow class Baton runs: SpiffWorkflow's BpmnWorkflow, fixed for long loops.

SpiffWorkflow searches the task tree at most 1000 levels deep (TaskIterator's max_depth), and a
loop adds a level per element per turn: a three-element loop stopped silently after 333 turns,
and the workflow even reported itself completed. The search depth is lifted here for every
iterator (joins, completion checks and task queries all use it), and engine steps run what a
finished task made ready straight away instead of searching the whole tree after every step,
which made each turn of a loop slower than the last.

Both changes are small enough to carry as a patch and to offer upstream.
"""
import inspect
import sys

from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState
from SpiffWorkflow.workflow import Workflow


def _lift_depth_limit(function):
    parameters = list(inspect.signature(function).parameters.values())[1:]
    defaults = [p.default for p in parameters if p.default is not inspect.Parameter.empty]
    names = [p.name for p in parameters if p.default is not inspect.Parameter.empty]
    defaults[names.index("max_depth")] = sys.maxsize
    function.__defaults__ = tuple(defaults)


_lift_depth_limit(TaskIterator.__init__)
_lift_depth_limit(BpmnTaskIterator.__init__)

_set_state = Task._set_state


def _set_state_indexed(self, value):
    _set_state(self, value)
    waiting = self.workflow.__dict__.get("_waiting_index")
    if waiting is not None:
        if value == TaskState.WAITING:
            waiting[self.id] = self
        else:
            waiting.pop(self.id, None)


def _update_waiting_tasks(self):
    waiting = self.__dict__.get("_waiting_index")
    if waiting is None:
        # Built once per workflow object (a restored workflow builds it on first use).
        waiting = self._waiting_index = {t.id: t for t in self.tasks.values() if t.state == TaskState.WAITING}
    for task in list(waiting.values()):
        if self.tasks.get(task.id) is not task:
            waiting.pop(task.id, None)
        elif task.state == TaskState.WAITING:
            task.task_spec._update(task)


Task._set_state = _set_state_indexed
Workflow.update_waiting_tasks = _update_waiting_tasks


class BatonWorkflow(BpmnWorkflow):

    def _do_engine_steps(self, will_complete_task=None, did_complete_task=None):

        def update_workflow(wf):
            count = 0
            ready = [t for t in wf.get_tasks(state=TaskState.READY) if not t.task_spec.manual]
            while ready:
                task = ready.pop(0)
                # An earlier step may have run or cancelled it (a boundary event, a terminate end).
                if task.state != TaskState.READY or task.task_spec.manual:
                    continue
                if will_complete_task is not None:
                    will_complete_task(task)
                try:
                    task.run()
                except Exception as exc:
                    # Some SpiffWorkflow errors (a gateway with no true condition) name only the
                    # spec; the task lets an incident name the element and its instance.
                    if getattr(exc, "task", None) is None:
                        exc.task = task
                    raise
                count += 1
                if did_complete_task is not None:
                    did_complete_task(task)
                ready[:0] = [c for c in task.children if c.state == TaskState.READY and not c.task_spec.manual]
            return count

        active_subprocesses = self.get_active_subprocesses()
        for subprocess in sorted(active_subprocesses, key=lambda v: v.depth, reverse=True):
            count = None
            while count is None or count > 0:
                count = update_workflow(subprocess)
            if subprocess.parent_task_id is not None:
                task = self.get_task_from_id(subprocess.parent_task_id)
                task.task_spec._update(task)

        count = update_workflow(self)
        return count > 0 or len(self.get_active_subprocesses()) > len(active_subprocesses)
