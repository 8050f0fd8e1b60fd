"""The sandbox must refuse or contain every escape we know of, and still run ordinary model code."""
import datetime
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import (Sandbox, SandboxError, SandboxRefused, SandboxTimeout, check_source,
                            get_sandbox, is_plain)
from engine.scripting import SandboxScriptEngine, check_expression


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(timeout=1) as box:
        yield box


ESCAPES = [
    "__import__('os').system('touch {marker}')",
    "open('/etc/passwd').read()",
    "open('{marker}', 'w').write('x')",
    "().__class__.__base__.__subclasses__()",
    "[c for c in ().__class__.__mro__[1].__subclasses__()]",
    "(x for x in ()).gi_frame.f_back.f_globals",
    "'{{0.__class__}}'.format(1)",
    "getattr(1, '__cl' + 'ass__')",
    "eval('1')",
    "exec('x=1')",
    "type(1)",
    "int.mro()",
    "'{{a}}'.format_map({{'a': 1}})",
    "compile('1', 'f', 'eval')",
    "globals()",
]

ESCAPE_STATEMENTS = [
    "import os\nos.system('touch {marker}')",
    "from os import system",
    "class A: pass",
    "def f():\n    yield 1",
    "global x",
    "x = 1\nx.real = 2",
    "async def f(): pass",
    "with open('{marker}', 'w') as f: pass",
    "_ = 1",
]


@pytest.mark.parametrize("source", ESCAPES)
@pytest.mark.parametrize("mode", ["evaluate", "execute"])
def test_escape_is_refused_without_side_effects(sandbox, tmp_path, source, mode):
    marker = tmp_path / "MARKER"
    source = source.format(marker=marker)
    if mode == "execute":
        source = "result = " + source
    with pytest.raises(SandboxRefused) as caught:
        getattr(sandbox, mode)(source, {})
    assert str(caught.value).startswith("refused: line 1: ")
    assert caught.value.lineno == 1
    assert not marker.exists()


@pytest.mark.parametrize("source", ESCAPE_STATEMENTS)
def test_forbidden_statements_are_refused(sandbox, tmp_path, source):
    marker = tmp_path / "MARKER"
    with pytest.raises(SandboxRefused):
        sandbox.execute(source.format(marker=marker), {})
    assert not marker.exists()


def test_check_source_messages_name_line_and_identifier():
    problems = check_source("x = 1\ny = __import__('os')", "exec")
    assert problems == ["line 2: names starting with '_' are not allowed: __import__"]
    assert check_source("a > 1", "eval") == []
    assert check_source("x = 1", "eval")[0].startswith("line 1: syntax error")
    assert "line 1: attribute not allowed: gi_frame" in check_source("g.gi_frame", "eval")
    assert "line 1: calling 'eval' is not allowed" in check_source("eval('1')", "eval")
    assert "line 1: import statements not allowed" in check_source("import os", "exec")
    assert "line 1: names starting with '_' are not allowed: _x" in check_source("f(_x=1)", "eval")
    assert check_expression is check_source


def test_data_named_like_a_denied_builtin_is_usable(sandbox):
    # `type` is a common field name in task data; only *calling* the builtin is refused.
    assert sandbox.evaluate("type == 'premium'", {"type": "premium"}) is True


def test_builtins_outside_the_whitelist_do_not_exist(sandbox):
    with pytest.raises(SandboxError, match="NameError: name 'print' is not defined"):
        sandbox.execute("print('hi')", {})


def test_infinite_loop_times_out_and_sandbox_recovers(sandbox):
    started = time.monotonic()
    with pytest.raises(SandboxTimeout, match="timed out after 1 s"):
        sandbox.execute("while True: pass", {})
    assert time.monotonic() - started < 3
    assert sandbox.evaluate("a + 1", {"a": 1}) == 2


@pytest.mark.parametrize("bomb", ["'x' * 10**10", "[0] * 10**10", "list(range(10**9))"])
def test_memory_bomb_fails_cleanly_and_sandbox_recovers(sandbox, bomb):
    with pytest.raises(SandboxError) as caught:
        sandbox.evaluate(bomb, {})
    assert not isinstance(caught.value, SandboxRefused)
    assert "MemoryError" in str(caught.value) or "killed" in str(caught.value)
    assert sandbox.evaluate("2 * 21", {}) == 42


def test_normal_scripts_work(sandbox):
    script = textwrap.dedent("""
        def discount(amount, rate):
            return round(amount * (1 - rate), 2)

        total = sum(item['price'] * item['qty'] for item in items)
        net = discount(total, 0.1)
        squares = [n * n for n in range(5) if n % 2 == 0]
        customer.update({'vip': total > 100})
        due = start + timedelta(days=30)
        weekday = due.strftime('%A')
        exact = Decimal('0.1') + price
        label = f"{customer['name']}: {net:.2f}"
        try:
            missing = customer['nope']
        except KeyError:
            missing = None
    """)
    context = {
        "items": [{"price": 30, "qty": 2}, {"price": 50, "qty": 1}],
        "customer": {"name": "Ada"},
        "start": datetime.date(2024, 1, 1),
        "price": Decimal("0.2"),
    }
    result = sandbox.execute(script, context)
    assert result["total"] == 110
    assert result["net"] == 99.0
    assert result["squares"] == [0, 4, 16]
    assert result["customer"] == {"name": "Ada", "vip": True}
    assert result["due"] == datetime.date(2024, 1, 31)
    assert result["weekday"] == "Wednesday"
    assert result["exact"] == Decimal("0.3")
    assert result["label"] == "Ada: 99.00"
    assert result["missing"] is None
    assert "discount" not in result   # functions are not data
    assert context["customer"] == {"name": "Ada"}   # the caller's objects are never mutated


def test_datetime_arithmetic_in_expressions(sandbox):
    now = datetime.datetime(2024, 5, 1, 12, 0)
    assert sandbox.evaluate("now + timedelta(hours=36)", {"now": now}) == datetime.datetime(2024, 5, 3, 0, 0)
    assert sandbox.evaluate("(datetime(2024, 5, 2) - now).total_seconds()", {"now": now}) == 12 * 3600
    assert sandbox.evaluate("math.floor(2.7) + max([1, 5, 3])", {}) == 7


def test_execute_returns_new_changed_and_deleted_variables(sandbox):
    result = sandbox.execute("b = b + 1\nc = 'new'\ndel d", {"a": 1, "b": 2, "d": 4})
    assert result == {"a": 1, "b": 3, "c": "new"}


def test_non_plain_context_values_are_not_sent(sandbox):
    with pytest.raises(SandboxError, match="NameError"):
        sandbox.evaluate("obj", {"obj": object()})
    assert sandbox.evaluate("x", {"x": 1, "obj": object()}) == 1


def test_non_plain_results_are_refused(sandbox):
    with pytest.raises(SandboxError, match="not plain data"):
        sandbox.evaluate("(x for x in [1])", {})
    assert is_plain({"a": [1, (2, {3})], "b": datetime.datetime.now(datetime.timezone.utc)})
    assert not is_plain({"a": [object()]})


def test_runtime_errors_carry_type_and_line(sandbox):
    with pytest.raises(SandboxError) as caught:
        sandbox.execute("a = 1\nb = a / 0", {})
    assert caught.value.error_type == "ZeroDivisionError"
    assert caught.value.lineno == 2
    assert str(caught.value) == "ZeroDivisionError: division by zero"


def test_forked_process_gets_its_own_child():
    code = textwrap.dedent("""
        import os
        from engine.sandbox import get_sandbox
        box = get_sandbox()
        assert box.evaluate('1 + 1', {}) == 2
        pid = os.fork()
        if pid == 0:
            try:
                ok = get_sandbox().evaluate('x * 2', {'x': 21}) == 42
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert box.evaluate('3', {}) == 3
        print('fork ok')
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "fork ok" in done.stdout


def test_child_has_no_files_and_no_import_even_if_the_static_check_is_bypassed(tmp_path):
    # Layer 2 on its own: run unchecked code in a hardened child interpreter.
    marker = tmp_path / "MARKER"
    code = textwrap.dedent(f"""
        from engine.sandbox import _Child, MiB
        child = _Child(256 * MiB, 10, MiB)
        child.harden()
        outcomes = []
        for src in ["__import__('os')", "open({str(marker)!r}, 'w')", "import os"]:
            child.compiled[("exec", src)] = compile(src, "<string>", "exec")
            try:
                child.run("exec", src, {{}})
                outcomes.append("ran")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
        try:
            open({str(marker)!r}, "w")
            outcomes.append("opened")
        except OSError as exc:
            outcomes.append(exc.errno)
        print(outcomes)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['ImportError', 'NameError', 'ImportError', 24]"   # 24 = EMFILE
    assert not marker.exists()


def test_trivial_round_trip_is_fast(sandbox):
    sandbox.evaluate("a > 1", {"a": 2})
    started = time.perf_counter()
    for _ in range(200):
        assert sandbox.evaluate("a > 1", {"a": 2}) is True
    per_call = (time.perf_counter() - started) / 200
    assert per_call < 0.001, f"{per_call * 1e6:.0f} µs per call"


def test_get_sandbox_is_per_process_singleton():
    assert get_sandbox() is get_sandbox()


# --------------------------------------------------------------------------
# Through SpiffWorkflow

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="defs" targetNamespace="http://example.com/bpmn">
  <bpmn:process id="doubler" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="double" name="Double" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>y = x * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>to_big</bpmn:outgoing><bpmn:outgoing>to_small</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="big" name="Big"><bpmn:incoming>to_big</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>branch = 'big'</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="small" name="Small"><bpmn:incoming>to_small</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:script>branch = 'small'</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end_big"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_small"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="double"/>
    <bpmn:sequenceFlow id="f2" sourceRef="double" targetRef="gw"/>
    <bpmn:sequenceFlow id="to_big" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{big}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_small" sourceRef="gw" targetRef="small">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">y &lt;= 5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="end_big"/>
    <bpmn:sequenceFlow id="f4" sourceRef="small" targetRef="end_small"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _run_workflow(x, big_condition="y &gt; 5", sandbox=None):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.format(big=big_condition).encode(), filename="doubler.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("doubler"), script_engine=SandboxScriptEngine(sandbox=sandbox))
    workflow.get_next_task(state=TaskState.READY).set_data(x=x)
    workflow.do_engine_steps()
    return workflow


@pytest.mark.parametrize("x, branch", [(3, "big"), (2, "small")])
def test_workflow_runs_script_and_gateway_in_sandbox(sandbox, x, branch):
    workflow = _run_workflow(x, sandbox=sandbox)
    assert workflow.is_completed()
    assert workflow.data["y"] == x * 2
    assert workflow.data["branch"] == branch
    completed = {t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    other = "small" if branch == "big" else "big"
    assert branch in completed and other not in completed


def test_escape_in_gateway_condition_becomes_workflow_task_exception(sandbox, tmp_path):
    marker = tmp_path / "MARKER"
    condition = f"__import__('os').system('touch {marker}') == 0"
    with pytest.raises(WorkflowTaskException) as caught:
        _run_workflow(3, big_condition=condition, sandbox=sandbox)
    assert "Error evaluating expression" in str(caught.value)
    assert "__import__" in str(caught.value)
    assert "refused" in str(caught.value)
    assert not marker.exists()


def test_script_task_errors_name_the_problem(sandbox):
    engine = SandboxScriptEngine(sandbox=sandbox)
    workflow = _run_workflow(3, sandbox=sandbox)
    task = workflow.get_tasks(spec_name="double")[0]
    with pytest.raises(WorkflowTaskException) as caught:
        engine.execute(task, "z = 1\nw = y + undefined_name")
    assert caught.value.error_type == "NameError"
    assert caught.value.line_number == 2
    assert caught.value.error_line == "w = y + undefined_name"
    assert "NameError: name 'undefined_name' is not defined" in str(caught.value)


def test_engine_execute_mutates_task_data_in_place(sandbox):
    engine = SandboxScriptEngine(sandbox=sandbox)
    workflow = _run_workflow(3, sandbox=sandbox)
    task = workflow.get_tasks(spec_name="double")[0]
    data = task.data
    marker_object = object()
    data.update(keep=marker_object, gone=1)
    assert engine.execute(task, "del gone\nx = x + 1\nnew = [x]") is True
    assert task.data is data
    assert data["x"] == 4 and data["new"] == [4] and "gone" not in data
    assert data["keep"] is marker_object   # invisible to the script, so kept


def test_engine_validate(sandbox):
    engine = SandboxScriptEngine(sandbox=sandbox)
    engine.validate("a > 1")
    with pytest.raises(SyntaxError):
        engine.validate("> 5")   # DMN's needs_eq() depends on this being a SyntaxError
    with pytest.raises(SandboxRefused, match=r"^Expression '\(\)\.__class__' refused: line 1: "):
        engine.validate("().__class__")


def test_engine_evaluate_with_external_context_like_dmn(sandbox):
    engine = SandboxScriptEngine(sandbox=sandbox)
    workflow = _run_workflow(3, sandbox=sandbox)
    task = workflow.get_tasks(spec_name="double")[0]
    assert engine.evaluate(task, "4 < dmninputexpr < 6", external_context={"dmninputexpr": 5}) is True


GRADER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs2" targetNamespace="http://example.com/bpmn">
  <bpmn:process id="grader" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="grade" name="Grade">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>grading</spiffworkflow:calledDecisionId>
        <spiffworkflow:preScript>score = raw + bonus</spiffworkflow:preScript>
        <spiffworkflow:postScript>passed = grade != 'F'</spiffworkflow:postScript>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:scriptTask id="repeat" name="Repeat">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>copies + 1</bpmn:loopCardinality>
        <bpmn:loopDataOutputRef>stamps</bpmn:loopDataOutputRef>
        <bpmn:outputDataItem id="stamp" name="stamp"/>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>stamp = grade * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="grade"/>
    <bpmn:sequenceFlow id="f2" sourceRef="grade" targetRef="repeat"/>
    <bpmn:sequenceFlow id="f3" sourceRef="repeat" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

GRADING_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmndefs" name="d"
             namespace="http://example.com/dmn">
  <decision id="grading" name="Grading">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_score" label="Score">
        <inputExpression id="ie" typeRef="number"><text>score</text></inputExpression>
      </input>
      <output id="out_grade" label="Grade" name="grade" typeRef="string"/>
      <rule id="r1"><inputEntry id="r1i"><text>{first_rule}</text></inputEntry>
        <outputEntry id="r1o"><text>"A"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2i"><text>50 &lt;= ? &lt; 90</text></inputEntry>
        <outputEntry id="r2o"><text>"B"</text></outputEntry></rule>
      <rule id="r3"><inputEntry id="r3i"><text></text></inputEntry>
        <outputEntry id="r3o"><text>"F"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def _run_grader(raw, sandbox, first_rule="&gt;= 90"):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(GRADER_BPMN.encode(), filename="grader.bpmn")
    parser.add_dmn_str(GRADING_DMN.format(first_rule=first_rule).encode(), filename="grading.dmn")
    workflow = BpmnWorkflow(parser.get_spec("grader"), script_engine=SandboxScriptEngine(sandbox=sandbox))
    workflow.get_next_task(state=TaskState.READY).set_data(raw=raw, bonus=5, copies=2)
    workflow.do_engine_steps()
    return workflow


@pytest.mark.parametrize("raw, grade", [(85, "A"), (60, "B"), (10, "F")])
def test_dmn_prescript_postscript_and_multi_instance(sandbox, raw, grade):
    workflow = _run_grader(raw, sandbox)
    assert workflow.is_completed()
    assert workflow.data["score"] == raw + 5           # preScript
    assert workflow.data["grade"] == grade             # DMN input, `?` and output cells
    assert workflow.data["passed"] is (grade != "F")   # postScript
    assert workflow.data["stamps"] == [grade * 2] * 3  # loopCardinality `copies + 1`


def test_escape_in_dmn_cell_becomes_workflow_task_exception(sandbox, tmp_path):
    marker = tmp_path / "MARKER"
    rule = f"__import__('os').system('touch {marker}')"
    with pytest.raises(WorkflowTaskException) as caught:
        _run_grader(85, sandbox, first_rule=rule)
    assert f"Expression '{rule}' refused" in str(caught.value)
    assert not marker.exists()


def test_strptime_and_strftime_work_inside_the_child(sandbox):
    assert sandbox.evaluate("datetime.strptime(s, '%Y-%m-%d').strftime('%d.%m.%Y')",
                            {"s": "2024-02-29"}) == "29.02.2024"


def test_concurrent_threads_get_correct_answers(sandbox):
    from concurrent.futures import ThreadPoolExecutor

    def work(n):
        return [sandbox.evaluate("n * i", {"n": n, "i": i}) == n * i for i in range(50)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = [ok for batch in pool.map(work, range(12)) for ok in batch]
    assert len(outcomes) == 600 and all(outcomes)
