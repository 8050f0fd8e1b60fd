"""Checking model files the way a deployment checks them, and reporting per file.

`check` is the one code path: a deployment calls it on its upload (and refuses the upload when
it finds errors), `baton lint` calls it on each model file. Checks that need the engine (the
script sandbox, JSON-schema validation) come in as `checks`: callables taking the ModelSet and
the files, returning Problems.
"""
from dataclasses import dataclass, field

from . import reader
from .problems import Problem

COMPANION_SUFFIXES = (".dmn", ".form", ".json")


@dataclass
class Outcome:
    models: reader.ModelSet
    errors: list
    warnings: list


@dataclass
class FileReport:
    file: str
    dialect: str | None = None
    processes: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def as_dict(self):
        return {"file": self.file, "ok": self.ok, "dialect": self.dialect, "processes": self.processes,
                "decisions": self.decisions, "errors": [_entry(p) for p in self.errors],
                "warnings": [_entry(p) for p in self.warnings]}


def _entry(problem):
    # A problem of the whole document (too large, not BPMN) points at its first line.
    line = problem.line if problem.line or problem.element_id else 1
    return {"line": line, "element_id": problem.element_id, "code": problem.code or "invalid-model",
            "message": problem.message}


def check(files, checks=()):
    """Read an upload ([(file name, bytes)]) and run every check on it."""
    try:
        reading = reader.inspect(files)
    except RecursionError:
        return Outcome(reader.ModelSet(), [Problem(", ".join(n for n, _ in files), "the model nests too deeply to be "
                                                   "read", line=1, code="too-deep")], [])
    errors = list(reading.errors)
    for run in checks:
        errors.extend(run(reading.models, files))
    return Outcome(reading.models, errors, reading.warnings)


def lint(files, checks=()):
    """A FileReport per file. Each BPMN file is checked as its own deployment, with the DMN files,
    forms and schemas given alongside; DMN and other companions are also reported on their own."""
    companions = [(n, d) for n, d in files if n.lower().endswith(COMPANION_SUFFIXES)]
    reports = []
    for name, data in files:
        if name.lower().endswith((".form", ".json")):
            models = reader.ModelSet(resources={name: data})
            errors = [p for run in checks for p in run(models, [(name, data)])]
            reports.append(report(name, Outcome(models, errors, [])))
            continue
        upload = [(name, data)] if name.lower().endswith(".dmn") else \
            [(name, data)] + [c for c in companions if c[0] != name]
        reports.append(report(name, check(upload, checks)))
    return reports


def report(name, outcome):
    models = outcome.models
    result = FileReport(file=name, dialect=models.dialects.get(name) or _kind(name))
    result.processes = [key for key, parsed in models.processes.items() if parsed.file == name]
    result.decisions = list(models.decisions.get(name, []))
    result.errors = [p for p in outcome.errors if p.file == name or p.file not in _names(models)]
    result.warnings = [p for p in outcome.warnings if p.file == name]
    return result


def _names(models):
    return set(models.documents) | set(models.resources)


def _kind(name):
    lower = name.lower()
    if lower.endswith(".form"):
        return "form"
    if lower.endswith(".json"):
        return "json"
    return None
