"""Refuse, at deployment, scripts and expressions that try to leave the sandbox.

The sandbox refuses them again at run time; checking here means a hostile model never runs
at all and its author learns which element is wrong.
"""
from bpmn.problems import Problem
from bpmn.xml import element_line, parse_document

from .scripting import check_expression


def model_expressions(spec):
    """(element id, what, source, mode) for every piece of code a process spec carries."""
    for task_spec in spec.task_specs.values():
        element = getattr(task_spec, "bpmn_id", None)
        script = getattr(task_spec, "script", None)
        if isinstance(script, str):
            yield element, "script", script, "exec"
        for attribute in ("prescript", "postscript"):
            source = getattr(task_spec, attribute, None)
            if isinstance(source, str) and source.strip():
                yield element, attribute, source, "exec"
        for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
            source = getattr(condition, "args", [None])[0] if condition is not None else None
            if isinstance(source, str):
                yield element, "condition", source, "eval"
        for attribute in ("cardinality", "condition", "completion_condition"):
            source = getattr(task_spec, attribute, None)
            if isinstance(source, str) and source.strip():
                yield element, attribute, source, "eval"


def script_problems(parsed, documents):
    problems = []
    root = None
    for spec in [parsed.spec] + [s for s in parsed.subprocess_specs.values() if s]:
        for element, what, source, mode in model_expressions(spec):
            for message in check_expression(source, mode):
                if root is None:
                    root = parse_document(documents[parsed.file].encode(), parsed.file)
                problems.append(Problem(parsed.file, f"{what} refused: {message}", element_id=element,
                                        line=element_line(root, element)))
    return problems
