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
from SpiffWorkflow.util.task import TaskIterator, TaskState


def _lift_depth_limit(function):
    parameters = list(inspect.signature(function).parameters.values())[1:]
    defaults = [p.default for p in parameters if p.default is not inspect.Parameter.empty]
    names = [p.name for p in parameters if p.default is not inspect.Parameter.empty]
    defaults[names.index("max_depth")] = sys.maxsize
    function.__defaults__ = tuple(defaults)


_lift_depth_limit(TaskIterator.__init__)
_lift_depth_limit(BpmnTaskIterator.__init__)


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
                task.run()
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
