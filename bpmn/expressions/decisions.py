"""Read the decision tables of a DMN 1.1-1.5 document into SpiffWorkflow's DMN model.

SpiffWorkflow's own DMNParser takes one decision per file, needs ids on every
element and knows nothing of expression languages or aggregation; this reader
keeps its model classes (so the serializer and DMNEngine API still fit) and
adds, as attributes:

- `language` on Input, InputEntry and OutputEntry: 'feel', 'juel', 'python'
  or the name of a language we do not run (evaluating it is then an error);
- `input_variable` on Input (Camunda's camunda:inputVariable, default cellInput);
- `priorities` on Output: its outputValues, for PRIORITY and OUTPUT ORDER;
- `aggregation` and `decision_name` on DecisionTable.
"""
import ast
import re

from SpiffWorkflow.dmn.specs.model import (Decision, DecisionTable, Input, InputEntry, Output, OutputEntry,
                                           Rule)

from . import UnsupportedLanguage, feel, language_of, translate_unary_tests
from .errors import ExpressionSyntaxError
from .juel import split as juel_split

DMN_NAMESPACES = frozenset({
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",     # 1.1
    "http://www.omg.org/spec/DMN/20151101",             # 1.1 as Flowable writes it
    "http://www.omg.org/spec/DMN/20180521/MODEL/",      # 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",     # 1.3
    "https://www.omg.org/spec/DMN/20211108/MODEL/",     # 1.4
    "https://www.omg.org/spec/DMN/20230324/MODEL/",     # 1.5
})
CAMUNDA_DMN = "http://camunda.org/schema/1.0/dmn"
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")


class DecisionError(ValueError):
    """A decision table that cannot be read; says which element."""


def is_dmn(root):
    return _namespace(root) in DMN_NAMESPACES


def _namespace(element):
    return element.tag[1:].split("}")[0] if isinstance(element.tag, str) and element.tag.startswith("{") else ""


def _local(element):
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element, name):
    return [child for child in element if _local(child) == name]


def _text(element):
    if element is None:
        return None
    texts = _children(element, "text")
    return texts[0].text if texts else None


def read_decisions(root):
    """The decisions of a DMN document whose logic is a decision table, each with its one table."""
    language = document_language(root)
    found = (read_decision(element, language) for element in root if _local(element) == "decision")
    return [decision for decision in found if decision is not None]


def read_decision(element, language):
    """One <decision> with its decision table, or None when its logic is something else.

    language: what its undeclared cells are in, document_language() of its document.
    """
    tables = _children(element, "decisionTable")
    if not tables:
        return None
    decision = Decision(element.get("id"), element.get("name") or element.get("id"))
    variable = next(iter(_children(element, "variable")), None)
    name = (variable.get("name") if variable is not None else None) or decision.name
    decision.decisionTables.append(read_table(tables[0], name, language))
    return decision


def all_tables(root):
    """Every decision table of a document, also those inside business knowledge models and contexts."""
    language = document_language(root)
    tables = []
    for element in root.iter():
        if _local(element) == "decisionTable":
            owner = element.getparent()
            while owner is not None and _local(owner) not in ("decision", "businessKnowledgeModel"):
                owner = owner.getparent()
            name = owner.get("name") if owner is not None else None
            tables.append(read_table(element, name or element.get("id") or "decision", language))
    return tables


def read_table(element, decision_name, default_language):
    hit_policy = re.sub(r"\s+", " ", (element.get("hitPolicy") or "UNIQUE").strip().upper()).replace("_", " ")
    if hit_policy not in HIT_POLICIES:
        raise DecisionError(f"decision table '{element.get('id')}': unknown hit policy '{hit_policy}'")
    aggregation = (element.get("aggregation") or "").strip().upper() or None
    if aggregation and (hit_policy != "COLLECT" or aggregation not in AGGREGATIONS):
        raise DecisionError(f"decision table '{element.get('id')}': aggregation '{aggregation}' "
                            "needs hit policy COLLECT and one of SUM, MIN, MAX, COUNT")
    table = DecisionTable(element.get("id") or "decisionTable", element.get("name") or "", hit_policy)
    table.aggregation = aggregation
    table.decision_name = decision_name
    for position, child in enumerate(element):
        kind = _local(child)
        if kind == "input":
            table.inputs.append(_input(child, position, default_language))
        elif kind == "output":
            table.outputs.append(_output(child, position))
        elif kind == "rule":
            table.rules.append(_rule(child, table, default_language))
    return table


def _language(element, default):
    declared = element.get("expressionLanguage") if element is not None else None
    if declared and declared.strip():
        try:
            return language_of(declared)
        except UnsupportedLanguage:
            return declared.strip().lower()   # kept, so evaluating it says which language
    if element is not None and _local(element) != "definitions" and default != "juel":
        # Camunda 7 before FEEL took over wrote JUEL without declaring it; its ${...} form says so.
        text = (_text(element) or "").lstrip()
        if text.startswith(("${", "#{")):
            return "juel"
    return default


def _input(element, position, default_language):
    expression = next(iter(_children(element, "inputExpression")), None)
    item = Input(element.get("id") or f"input{position}", element.get("label") or "",
                 element.get("name") or "", _text(expression),
                 expression.get("typeRef", "") if expression is not None else "")
    item.language = _language(expression, default_language)
    item.input_variable = element.get(f"{{{CAMUNDA_DMN}}}inputVariable") or "cellInput"
    return item


def _output(element, position):
    output = Output(element.get("id") or f"output{position}", element.get("label") or "",
                    element.get("name") or "", element.get("typeRef") or "")
    values = next(iter(_children(element, "outputValues")), None)
    output.priorities = literal_values(_text(values)) if values is not None else []
    return output


def _rule(element, table, default_language):
    rule = Rule(element.get("id") or f"rule{len(table.rules) + 1}")
    rule.row_number = len(table.rules) + 1
    descriptions = _children(element, "description")
    rule.description = descriptions[0].text if descriptions else ""
    entries = _children(element, "inputEntry")
    outputs = _children(element, "outputEntry")
    if len(entries) != len(table.inputs) or len(outputs) != len(table.outputs):
        raise DecisionError(f"decision table '{table.id}' rule {rule.row_number}: "
                            f"{len(entries)} input and {len(outputs)} output entries for "
                            f"{len(table.inputs)} inputs and {len(table.outputs)} outputs")
    for position, (child, column) in enumerate(zip(entries, table.inputs)):
        entry = InputEntry(child.get("id") or f"{rule.id}_in{position}", column)
        text = _text(child)
        entry.lhs.append(None if text is None or text.strip() in ("", "-") else text)
        entry.language = _language(child, default_language)
        rule.inputEntries.append(entry)
    for position, (child, column) in enumerate(zip(outputs, table.outputs)):
        entry = OutputEntry(child.get("id") or f"{rule.id}_out{position}", column)
        entry.text = _text(child) or ""
        entry.language = _language(child, default_language)
        rule.outputEntries.append(entry)
    return rule


def literal_values(text):
    """The constants of an allowed-values list such as `"HIGH","MEDIUM","LOW"`, in order."""
    if not text or not text.strip():
        return []
    try:
        node = feel.unary_tests(text)
    except ExpressionSyntaxError:
        return []
    values = []
    for call in ast.walk(node):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "matches"
                and isinstance(call.args[1], ast.Constant)):
            values.append(call.args[1].value)
    return values


# --------------------------------------------------------------------------
# Which language a document's undeclared cells are in

_PYTHON_NAMES = re.compile(r"""(?<!["'\w])(True|False|None)(?![\w"'])""")


def document_language(root):
    """The language of cells that declare none: the document's, else a guess from the cells.

    DMN says FEEL, and Camunda, Kogito and Trisotech write FEEL; Flowable writes
    JUEL; SpiffWorkflow's own models are Python. A document is taken as Python
    only if some cell is Python that is not FEEL and no cell is FEEL that is not Python.
    """
    declared = _language(root, None)
    if declared:
        return declared
    if "flowable" in (root.get("namespace") or "").lower() or _namespace(root) == "http://www.omg.org/spec/DMN/20151101":
        return "juel"
    python_only = feel_only = 0
    for kind, text in _undeclared_cells(root):
        feel_ok, python_ok = _parses(kind, text)
        if python_ok and (not feel_ok or _PYTHON_NAMES.search(_outside_strings(text))):
            python_only += 1
        elif feel_ok and not python_ok:
            feel_only += 1
    return "python" if python_only and not feel_only else "feel"


def _undeclared_cells(root):
    for element in root.iter():
        kind = _local(element)
        if kind in ("inputExpression", "inputEntry", "outputEntry") and not element.get("expressionLanguage"):
            text = _text(element)
            if text and text.strip() and text.strip() != "-":
                yield kind, text.strip()


def _parses(kind, text):
    try:
        if any(is_expression for is_expression, _ in juel_split(text)):
            return False, False   # JUEL by its form: no vote
    except ExpressionSyntaxError:
        return False, False
    try:
        feel.unary_tests(text) if kind == "inputEntry" else feel.expression(text)
        feel_ok = True
    except ExpressionSyntaxError:
        feel_ok = False
    try:
        if kind == "inputEntry":
            translate_unary_tests(text, "python")
        else:
            ast.parse(text, mode="eval")
        python_ok = True
    except SyntaxError:
        python_ok = False
    return feel_ok, python_ok


def _outside_strings(text):
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', text)
