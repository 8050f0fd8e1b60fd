"""JUEL and FEEL: parsed into Python ast, evaluated in the same sandbox as Python expressions."""
import datetime

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from bpmn.expressions import (ExpressionSyntaxError, UnsupportedLanguage, detect, language_of, translate,
                              translate_unary_tests)
from bpmn.expressions.names import SANDBOX_BUILTINS, mangle, unmangle, unmangle_text
from bpmn.expressions.runtime import FEEL_FUNCTIONS, JUEL_FUNCTIONS
from engine.sandbox import (HELPERS_PATH, Sandbox, SandboxError, SandboxRefused, _load_helpers, _safe_builtins,
                            check_source)
from engine.scripting import SandboxScriptEngine, check_expression


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(timeout=2) as box:
        yield box


# --------------------------------------------------------------------------
# Which language

@pytest.mark.parametrize("source, language", [
    ("${a > 1}", "juel"), ("  #{a}", "juel"), ("= a > 1", "feel"), ("=a", "feel"), ("a > 1", "python"),
    ("a == 1", "python"), ("== 1", "python")])
def test_language_by_form(source, language):
    assert detect(source) == language


@pytest.mark.parametrize("declared, language", [
    ("feel", "feel"), ("FEEL", "feel"), ("https://www.omg.org/spec/DMN/20191111/FEEL/", "feel"),
    ("http://www.omg.org/spec/FEEL/20140401", "feel"), ("juel", "juel"), ("python", "python"), ("", None),
    (None, None)])
def test_declared_languages(declared, language):
    assert language_of(declared) == language


def test_undeclared_languages_are_refused_by_name():
    with pytest.raises(UnsupportedLanguage, match="'groovy' is not supported"):
        language_of("groovy")


def test_translation_is_an_ast_not_rewritten_text():
    assert translate("= a > 1 and b = \"x\"") == "feel.and_(feel.gt(a, 1), lambda: feel.eq(b, 'x'))"
    assert translate("${a == 'x' && b > 3}") == "juel.cond(juel.eq(a, 'x')) and juel.cond(juel.gt(b, 3))"
    assert translate("a > 1") == "a > 1"   # Python is left to the sandbox's own check
    # Text that looks like an operator inside a string stays a string.
    assert translate('= "a and b" = x') == "feel.eq('a and b', x)"


def test_runtime_exposes_no_underscore_or_denied_names():
    for name in FEEL_FUNCTIONS | JUEL_FUNCTIONS:
        assert not check_source(f"feel.{name}", "eval"), name


def test_mangled_names_cover_every_sandbox_builtin():
    builtins = set(_safe_builtins(_load_helpers(HELPERS_PATH))) - {"__import__"}
    assert builtins <= SANDBOX_BUILTINS
    assert unmangle(mangle("Credit Score")) == "Credit Score"
    assert unmangle_text(f"name '{mangle('max')}' is not defined") == "name 'max' is not defined"


# --------------------------------------------------------------------------
# FEEL

FEEL = [
    ("= amount > 100", {"amount": 150}, True), ("= amount > 100", {"amount": 100}, False),
    ("= a = \"x\" and b > 3", {"a": "x", "b": 4}, True), ("= a = \"x\" and b > 3", {"a": "y", "b": 4}, False),
    ("= a or b", {"a": False, "b": True}, True), ("= not(a)", {"a": False}, True),
    ("= 1 + 2 * 3 - 4 / 2", {}, 5), ("= 2 ** 10", {}, 1024), ("= -x", {"x": 3}, -3),
    ('= "foo" + "bar"', {}, "foobar"), ('= string length("abc")', {}, 3), ('= upper case("a")', {}, "A"),
    ('= lower case("A")', {}, "a"), ('= substring("foobar", 3, 2)', {}, "ob"), ('= contains("abc", "b")', {}, True),
    ('= starts with("abc", "a")', {}, True), ('= ends with("abc", "c")', {}, True),
    ('= matches("abc", "^a.c$")', {}, True), ('= replace("abc", "b", "x")', {}, "axc"),
    ('= split("a,b", ",")', {}, ["a", "b"]), ('= string join(["a", "b"], "-")', {}, "a-b"),
    ("= [1, 2, 3]", {}, [1, 2, 3]), ("= [1, 2, 3][item > 1]", {}, [2, 3]), ("= [1, 2, 3][2]", {}, 2),
    ("= [1, 2, 3][-1]", {}, 3), ("= count([1, 2])", {}, 2), ("= sum([1, 2, 3])", {}, 6), ("= max([1, 3])", {}, 3),
    ("= min(4, 2)", {}, 2), ("= mean([1, 2, 3])", {}, 2), ("= list contains([1, 2], 2)", {}, True),
    ("= {a: 1, \"b c\": {d: 2}}.b c.d", {}, 2), ("= order.total", {"order": {"total": 9}}, 9),
    ("= orders[total > 5].id", {"orders": [{"id": 1, "total": 9}, {"id": 2, "total": 1}]}, [1]),
    ("= if x > 1 then \"big\" else \"small\"", {"x": 2}, "big"), ("= if null then 1 else 2", {}, 2),
    ("= x in [1..5]", {"x": 5}, True), ("= x in (1..5)", {"x": 5}, False), ("= x in [1, 2]", {"x": 3}, False),
    ("= x between 1 and 10", {"x": 10}, True), ("= for i in 1..3 return i * i", {}, [1, 4, 9]),
    ("= some i in [1, 5] satisfies i > 4", {}, True), ("= every i in [1, 5] satisfies i > 4", {}, False),
    ("= Credit Score > 700", {"Credit Score": 720}, True), ("= max + 1", {"max": 1}, 2),
    ('= date("2024-02-28") + duration("P1D")', {}, datetime.date(2024, 2, 29)),
    ('= date and time("2024-01-01T10:00:00") + duration("PT2H")', {}, datetime.datetime(2024, 1, 1, 12)),
    ('= date("2024-03-01") - date("2024-02-01")', {}, datetime.timedelta(days=29)),
    ('= date("2024-01-31") + duration("P1M")', {}, datetime.date(2024, 2, 29)),
    ('= date and time("2024-01-01T00:00:00Z") < now()', {}, True), ("= today() > date(2000, 1, 1)", {}, True),
    ('= date("2024-05-17").year', {}, 2024), ('= day of week(date("2024-05-17"))', {}, "Friday"),
    ('= duration("P2DT3H").hours', {}, 3), ('= @"2024-05-17" = date("2024-05-17")', {}, True),
    ("= x instance of number", {"x": 1}, True), ('= number("12.5")', {}, 12.5), ("= string(1.0)", {}, "1"),
    ("= floor(1.5)", {}, 1), ("= decimal(1/3, 2)", {}, 0.33), ("= modulo(-5, 3)", {}, 1),
    ('= get or else(null, "d")', {}, "d"), ('= get value({a: 1}, "a")', {}, 1),
]


@pytest.mark.parametrize("source, data, expected", FEEL)
def test_feel(sandbox, source, data, expected):
    assert sandbox.evaluate(source, data) == expected


@pytest.mark.parametrize("source", [
    "= null > 1", "= 1 < \"a\"", "= null + 1", "= \"a\" + 1", "= true and null", "= not(1)", "= 1 / 0",
    "= {a: 1}.b", "= x.y", "= [1][5]"])
def test_feel_null_semantics(sandbox, source):
    assert sandbox.evaluate(source, {"x": None}) is None


def test_feel_three_valued_logic_and_null_equality(sandbox):
    assert sandbox.evaluate("= false and null", {}) is False
    assert sandbox.evaluate("= true or null", {}) is True
    assert sandbox.evaluate("= null = null", {}) is True
    assert sandbox.evaluate("= 1 = null", {}) is False
    assert sandbox.evaluate("= false and missing", {}) is False   # not even looked at


def test_feel_unknown_variable_is_an_error_not_false(sandbox):
    with pytest.raises(SandboxError, match="NameError: name 'amount' is not defined"):
        sandbox.evaluate("= amount > 100", {})
    with pytest.raises(SandboxError, match="NameError: name 'feelvar_Credit_x20_Score'"):
        sandbox.evaluate("= Credit Score > 1", {})   # the script engine unmangles it for the modeller


@pytest.mark.parametrize("source", [
    "= 1 +", "= foo(1)", "= function(x) x", "= a.b()", "= [1..", '= "unterminated', "= date and time"])
def test_feel_refusals(sandbox, source):
    with pytest.raises(SandboxError) as caught:
        sandbox.evaluate(source, {"x": {"__class__": 1}, "a": {}})
    # Either it does not parse, or what it parses to is plain data access that finds nothing.
    assert caught.value.error_type in ("SyntaxError", "SandboxRefused")


def test_property_access_reaches_only_data(sandbox):
    # A name with underscores is a lookup in plain data, never Python attribute access.
    assert sandbox.evaluate('= x.__class__', {"x": 5}) is None
    assert sandbox.evaluate('= x.__class__', {"x": {"__class__": 1}}) == 1
    assert sandbox.evaluate('${x.__class__}', {"x": {"__class__": 1}}) == 1
    with pytest.raises(SandboxError, match="property '__class__' not found on a int"):
        sandbox.evaluate('${x.__class__}', {"x": 5})
    assert sandbox.evaluate('= "a".upper', {}) is None
    assert sandbox.evaluate('= get value(x, "__globals__")', {"x": {}}) is None


def test_feel_cannot_return_helpers_or_functions(sandbox):
    with pytest.raises(SandboxError, match="not plain data"):
        sandbox.evaluate("= [1..2]", {})   # a range is not data a process can keep


# --------------------------------------------------------------------------
# JUEL

JUEL = [
    ("${amount > 100}", {"amount": 150}, True), ("${amount > 100}", {"amount": 50}, False),
    ("${a == 'x' && b > 3}", {"a": "x", "b": 4}, True), ("${a == 'x' && b > 3}", {"a": "x", "b": 3}, False),
    ("${a eq 'x' and b gt 3}", {"a": "x", "b": 4}, True), ("${a ne 'x' or b le 3}", {"a": "x", "b": 4}, False),
    ("${a lt 1 || a ge 5}", {"a": 5}, True), ("#{!approved}", {"approved": False}, True),
    ("${not approved}", {"approved": True}, False), ("${empty list}", {"list": []}, True),
    ("${empty name}", {"name": "Ada"}, False), ("${empty missing}", {"missing": None}, True),
    ("${not empty name}", {"name": ""}, False), ("${order.total * 2}", {"order": {"total": 4}}, 8),
    ("${order['total']}", {"order": {"total": 4}}, 4), ("${items[1]}", {"items": [1, 2]}, 2),
    ("${items[5]}", {"items": [1, 2]}, None), ("${order.missing}", {"order": {}}, None),
    ("${x > 1 ? 'big' : 'small'}", {"x": 2}, "big"), ("${10 div 4}", {}, 2.5), ("${10 mod 4}", {}, 2),
    ("${'5' + 1}", {}, 6), ("${x == 5}", {"x": "5"}, True), ("${null == 0}", {}, False),
    ("${x + 1}", {"x": None}, 1), 
    ("${x == null}", {"x": None}, True), ("${_secret}", {"_secret": 1}, 1),
    ("${greeting}, ${name}!", {"greeting": "Hello", "name": "Ada"}, "Hello, Ada!"),
]


@pytest.mark.parametrize("source, data, expected", JUEL)
def test_juel(sandbox, source, data, expected):
    assert sandbox.evaluate(source, data) == expected


@pytest.mark.parametrize("source, message", [
    ("${''.getClass()}", "method and function calls are not allowed"),
    ("${''.class}", "property 'class' is not allowed"),
    ("${x['class']}", "property 'class' is not allowed"),
    ("${execution.getVariable('x')}", "method and function calls are not allowed"),
    ("${fn:toUpperCase(x)}", "function calls are not allowed"),
    ("${x.getClass().forName('java.lang.Runtime')}", "method and function calls are not allowed"),
    ("${Runtime.getRuntime().exec('touch /tmp/x')}", "method and function calls are not allowed"),
    ("${x = 1}", "syntax error"), ("${x", "never closed"),
])
def test_juel_refusals(sandbox, source, message):
    with pytest.raises(SandboxRefused, match=message):
        sandbox.evaluate(source, {"x": {}})
    assert check_expression(source, "eval")   # the deployer refuses the model too


def test_juel_unknown_variable_is_an_error(sandbox):
    with pytest.raises(SandboxError, match="NameError: name 'amount' is not defined"):
        sandbox.evaluate("${amount > 1}", {})


def test_juel_coercion_errors_are_errors(sandbox):
    with pytest.raises(SandboxError, match="cannot coerce"):
        sandbox.evaluate("${x + 1}", {"x": "abc"})


# --------------------------------------------------------------------------
# Unary tests (the DMN engine's entry point; test_dmn.py runs them in tables)

def test_unary_test_translations():
    assert translate_unary_tests('"a","b"') == (
        "feel.or_(feel.matches(dmninputexpr, 'a'), lambda: feel.matches(dmninputexpr, 'b'))")
    assert translate_unary_tests("< 5") == "feel.lt(dmninputexpr, 5)"
    assert translate_unary_tests("[1..10]") == "feel.matches(dmninputexpr, feel.range(1, 10, True, True))"
    assert translate_unary_tests('not("x")') == "feel.not_(feel.matches(dmninputexpr, 'x'))"
    assert translate_unary_tests("-") == "True"
    assert translate_unary_tests("? > 5") == "feel.gt(dmninputexpr, 5)"
    assert translate_unary_tests("${cellInput > 5}", "juel") == "(lambda cellInput: juel.gt(cellInput, 5))(dmninputexpr)"
    assert translate_unary_tests("> 5", "juel") == "juel.gt(dmninputexpr, 5)"
    assert translate_unary_tests("4 < ? < 6", "python") == "4 < dmninputexpr < 6"
    assert translate_unary_tests("'a'", "python") == "dmninputexpr == 'a'"
    with pytest.raises(ExpressionSyntaxError):
        translate_unary_tests("150mph")


# --------------------------------------------------------------------------
# Through SpiffWorkflow: gateway conditions, the script engine, the deployer's check

GATEWAY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="x">
  <bpmn:process id="route" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="gw" default="to_small"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>to_big</bpmn:outgoing><bpmn:outgoing>to_small</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:scriptTask id="big" name="Big"><bpmn:incoming>to_big</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>branch = 'big'</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="small" name="Small"><bpmn:incoming>to_small</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:script>branch = 'small'</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end_big"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_small"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="to_big" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_small" sourceRef="gw" targetRef="small"/>
    <bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="end_big"/>
    <bpmn:sequenceFlow id="f4" sourceRef="small" targetRef="end_small"/>
  </bpmn:process>
</bpmn:definitions>
"""


def run_route(sandbox, condition, **data):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(GATEWAY.replace("{condition}", condition).encode(), filename="route.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("route"), script_engine=SandboxScriptEngine(sandbox=sandbox))
    workflow.get_next_task(state=TaskState.READY).set_data(**data)
    workflow.do_engine_steps()
    return workflow


@pytest.mark.parametrize("condition", ["${amount &gt; 100}", "#{amount gt 100}", "= amount &gt; 100",
                                       "amount &gt; 100"])
@pytest.mark.parametrize("amount, branch", [(150, "big"), (100, "small"), (5, "small")])
def test_gateway_conditions_branch_both_ways(sandbox, condition, amount, branch):
    workflow = run_route(sandbox, condition, amount=amount)
    assert workflow.is_completed()
    assert workflow.data["branch"] == branch


@pytest.mark.parametrize("condition", ["${amount &gt; 100}", "= amount &gt; 100"])
def test_unknown_variable_in_a_condition_is_an_incident_naming_expression_and_element(sandbox, condition):
    with pytest.raises(WorkflowTaskException) as caught:
        run_route(sandbox, condition, other=1)
    error = caught.value
    assert error.error_type == "NameError"
    assert "Error evaluating expression" in str(error) and "amount > 100" in str(error)
    assert "name 'amount' is not defined" in str(error)
    assert error.task_spec.bpmn_id == "gw"


def test_script_engine_unmangles_names_in_errors(sandbox):
    workflow = run_route(sandbox, "= amount &gt; 100", amount=1)
    task = workflow.get_tasks(spec_name="big")[0] if workflow.get_tasks(spec_name="big") else workflow.task_tree
    with pytest.raises(WorkflowTaskException, match="name 'Credit Score' is not defined"):
        SandboxScriptEngine(sandbox=sandbox).evaluate(task, "= Credit Score > 1")


def test_escape_hidden_in_a_condition_is_refused(sandbox, tmp_path):
    marker = tmp_path / "MARKER"
    for condition in ["${''.getClass().forName('java.lang.Runtime')}", "= x.__class__", "${x.__class__}"]:
        with pytest.raises(WorkflowTaskException, match="Error evaluating expression"):
            run_route(sandbox, condition.replace("'", "&apos;"), amount=1)
        # FEEL's x.__class__ is a data lookup returning null, so the flow is simply not taken:
    assert not marker.exists()


def test_deployer_check_understands_all_three_languages():
    assert check_expression("= amount > 100", "eval") == []
    assert check_expression("${amount > 100}", "eval") == []
    assert check_expression("amount > 100", "eval") == []
    assert check_expression("= amount >", "eval")[0].startswith("line 1: syntax error: FEEL syntax error")
    assert "method and function calls" in check_expression("${a.b()}", "eval")[0]


def test_script_engine_validate_understands_all_three_languages(sandbox):
    engine = SandboxScriptEngine(sandbox=sandbox)
    engine.validate("= a > 1")
    engine.validate("${a > 1}")
    with pytest.raises(SyntaxError):
        engine.validate("= a >")
    with pytest.raises(SyntaxError):
        engine.validate("> 5")
