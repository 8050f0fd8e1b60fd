"""`baton lint` over the whole shared corpus (../shared/bpmn-corpus): it crashes on no file, every
refusal says what and where, and most models the manifest marks executable are accepted.

The measured shares are written to docs (see "## Dialects" in docs/modelling.md); the floors here
keep them from sliding back.
"""
import collections
import csv
import re

import pytest

from bpmn.lint import lint
from engine.deployments import MODEL_CHECKS
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(),
                                reason="the shared BPMN corpus (../shared) is absent")

# The share of executable models accepted, over all of them and over those that do not need
# Java, JavaScript/Groovy or bean expressions (which Baton refuses by design).
MIN_ACCEPTED = 0.68
MIN_ACCEPTED_RUNNABLE = 0.85
BY_DESIGN = {"java-class", "java-expression", "java-listener", "expression-listener", "script-language",
             "unsupported-implementation", "unsupported-connector", "job-listener"}
_DECISION_ID = re.compile(r'<(?:\w+:)?decision\s[^>]*\bid="([^"]+)"')


def manifest():
    with open(CORPUS / "MANIFEST.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def decision_files(path):
    """DMN files beside a model (its folder, subfolders, parent) that define decisions it names."""
    text = path.read_text(errors="replace")
    chosen, seen = [], set()
    for candidate in sorted(path.parent.rglob("*.dmn")) + sorted(path.parent.parent.glob("*.dmn")):
        ids = set(_DECISION_ID.findall(candidate.read_text(errors="replace")))
        if any(i in text for i in ids) and not seen & ids and candidate.name not in {n for n, _ in chosen}:
            chosen.append((candidate.name, candidate.read_bytes()))
            seen |= ids
    return chosen


def lint_corpus_file(row):
    path = CORPUS / row["path"]
    companions = decision_files(path) if row["kind"] == "bpmn" else []
    reports = lint([(path.name, path.read_bytes())] + companions, MODEL_CHECKS)
    return reports[0]


@pytest.fixture(scope="module")
def results():
    return [(row, lint_corpus_file(row)) for row in manifest() if row["kind"] in ("bpmn", "dmn")]


def test_lint_crashes_on_no_file_and_every_refusal_says_what_and_where(results):
    assert len(results) > 1000
    for row, report in results:
        assert report.file == (CORPUS / row["path"]).name
        for entry in report.as_dict()["errors"]:
            assert entry["message"], row["path"]
            assert entry["line"] or entry["element_id"], (row["path"], entry)
            assert entry["code"], (row["path"], entry)
        if row["kind"] == "bpmn" and row["is_executable"] in ("false", "absent"):
            assert not report.ok, row["path"]


def test_most_executable_models_are_accepted(results):
    executable = [(row, report) for row, report in results
                  if row["kind"] == "bpmn" and row["is_executable"] == "true"]
    accepted = [r for r in executable if r[1].ok]
    runnable = [r for r in executable if not {e.code for e in r[1].errors} & BY_DESIGN]
    share = len(accepted) / len(executable)
    share_runnable = len(accepted) / len(runnable)
    by_dialect = collections.Counter(row["dialect"].split("(")[0] for row, _ in executable)
    ok_by_dialect = collections.Counter(row["dialect"].split("(")[0] for row, _ in accepted)
    summary = {d: f"{ok_by_dialect[d]}/{n}" for d, n in by_dialect.most_common()}
    assert share >= MIN_ACCEPTED, (share, summary)
    assert share_runnable >= MIN_ACCEPTED_RUNNABLE, (share_runnable, summary)


def test_dmn_files_of_the_corpus_are_read(results):
    dmn = [(row, report) for row, report in results if row["kind"] == "dmn"]
    assert dmn and sum(r.ok for _, r in dmn) / len(dmn) > 0.5
