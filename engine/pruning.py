"""Keeping the live state of long-running loops small.

SpiffWorkflow keeps every task it ever ran in the task tree, so each pass of a loop adds tasks and
every later step (which walks the tree) gets slower; the stored state grows the same way. What ran
is already in the history table, so the finished part of the tree above the point where all live
tokens meet is cut away: the internal Start task is re-attached directly to that point.
"""
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

# Below this many tasks pruning is not worth a walk over the tree.
MIN_TASKS = 200


def prune(workflow):
    """Prune the top workflow and each subworkflow; returns how many tasks were removed."""
    removed = _prune_one(workflow, workflow)
    for subworkflow in list(workflow.subprocesses.values()):
        if not subworkflow.completed:
            removed += _prune_one(subworkflow, workflow)
    return removed


def _prune_one(wf, top):
    if len(wf.tasks) < MIN_TASKS:
        return 0
    return _prune_history(wf, top) + _prune_loop_instances(wf, top)


def _prune_loop_instances(wf, top):
    """Finished instances of a running multi-instance or standard loop: the loop task only needs the
    ids in its 'merged' list (kept) and the last merged instance (for the completion condition)."""
    removed = 0
    for task in list(wf.tasks.values()):
        if not isinstance(task.task_spec, LoopTask) or task.has_state(TaskState.FINISHED_MASK):
            continue
        merged = task.internal_data.get('merged') or []
        if len(merged) < MIN_TASKS // 2:
            continue
        done = set(merged[:-1])
        drop = [c for c in task.children if str(c.id) in done and c.has_state(TaskState.FINISHED_MASK)]
        if len(drop) < MIN_TASKS // 4:
            continue
        dropped = set()
        for child in drop:
            for inner in list(_subtree(child)):
                if inner.id in top.subprocesses:
                    _drop_subprocess(top, inner.id)
                dropped.add(inner.id)
        task._children = [c for c in task._children if c not in dropped]
        for task_id in dropped:
            wf.tasks.pop(task_id, None)
        if wf.last_task is not None and wf.last_task.id in dropped:
            wf.last_task = task
        removed += len(dropped)
    return removed


def _prune_history(wf, top):
    start = wf.task_tree   # the internal Start task is the root of the tree
    live = [t for t in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK)]
    if not live:
        return 0
    meet = _meeting_point(live)
    if meet is None or meet is start or meet.parent is start or not meet.has_state(TaskState.FINISHED_MASK):
        return 0
    keep = {start.id}
    keep.update(t.id for t in _subtree(meet))
    gone = [task_id for task_id in wf.tasks if task_id not in keep]
    if len(gone) < MIN_TASKS // 2:
        return 0
    for task_id in gone:
        if task_id in top.subprocesses:
            _drop_subprocess(top, task_id)
    for task_id in gone:
        del wf.tasks[task_id]
    start._children = [meet.id]
    meet._parent = start.id
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = meet
    return len(gone)


def _meeting_point(live):
    """The deepest task that is an ancestor (or self) of every live task."""
    chain = []
    task = live[0]
    while task is not None:
        chain.append(task)
        task = task.parent
    index = {t.id: i for i, t in enumerate(chain)}
    highest = 0
    for task in live[1:]:
        while task is not None and task.id not in index:
            task = task.parent
        if task is None:
            return None
        highest = max(highest, index[task.id])
    # A live task cannot be the meeting point we cut at: step up to its finished ancestor.
    for candidate in chain[highest:]:
        if candidate.has_state(TaskState.FINISHED_MASK):
            return candidate
    return None


def _subtree(task):
    stack = [task]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _drop_subprocess(top, task_id):
    subworkflow = top.subprocesses.pop(task_id, None)
    if subworkflow is None:
        return
    for inner_id in list(subworkflow.tasks):
        if inner_id in top.subprocesses:
            _drop_subprocess(top, inner_id)
