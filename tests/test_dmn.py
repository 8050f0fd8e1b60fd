"""DMN decision tables: FEEL/JUEL/Python cells, every hit policy, DMN 1.1-1.5, and the corpus's tables."""
import ast
import collections
import csv
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

from bpmn.expressions import INPUT, LANGUAGES, translate_unary_tests
from bpmn.expressions.decision_engine import DecisionEngine
from bpmn.expressions.decision_spiff import BusinessRuleTaskConverter, DecisionParserMixin
from bpmn.expressions.decisions import DecisionError, all_tables, document_language, read_decisions
from bpmn.expressions.errors import ExpressionSyntaxError
from bpmn.expressions.hit_policies import HitPolicyViolation, outcome
from bpmn.expressions.names import python_name, unmangle
from engine.sandbox import HELPERS_PATH, Sandbox, _load_helpers, _safe_builtins
from engine.scripting import SandboxScriptEngine

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "bpmn-corpus"


class Parser(DecisionParserMixin, SpiffBpmnParser):
    pass


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(timeout=5) as box:
        yield box


HOLDER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="holder" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:manualTask id="hold" name="Hold"><bpmn:incoming>f1</bpmn:incoming></bpmn:manualTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hold"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def make_task(sandbox):
    """A real SpiffWorkflow task with the sandbox engine, to evaluate decision tables against."""
    parser = Parser()
    parser.add_bpmn_str(HOLDER_BPMN.encode(), filename="holder.bpmn")
    spec = parser.get_spec("holder")

    def make(data=None):
        workflow = BpmnWorkflow(spec, script_engine=SandboxScriptEngine(sandbox=sandbox))
        workflow.do_engine_steps()
        task = workflow.get_next_task(state=TaskState.READY)
        task.data = dict(data or {})
        return task
    return make


def dmn(body, namespace="https://www.omg.org/spec/DMN/20191111/MODEL/", extra=""):
    return etree.fromstring(f"""<definitions xmlns="{namespace}" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
        id="defs" name="d" namespace="http://example.com" {extra}>{body}</definitions>""".encode())


def table(hit_policy, inputs, outputs, rules, aggregation=None, output_values=None):
    """A decision 'd' with the given columns; rules are ([input entries], [output entries])."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    cols = "".join(f'<input id="i{n}" label="{label}"><inputExpression id="ie{n}"><text>{expr}</text>'
                   f'</inputExpression></input>' for n, (label, expr) in enumerate(inputs))
    outs = ""
    for n, name in enumerate(outputs):
        values = (output_values or {}).get(name)
        value_xml = f"<outputValues><text>{values}</text></outputValues>" if values else ""
        outs += f'<output id="o{n}" name="{name}">{value_xml}</output>'
    body = "".join(
        f'<rule id="r{r}">' + "".join(f'<inputEntry id="r{r}i{n}"><text>{t}</text></inputEntry>'
                                      for n, t in enumerate(ins))
        + "".join(f'<outputEntry id="r{r}o{n}"><text>{t}</text></outputEntry>' for n, t in enumerate(outs_))
        + "</rule>" for r, (ins, outs_) in enumerate(rules))
    hp = f' hitPolicy="{hit_policy}"' if hit_policy else ""
    return f'<decision id="d" name="Decision"><decisionTable id="t"{hp}{agg}>{cols}{outs}{body}</decisionTable></decision>'


def engine_for(root):
    return DecisionEngine(read_decisions(root)[0].decisionTables[0])


# --------------------------------------------------------------------------
# Hit policies

SEASONS = [(['"Fall"'], ['"Spareribs"', "1"]), (['"Winter"', ], ['"Roastbeef"', "2"]),
           (['"Winter","Spring"'], ['"Stew"', "3"]), (["-"], ['"Salad"', "4"])]


def decide(make_task, hit_policy, season, aggregation=None, output_values=None):
    root = dmn(table(hit_policy, [("Season", "season")], ["dish", "score"], SEASONS, aggregation, output_values))
    return engine_for(root).result(make_task({"season": season}))


def test_first(make_task):
    assert decide(make_task, "FIRST", "Winter") == {"dish": "Roastbeef", "score": 2}
    assert decide(make_task, "FIRST", "Summer") == {"dish": "Salad", "score": 4}


def test_unique_violation_is_an_error_naming_the_rules(make_task):
    with pytest.raises(WorkflowTaskException, match=r"UNIQUE: rules 2, 3, 4 all match"):
        decide(make_task, "UNIQUE", "Winter")
    with pytest.raises(WorkflowTaskException, match="UNIQUE"):
        decide(make_task, None, "Winter")   # UNIQUE is the default


def test_rule_order_and_collect(make_task):
    expected = {"dish": ["Roastbeef", "Stew", "Salad"], "score": [2, 3, 4]}
    assert decide(make_task, "RULE ORDER", "Winter") == expected
    assert decide(make_task, "COLLECT", "Winter") == expected


@pytest.mark.parametrize("aggregation, score", [("SUM", 9), ("MIN", 2), ("MAX", 4), ("COUNT", 3)])
def test_collect_aggregations(make_task, aggregation, score):
    rules = [(ins, outs[1:]) for ins, outs in SEASONS]
    root = dmn(table("COLLECT", [("Season", "season")], ["score"], rules, aggregation))
    assert engine_for(root).result(make_task({"season": "Winter"})) == {"score": score}


def test_priority_and_output_order(make_task):
    values = {"dish": '"Stew","Salad","Roastbeef","Spareribs"'}
    assert decide(make_task, "PRIORITY", "Winter", output_values=values)["dish"] == "Stew"
    assert decide(make_task, "OUTPUT ORDER", "Winter", output_values=values)["dish"] == ["Stew", "Salad", "Roastbeef"]


def test_any(make_task):
    rules = [(["> 1"], ['"big"']), (["> 2"], ['"big"']), (["> 3"], ['"bigger"'])]
    root = dmn(table("ANY", [("X", "x")], ["size"], rules))
    assert engine_for(root).result(make_task({"x": 3})) == {"size": "big"}
    with pytest.raises(WorkflowTaskException, match="ANY: rules 1, 2, 3 match with different outputs"):
        engine_for(root).result(make_task({"x": 4}))


def test_no_match_gives_no_output(make_task):
    rules = [(["> 10"], ["1"])]
    assert engine_for(dmn(table("UNIQUE", [("X", "x")], ["y"], rules))).result(make_task({"x": 1})) == {}


def test_hit_policy_outcomes_without_a_workflow():
    matches = [(1, {"a": 1}), (2, {"a": 5})]
    assert outcome("COLLECT", "SUM", matches, {}) == {"a": 6}
    assert outcome("COLLECT", "COUNT", [], {}) == {}
    with pytest.raises(HitPolicyViolation):
        outcome("COLLECT", "SUM", [(1, {"a": "x"})], {})


def test_unknown_hit_policy_or_bad_aggregation_is_refused():
    with pytest.raises(DecisionError, match="unknown hit policy"):
        read_decisions(dmn(table("SOMETIMES", [("X", "x")], ["y"], [])))
    with pytest.raises(DecisionError, match="aggregation"):
        read_decisions(dmn(table("FIRST", [("X", "x")], ["y"], [], aggregation="SUM")))


# --------------------------------------------------------------------------
# FEEL unary tests and outputs

UNARY = [
    ('"a","b"', "b", True), ('"a","b"', "c", False), ("< 5", 4, True), ("< 5", 5, False),
    ("[1..10]", 10, True), ("[1..10)", 10, False), ("]1..10]", 1, False), ("(1..10]", 2, True),
    ('not("x")', "y", True), ('not("x")', "x", False), ("-", None, True), ("", "anything", True),
    ("? > 5", 6, True), ("? > 5", None, False), ('date("2024-01-01")', datetime.date(2024, 1, 1), True),
    ('< date("2024-01-01")', datetime.date(2023, 12, 31), True),
    ('[date("2024-01-01")..date("2024-12-31")]', datetime.date(2024, 6, 1), True),
    ("> 10", None, False), ("null", None, True), ("true", True, True), ("true", False, False),
    ("not(1, 2)", 3, True), ("[1, 2, 3]", 2, True), ('>= 25.4', 25.4, True), ("< limit", 4, True),
    ('string length(?) > 2', "abcd", True),
]


@pytest.mark.parametrize("entry, value, matches", UNARY)
def test_feel_unary_tests(make_task, entry, value, matches):
    rules = [([entry.replace("<", "&lt;").replace(">", "&gt;")], ['"hit"'])]
    engine = engine_for(dmn(table("FIRST", [("V", "value")], ["r"], rules)))
    assert engine.result(make_task({"value": value, "limit": 5})) == ({"r": "hit"} if matches else {})


def test_feel_input_expression_and_output_entries(make_task):
    rules = [(['"gold"'], ['{tier: "gold", discount: price * 0.2}']),
             (["-"], ['if price &gt; 100 then "big" else "small"'])]
    root = dmn(table("FIRST", [("Customer status", "Customer.status")], ["result"], rules))
    engine = engine_for(root)
    assert engine.result(make_task({"Customer": {"status": "gold"}, "price": 50})) == {
        "result": {"tier": "gold", "discount": 10.0}}
    assert engine.result(make_task({"Customer": {"status": "new"}, "price": 150})) == {"result": "big"}


def test_names_with_spaces(make_task):
    rules = [(["&gt; 700"], ['"good"']), (["-"], ['"bad"'])]
    root = dmn(table("FIRST", [("Score", "Credit Score")], ["Rating"], rules))
    assert engine_for(root).result(make_task({"Credit Score": 720})) == {"Rating": "good"}


def test_unknown_variable_is_an_incident_naming_the_cell(make_task):
    rules = [(["&gt; limit"], ['"x"'])]
    engine = engine_for(dmn(table("FIRST", [("Amount", "amount")], ["r"], rules)))
    with pytest.raises(WorkflowTaskException) as caught:
        engine.result(make_task({"amount": 5}))
    message = str(caught.value)
    assert "Decision 'Decision', rule 1, input entry for 'Amount'" in message
    assert "FEEL '> limit'" in message and "name 'limit' is not defined" in message
    assert caught.value.error_type == "NameError"
    with pytest.raises(WorkflowTaskException, match="input expression of 'Amount'.*'amount' is not defined"):
        engine.result(make_task({}))


def test_escape_attempts_in_cells_are_refused(make_task):
    for cell in ["__import__('os')", "().__class__"]:
        rules = [([cell.replace("'", "&apos;")], ['"x"'])]
        root = dmn(table("FIRST", [("X", "x")], ["r"], rules), extra='expressionLanguage="python"')
        with pytest.raises(WorkflowTaskException, match="refused"):
            engine_for(root).result(make_task({"x": 1}))


# --------------------------------------------------------------------------
# Languages: declared, by form, guessed

def test_juel_cells_camunda7_style(make_task):
    body = """<decision id="d" name="Juel"><decisionTable id="t" hitPolicy="FIRST">
      <input id="i" label="Amount" camunda:inputVariable="amount_in">
        <inputExpression id="ie" expressionLanguage="juel"><text>${amount}</text></inputExpression></input>
      <output id="o" name="r"/>
      <rule id="r1"><inputEntry id="e1" expressionLanguage="juel"><text>${amount_in &gt; 100}</text></inputEntry>
        <outputEntry id="o1" expressionLanguage="juel"><text>${'big'}</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2" expressionLanguage="juel"><text>${amount_in le 100}</text></inputEntry>
        <outputEntry id="o2"><text>${amount * 2}</text></outputEntry></rule>
    </decisionTable></decision>"""
    engine = engine_for(dmn(body))
    assert engine.result(make_task({"amount": 150})) == {"r": "big"}
    assert engine.result(make_task({"amount": 7})) == {"r": 14}


def test_flowable_style_juel_entries(make_task):
    rules = [(['== "low"'], ['"cheap"']), (["&lt; 10"], ["#{x * 2}"])]
    root = dmn(table("FIRST", [("X", "x")], ["r"], rules), namespace="http://www.omg.org/spec/DMN/20151101")
    assert document_language(root) == "juel"
    assert engine_for(root).result(make_task({"x": "low"})) == {"r": "cheap"}
    assert engine_for(root).result(make_task({"x": 4})) == {"r": 8}


def test_spiffworkflow_python_tables_still_work(make_task):
    rules = [(["'a' in ?"], ["True"]), (["50 &lt;= ? &lt; 90"], ["len(s)"])]
    root = dmn(table("FIRST", [("S", "s")], ["r"], rules))
    assert document_language(root) == "python"
    assert engine_for(root).result(make_task({"s": ["a"]})) == {"r": True}


def test_unsupported_language_is_an_incident(make_task):
    rules = [(["&gt; 1"], ['"x"'])]
    root = dmn(table("FIRST", [("X", "x")], ["r"], rules), extra='expressionLanguage="groovy"')
    with pytest.raises(WorkflowTaskException, match="expression language 'groovy' is not supported"):
        engine_for(root).result(make_task({"x": 2}))


@pytest.mark.parametrize("namespace", [
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd", "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/", "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/"])
def test_dmn_versions(make_task, namespace):
    root = dmn(table("FIRST", [("X", "x")], ["r"], [(["[1..5]"], ['"in"']), (["-"], ['"out"'])]), namespace)
    assert engine_for(root).result(make_task({"x": 3})) == {"r": "in"}


# --------------------------------------------------------------------------
# Through a BPMN business rule task, and through the serializer

RULE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">
  <bpmn:process id="rating" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="rate" name="Rate">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>second</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rate"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rate" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _two_decisions():
    first = table("FIRST", [("X", "x")], ["a"], [(["-"], ["1"])]).replace('id="d" name="Decision"',
                                                                           'id="first" name="First"')
    second = table("COLLECT", [("Amount", "amount")], ["total"],
                   [(["&gt; 10"], ["amount * 2"]), (["&gt; 100"], ["5"]), (["&lt; 0"], ["7"])],
                   aggregation="SUM").replace('id="d" name="Decision"', 'id="second" name="Second"')
    return etree.tostring(dmn(first + second))


@pytest.mark.parametrize("amount, total", [(150, 305), (50, 100)])
def test_business_rule_task_runs_the_second_decision_of_a_file(sandbox, amount, total):
    parser = Parser()
    parser.add_bpmn_str(RULE_BPMN.encode(), filename="rating.bpmn")
    parser.add_dmn_str(_two_decisions(), filename="decisions.dmn")
    workflow = BpmnWorkflow(parser.get_spec("rating"), script_engine=SandboxScriptEngine(sandbox=sandbox))
    workflow.get_next_task(state=TaskState.READY).set_data(amount=amount)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["total"] == total


def test_serialized_spec_keeps_languages_and_aggregation(sandbox):
    parser = Parser()
    parser.add_bpmn_str(RULE_BPMN.encode(), filename="rating.bpmn")
    parser.add_dmn_str(_two_decisions(), filename="decisions.dmn")
    config = dict(SPIFF_CONFIG)
    config[BusinessRuleTask] = BusinessRuleTaskConverter
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
    workflow = BpmnWorkflow(parser.get_spec("rating"), script_engine=SandboxScriptEngine(sandbox=sandbox))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    engine = restored.spec.task_specs["rate"].dmnEngine
    assert isinstance(engine, DecisionEngine)
    assert engine.decision_table.aggregation == "SUM"
    assert engine.decision_table.rules[0].inputEntries[0].language == "feel"
    restored.script_engine = SandboxScriptEngine(sandbox=sandbox)
    restored.get_next_task(state=TaskState.READY).set_data(amount=150)
    restored.do_engine_steps()
    assert restored.data["total"] == 305


# --------------------------------------------------------------------------
# The corpus: every decision table of every DMN file, each rule with inputs that satisfy it

def corpus_dmn_files():
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open() as f:
        return [row["path"] for row in csv.DictReader(f, delimiter="\t") if row["kind"] == "dmn"]


# Cells the corpus has on purpose or that need what we refuse; each is reported, none fails the test.
EXPECTED = ("is not supported", "calls are not allowed", "syntax error", "unknown function",
            "is not defined", "has no attribute", "Error evaluating")


class Sampler:
    """Finds an input value that satisfies a cell, evaluating the translated cell locally.

    Test-only: corpus files are trusted, and a few thousand candidates per run
    would be slow through the sandbox. The product never evaluates outside it.
    """

    GENERIC = [None, 0, 1, -1, 100, 1000, "", "x", True, False, [], datetime.date(2000, 1, 1)]

    def __init__(self):
        self.namespace = _safe_builtins(_load_helpers(HELPERS_PATH))

    def evaluate(self, source, value, bindings=None):
        names = {python_name(k): v for k, v in (bindings or {}).items()}
        return eval(compile(source, "<cell>", "eval"), {"__builtins__": self.namespace, INPUT: value, **names})

    def candidates(self, source):
        found = []
        for node in ast.walk(ast.parse(source, mode="eval")):
            if isinstance(node, ast.Constant):
                found.append(node.value)
            elif isinstance(node, ast.Call) and not _free_names(node):
                try:
                    found.append(self.evaluate(ast.unparse(node), None))
                except Exception:
                    pass
        out = []
        for value in found:
            out.extend(_near(value))
        return out + self.GENERIC

    def value_for(self, source):
        """(input value, task variables) that satisfy the cell, or LookupError.

        A variable the cell mentions is set to the input value or to true, which
        satisfies `? = limit`, a bare name (FEEL) and Camunda's `${input1}`.
        """
        for strategy in ("none", "same", "true"):
            for candidate in self.candidates(source):
                bindings = {}
                for _ in range(4):
                    try:
                        if self.evaluate(source, candidate, bindings) is True or (
                                "==" in source and self.evaluate(source, candidate, bindings)):
                            return candidate, bindings
                        break
                    except NameError as exc:
                        if strategy == "none":
                            break
                        missing = unmangle(str(exc).split("'")[1])
                        bindings[missing] = candidate if strategy == "same" else True
                    except Exception:
                        break
        raise LookupError("no input value satisfies it")


def _free_names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - {"feel", "juel", "datetime", "Decimal"}


def _near(value):
    if isinstance(value, bool) or value is None:
        return [value]
    if isinstance(value, (int, float, Decimal)):
        return [value, value - 1, value + 1, value - Decimal("0.01") if isinstance(value, Decimal) else value - 0.01,
                value + (Decimal("0.01") if isinstance(value, Decimal) else 0.01)]
    if isinstance(value, datetime.date):
        day = datetime.timedelta(days=1)
        return [value, value - day, value + day]
    if isinstance(value, str):
        return [value, value + "_other"]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _near(item)]
    start, end = getattr(value, "start", None), getattr(value, "end", None)
    if start is not None or end is not None:   # a FEEL range
        out = []
        for bound in (start, end):
            if bound is not None:
                out.extend(_near(bound))
        if isinstance(start, (int, float)) and isinstance(end, (int, float)):
            out.append((start + end) / 2)
        return out
    return []


def _simple_path(text, language):
    """Task data that gives an input expression the value, for `name` and `a.b` forms; else None."""
    text = (text or "").strip()
    if language == "juel" and text.startswith(("${", "#{")) and text.endswith("}"):
        text = text[2:-1].strip()
    parts = text.split(".")
    if not text or not all(p.strip() and all(c.isalnum() or c in " _" for c in p) for p in parts):
        return None
    return [p.strip() for p in parts]


def _data_for(table, values):
    data = {}
    for column, value in zip(table.inputs, values):
        path = _simple_path(column.expression or column.label, column.language)
        if path is None:
            return None
        target = data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return data


def sample_rule(rule, sampler):
    """([value per input, None for '-'], variables, None) or (None, None, why the rule cannot be sampled)."""
    values, bindings = [], {}
    for entry in rule.inputEntries:
        text = entry.lhs[0] if entry.lhs else None
        if text is None:
            values.append(None)
            continue
        if entry.language not in LANGUAGES:
            return None, None, f"language {entry.language} is not supported"
        try:
            source = translate_unary_tests(text, entry.language, entry.input.input_variable)
            value, more = sampler.value_for(source)
            values.append(value)
            bindings.update(more)
        except ExpressionSyntaxError as exc:
            return None, None, f"syntax error: {exc.reason}"
        except LookupError as exc:
            return None, None, f"needs context: {exc}"
    return values, bindings, None


def with_missing_names(call, data, tries=6):
    """call(data), setting each variable it says is not defined to 1 (outputs like `amount * 2`)."""
    for _ in range(tries):
        try:
            return call(dict(data))
        except WorkflowTaskException as exc:
            found = re.search(r"name '([^']+)' is not defined", str(exc))
            if not found or found.group(1) in data:
                raise
            data = {**data, found.group(1): 1}
    return call(dict(data))


def check_table(table, make_task, sampler, report, problems):
    engine = DecisionEngine(table)
    report["tables"] += 1
    samples = [(rule, *sample_rule(rule, sampler)) for rule in table.rules]
    # A '-' column still needs some value for the whole table; take one another rule wanted.
    defaults = [next((values[n] for _, values, _, _ in samples if values and values[n] is not None), None)
                for n in range(len(table.inputs))]
    table_ok = True
    for rule, values, bindings, reason in samples:
        if reason:
            report["rules_skipped"] += 1
            problems.append((table.decision_name, rule.row_number, reason))
            table_ok = False
            continue
        values = [default if value is None else value for value, default in zip(values, defaults)]
        try:
            assert engine.rule_matches(make_task(bindings), rule, values) is True, (table.decision_name, rule.row_number)
            report["rules_matched"] += 1
            with_missing_names(lambda data: engine.outputs(make_task(data), rule), bindings)
            data = _data_for(table, values)
            if data is not None:
                try:
                    with_missing_names(lambda more: engine.result(make_task(more)), {**bindings, **data})
                    report["results"] += 1
                except WorkflowTaskException as exc:
                    # Other rules, seeing this rule's input: a UNIQUE/ANY overlap, or Python comparing unlike types.
                    if "hit policy" not in str(exc) and exc.error_type != "TypeError":
                        raise
                    report["overlaps"] += 1
        except WorkflowTaskException as exc:
            if not any(marker in str(exc) for marker in EXPECTED):
                raise
            report["rules_failed"] += 1
            problems.append((table.decision_name, rule.row_number, str(exc).splitlines()[0]))
            table_ok = False
    report["tables_ok"] += table_ok


CORPUS_FILES = corpus_dmn_files()
REPORT = collections.defaultdict(int)


@pytest.mark.parametrize("path", CORPUS_FILES or ["(no corpus)"])
def test_corpus_decision_tables(path, make_task):
    if not CORPUS_FILES:
        pytest.skip(f"no corpus at {CORPUS}")
    root = etree.parse(str(CORPUS / path)).getroot()
    tables = all_tables(root)
    if not tables:
        pytest.skip("no decision table")
    REPORT["files_with_tables"] += 1
    sampler, problems = Sampler(), []
    for item in tables:
        check_table(item, make_task, sampler, REPORT, problems)
    for name, row, reason in problems:
        print(f"\n{path}: {name} rule {row}: {reason}")


def test_corpus_summary():
    if not CORPUS_FILES:
        pytest.skip(f"no corpus at {CORPUS}")
    if not REPORT["tables"]:
        pytest.skip("the corpus tests did not run (selected alone?)")
    print(f"\nDMN files with tables: {REPORT['files_with_tables']}, tables: {REPORT['tables']}, "
          f"every rule evaluated: {REPORT['tables_ok']}, rules matched: {REPORT['rules_matched']}, "
          f"whole-table results: {REPORT['results']}, sampled overlaps: {REPORT['overlaps']}, "
          f"rules skipped: {REPORT['rules_skipped']}, failed (expected kinds): {REPORT['rules_failed']}")
    assert REPORT["tables_ok"] >= 0.9 * REPORT["tables"]
