"""SpiffWorkflow's script engine, backed by the sandbox instead of in-process eval/exec.

Every expression a model carries (gateway conditions, script tasks, pre/post
scripts, multi-instance and timer expressions, DMN cells) goes through
`SandboxEnvironment`; errors come back as `WorkflowTaskException` so the
caller can turn them into incidents exactly as with `PythonScriptEngine`.

Expressions may be Python, JUEL (`${...}`) or FEEL (`= ...`): the latter two are
translated to Python by bpmn.expressions first, so one sandbox and one static
check cover all three.
"""
import ast

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from bpmn.expressions import ExpressionSyntaxError, translate, unmangle_text

from .sandbox import SandboxError, SandboxRefused, check_source, get_sandbox, sendable

__all__ = ["SandboxEnvironment", "SandboxScriptEngine", "check_expression"]


# The deployer validates every expression of a model before accepting it; the
# sandbox's check understands JUEL and FEEL as well as Python.
check_expression = check_source


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates over task data in the sandbox; `sandbox=None` means the per-process default."""

    def __init__(self, sandbox=None):
        super().__init__()
        self._sandbox = sandbox

    @property
    def sandbox(self):
        # Resolved per call, so an engine built before a fork uses the forked process's sandbox.
        return self._sandbox or get_sandbox()

    def evaluate(self, expression, context, external_context=None):
        # Task data wins over external context (DMN's `?` value, data objects), as in TaskDataEnvironment.
        return self.sandbox.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        clash = set(external).intersection(context)
        if clash:
            raise ValueError(f"Task data overwrites predefined name(s), please rename: {sorted(clash)}")
        result = self.sandbox.execute(script, {**context, **external})
        for key in external:
            result.pop(key, None)
        # Entries the sandbox never saw (not plain data) cannot have been deleted
        # by the script; keep them unless it assigned the same name.
        for key in context.keys() - result.keys():
            if not sendable(key, context[key]):
                result[key] = context[key]
        # SpiffWorkflow holds on to task.data, so it must change in place.
        context.clear()
        context.update(result)
        return True


class SandboxScriptEngine(PythonScriptEngine):

    def __init__(self, environment=None, sandbox=None):
        super().__init__(environment or SandboxEnvironment(sandbox))

    def validate(self, expression):
        # SyntaxError first: DMN's needs_eq() relies on it to tell "> 5" from "5".
        source = translate(expression)   # JUEL/FEEL that does not parse raises a SyntaxError too
        ast.parse(source)
        problems = check_source(source, "exec")
        if problems:
            raise SandboxRefused.from_problems(problems, subject=f"Expression '{expression}'")

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except SandboxError as exc:
            raise _task_error(task, f"Error evaluating expression '{expression}': {exc}", exc, expression) from exc
        except ExpressionSyntaxError as exc:
            error = WorkflowTaskException(f"Error evaluating expression '{expression}': {exc.reason}",
                                          task=task, exception=exc)
            error.error_type = "SyntaxError"
            raise error from exc
        except Exception as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc}", task=task, exception=exc) from exc

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context)
        except SpiffWorkflowException:
            raise
        except SandboxError as exc:
            raise _task_error(task, f"Error executing script: {exc}", exc, script) from exc
        except Exception as exc:
            raise self.create_task_exec_exception(task, script, exc) from exc


def _task_error(task, message, exc, source):
    message = unmangle_text(message)
    lines = source.splitlines()
    error_line = lines[exc.lineno - 1] if exc.lineno and 0 < exc.lineno <= len(lines) else ""
    error = WorkflowTaskException(message, task=task, exception=exc,
                                  line_number=exc.lineno, error_line=error_line)
    error.error_type = exc.error_type   # "NameError", "SandboxTimeout", ... rather than our wrapper's name
    if exc.error_type == "NameError":
        hint = WorkflowTaskException.did_you_mean_from_name_error(
            unmangle_text(exc.message.removeprefix("NameError: ")), list(task.data.keys()))
        if hint:
            error.add_note(hint.strip())
    if exc.lineno and error_line and "\n" in source.strip():
        error.add_note(f"Python script error on line {exc.lineno}: '{error_line}'")
    return error
