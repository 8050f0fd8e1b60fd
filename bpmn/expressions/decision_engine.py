"""A DMNEngine that evaluates FEEL, JUEL and Python cells and knows every DMN hit policy.

Each cell is translated to Python once (cached) and evaluated by the
workflow's script engine, the input value bound as `dmninputexpr`; nothing is
built by pasting cell text together. Errors name the decision, the rule and
the cell as the modeller wrote it.
"""
from collections import OrderedDict

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.deep_merge import DeepMerge

from . import INPUT, LANGUAGES, translate_decision_expression, translate_unary_tests, unmangle_text
from .errors import ExpressionSyntaxError
from .hit_policies import HitPolicyViolation, outcome


class DecisionEngine(DMNEngine):

    def __init__(self, decision_table):
        super().__init__(decision_table)

    @property
    def name(self):
        table = self.decision_table
        return getattr(table, "decision_name", None) or table.name or table.id

    def result(self, task):
        matches = [(rule.row_number, self.outputs(task, rule)) for rule in self.decide(task)]
        table = self.decision_table
        priorities = {_output_name(o, self): getattr(o, "priorities", []) for o in table.outputs}
        try:
            return outcome(table.hit_policy, getattr(table, "aggregation", None), matches, priorities)
        except HitPolicyViolation as exc:
            raise WorkflowTaskException(f"Decision '{self.name}': {exc}", task=task, exception=exc) from exc

    def decide(self, task):
        """The rules that match, in rule order (all of them: UNIQUE and ANY need to see every match)."""
        values = self.input_values(task)
        matched = []
        for rule in self.decision_table.rules:
            if self.rule_matches(task, rule, values):
                matched.append(rule)
                if self.decision_table.hit_policy == "FIRST":
                    break
        return matched

    def input_values(self, task):
        return [self.input_value(task, column) for column in self.decision_table.inputs]

    def input_value(self, task, column):
        text = column.expression
        if not text or not text.strip():
            # SpiffWorkflow's fallback: an input without an expression reads the variable named by its label.
            text = column.label or column.name
        language = getattr(column, "language", "python")
        return self._evaluate(task, text, language, lambda: translate_decision_expression(text, language),
                              f"input expression of '{column.label or column.name or column.id}'")

    def rule_matches(self, task, rule, values):
        for entry, value in zip(rule.inputEntries, values):
            text = entry.lhs[0] if entry.lhs else None
            if text is None:
                continue   # "-": any input
            language = getattr(entry, "language", "python")
            column = entry.input
            matched = self._evaluate(
                task, text, language,
                lambda: translate_unary_tests(text, language, getattr(column, "input_variable", "cellInput")),
                f"rule {rule.row_number}, input entry for '{column.label or column.name or column.id}'",
                value=value)
            if matched is not True and not (language == "python" and matched):
                return False
        return True

    def outputs(self, task, rule):
        out = OrderedDict()
        for entry in rule.outputEntries:
            language = getattr(entry, "language", "python")
            text = entry.text
            if text and text.strip():
                value = self._evaluate(task, text, language, lambda: translate_decision_expression(text, language),
                                       f"rule {rule.row_number}, output entry for "
                                       f"'{entry.output.label or entry.output.name or entry.output.id}'")
            else:
                value = "" if language == "python" else None   # SpiffWorkflow's Python tables give ""
            _put(out, _output_name(entry.output, self), value)
        return out

    def _evaluate(self, task, text, language, translation, what, value=None):
        where = f"Decision '{self.name}', {what}"
        if language not in LANGUAGES:
            raise WorkflowTaskException(f"{where}: expression language '{language}' is not supported "
                                        "(use FEEL, JUEL or Python)", task=task)
        try:
            source = translation()
        except ExpressionSyntaxError as exc:
            error = WorkflowTaskException(f"{where}: {exc.reason}: {text!r}", task=task, exception=exc)
            error.error_type = "SyntaxError"
            raise error from exc
        try:
            return task.workflow.script_engine.evaluate(task, source, external_context={INPUT: value})
        except SpiffWorkflowException as exc:
            cause = exc.__cause__
            reason = getattr(cause, "message", None) or str(cause or exc)
            error = WorkflowTaskException(f"{where}: {language.upper()} {text.strip()!r}: {unmangle_text(reason)}",
                                          task=task, exception=cause if isinstance(cause, Exception) else exc)
            error.error_type = getattr(exc, "error_type", None) or error.error_type
            raise error from exc


def _output_name(output, engine):
    # A lone unnamed output is the decision's result, as in Camunda and Kogito.
    if output.name or output.label:
        return output.name or output.label
    return engine.name if len(engine.decision_table.outputs) == 1 else output.id


def _put(out, key, value):
    """Dotted output names build nested data, as SpiffWorkflow's Rule.output_as_dict does."""
    if "." not in key:
        out[key] = value
        return
    head, *rest = key.split(".")
    for part in reversed(rest):
        value = {part: value}
    out[head] = DeepMerge.merge(out.get(head, {}), value)
