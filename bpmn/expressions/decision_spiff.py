"""Hooks that put DecisionEngine into SpiffWorkflow's parser and serializer.

- `DecisionParserMixin` goes before a BpmnDmnParser subclass (SpiffBpmnParser,
  CamundaParser): every decision of a DMN file becomes callable by its id.
- `DecisionTaskConverterMixin` goes before a BusinessRuleTask converter, so a
  stored spec comes back with a DecisionEngine and its languages, not
  SpiffWorkflow's Python-only engine.
"""
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.specs.model import DecisionTable, Input, Output
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter as SpiffBusinessRuleTaskConverter

from .decision_engine import DecisionEngine
from .decisions import DecisionError, is_dmn, read_decisions


class _ParsedDecision:
    """What BpmnDmnParser keeps per decision id: parse(), .decision, bpmn_id, get_name()."""

    def __init__(self, decision, filename):
        self.decision = decision
        self.bpmn_id = decision.id
        self.filename = filename

    def parse(self):
        pass   # read_decisions did the work

    def get_name(self):
        return self.decision.name


class DecisionParserMixin:

    def add_dmn_xml(self, node, filename=None):
        if not is_dmn(node):
            raise ValidationException(f"not a DMN 1.1-1.5 document (root element {node.tag})", file_name=filename)
        try:
            decisions = read_decisions(node)
        except DecisionError as exc:
            raise ValidationException(str(exc), file_name=filename) from exc
        for decision in decisions:
            parsed = _ParsedDecision(decision, filename)
            self.dmn_parsers[decision.id] = parsed
            self.dmn_parsers_by_name[decision.name] = parsed

    def get_engine(self, decision_ref, node):
        if decision_ref not in self.dmn_parsers:
            options = ", ".join(self.dmn_parsers)
            raise ValidationException(f'No DMN decision with id "{decision_ref}"; the decisions with a '
                                      f"decision table are: {options or 'none'}", node=node, file_name="")
        return DecisionEngine(self.dmn_parsers[decision_ref].decision.decisionTables[0])


_TABLE_EXTRAS = ("aggregation", "decision_name")
_INPUT_EXTRAS = ("language", "input_variable")
_OUTPUT_EXTRAS = ("priorities",)


class DecisionTaskConverterMixin:

    def decision_table_to_dict(self, table):
        dct = super().decision_table_to_dict(table)
        for name in _TABLE_EXTRAS:
            dct[name] = getattr(table, name, None)
        return dct

    def input_entry_to_dict(self, entry):
        dct = super().input_entry_to_dict(entry)
        dct["language"] = getattr(entry, "language", "python")
        return dct

    def output_entry_to_dict(self, entry):
        dct = super().output_entry_to_dict(entry)
        dct["language"] = getattr(entry, "language", "python")
        return dct

    def from_dict(self, dct):
        dct["dmnEngine"] = DecisionEngine(self.decision_table_from_dict(dct.pop("decision_table")))
        return self.task_spec_from_dict(dct)

    def decision_table_from_dict(self, dct):
        table = DecisionTable(dct["id"], dct["name"], dct.get("hit_policy", "UNIQUE"))
        for name in _TABLE_EXTRAS:
            setattr(table, name, dct.get(name))
        table.inputs = [_restore(Input, ("id", "label", "name", "expression", "typeRef"), val, _INPUT_EXTRAS)
                        for val in dct["inputs"]]
        table.outputs = [_restore(Output, ("id", "label", "name", "typeRef"), val, _OUTPUT_EXTRAS)
                         for val in dct["outputs"]]
        table.rules = [self.rule_from_dict(rule, table.inputs, table.outputs) for rule in dct["rules"]]
        return table

    def input_entry_from_dict(self, dct, inputs):
        entry = super().input_entry_from_dict(dct, inputs)
        entry.language = dct.get("language", "python")
        return entry

    def output_entry_from_dict(self, dct, outputs):
        entry = super().output_entry_from_dict(dct, outputs)
        entry.language = dct.get("language", "python")
        return entry


def _restore(cls, parameters, values, extras):
    item = cls(**{name: values.get(name) for name in parameters})
    for name in extras:
        if name in values:
            setattr(item, name, values[name])
    return item


class BusinessRuleTaskConverter(DecisionTaskConverterMixin, SpiffBusinessRuleTaskConverter):
    """For SPIFF_CONFIG[BusinessRuleTask]."""
