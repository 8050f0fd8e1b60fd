"""`baton lint`: per-file reports, text and JSON, exit codes, and the same checks as a deployment."""
import json

from click.testing import CliRunner

from engine.deployments import check_models
from tests.conftest import MODELS
from web.cli import main

DIALECTS = MODELS / "dialects"


def lint(*args):
    result = CliRunner().invoke(main, ["lint", *map(str, args)])
    return result.exit_code, result.output


def test_a_good_model_is_ok_with_its_dialect_and_processes():
    code, output = lint("--format", "json", MODELS / "approval.bpmn", MODELS / "review-schema.json")
    assert code == 0, output
    reports = json.loads(output)
    assert [r["file"] for r in reports] == ["approval.bpmn", "review-schema.json"]
    first = reports[0]
    assert set(first) >= {"file", "ok", "dialect", "processes", "errors", "warnings"}
    assert (first["ok"], first["dialect"], first["processes"], first["errors"]) == (True, "spiff", ["approval"], [])


def test_errors_carry_line_element_code_and_message_and_exit_1():
    code, output = lint("--format", "json", DIALECTS / "java_delegate.bpmn", DIALECTS / "juel_gateway.bpmn")
    assert code == 1
    refused, fine = json.loads(output)
    assert not refused["ok"] and fine["ok"]
    assert refused["dialect"] == "camunda7"
    for error in refused["errors"]:
        assert set(error) == {"line", "element_id", "code", "message"}
        assert error["message"] and (error["line"] or error["element_id"])
    assert {"java-class", "java-listener"} <= {e["code"] for e in refused["errors"]}


def test_text_output_names_file_line_and_element():
    code, output = lint(DIALECTS / "complex.bpmn")
    assert code == 1
    assert "complex.bpmn: REFUSED" in output
    assert "error unsupported-element line 5 (Gateway_complex)" in output


def test_warnings_do_not_fail_the_file(tmp_path):
    model = tmp_path / "no_condition.bpmn"
    model.write_text((DIALECTS / "no_match.bpmn").read_text().replace(
        "<bpmn:conditionExpression>amount &gt; 100</bpmn:conditionExpression>", ""))
    code, output = lint("--format", "json", model)
    [report] = json.loads(output)
    assert code == 0 and report["ok"]
    assert [w["code"] for w in report["warnings"]] == ["flow-without-condition"]


def test_usage_errors_exit_2_and_unreadable_files_are_reported():
    assert lint()[0] == 2
    assert lint("--format", "yaml", MODELS / "approval.bpmn")[0] == 2
    code, output = lint("--format", "json", "/nonexistent/model.bpmn")
    assert code == 1 and json.loads(output)[0]["errors"][0]["code"] == "unreadable"


def test_lint_refuses_what_a_deployment_refuses():
    for name in ("hostile_script.bpmn", "hostile_condition.bpmn", "open_file.bpmn"):
        code, output = lint("--format", "json", MODELS / name, MODELS / "review-schema.json")
        assert code == 1, name
        deployed = check_models([(name, (MODELS / name).read_bytes()),
                                 ("review-schema.json", (MODELS / "review-schema.json").read_bytes())])
        assert {e["message"] for e in json.loads(output)[0]["errors"]} == {p.message for p in deployed.errors}


def test_dmn_and_broken_xml():
    code, output = lint("--format", "json", MODELS / "shipping.dmn", MODELS / "broken_syntax.bpmn")
    dmn, broken = json.loads(output)
    assert code == 1
    assert dmn["ok"] and dmn["dialect"] == "dmn" and dmn["decisions"]
    assert broken["errors"][0]["line"] == 5 and broken["errors"][0]["code"] == "xml-syntax"
