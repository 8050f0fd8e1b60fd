"""Turn the files of one upload into SpiffWorkflow process specs, or say what is wrong with them."""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .problems import InvalidModel, Problem
from .xml import element_line, parse_document

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "https://www.omg.org/spec/DMN/20211108/MODEL/",
}
MODEL_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml", ".dmn")


@dataclass
class ParsedProcess:
    key: str
    name: str
    file: str
    spec: object
    # None marks a called process that is not in this upload: the deployer looks it up.
    subprocess_specs: dict


@dataclass
class ModelSet:
    processes: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)   # file name -> XML text of BPMN/DMN files
    resources: dict = field(default_factory=dict)   # file name -> bytes of forms and schemas


def is_model_file(name):
    return name.lower().endswith(MODEL_SUFFIXES)


def read_models(files):
    """Parse [(file name, bytes)] together, so call activities and DMN resolve across them."""
    parser = SpiffBpmnParser()
    models = ModelSet()
    roots = {}
    problems = []
    for name, data in files:
        if not is_model_file(name):
            models.resources[name] = data
            continue
        try:
            root = parse_document(data, name)
        except InvalidModel as exc:
            problems.extend(exc.problems)
            continue
        roots[name] = root
        models.documents[name] = data.decode("utf-8", errors="replace")
        try:
            _add_document(parser, root, name)
        except ValidationException as exc:
            problems.append(_problem(exc, name, root))
    if problems:
        raise InvalidModel(problems)
    for name, root in roots.items():
        if root.tag == f"{{{BPMN_NS}}}definitions":
            problems.extend(_read_processes(parser, models, name, root))
    if not models.processes and not problems:
        problems.append(Problem(", ".join(roots) or "upload",
                                'no executable process: mark the process isExecutable="true" to run it'))
    if problems:
        raise InvalidModel(problems)
    return models


def _add_document(parser, root, name):
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if namespace == BPMN_NS:
        parser.add_bpmn_xml(root, filename=name)
    elif namespace in DMN_NAMESPACES:
        parser.add_dmn_xml(root, filename=name)
    else:
        raise ValidationException(f"not a BPMN 2.0 or DMN document (root element {root.tag})", file_name=name)


# SpiffWorkflow names internal task specs like this; a BPMN element with the same id is
# silently swallowed (a start event "Start" leaves the process with nothing to run).
RESERVED_IDS = {"Start", "End", "Root"}


def _read_processes(parser, models, name, root):
    problems = [Problem(name, f"element id '{el.get('id')}' is reserved by the engine; rename the element",
                        line=el.sourceline, element_id=el.get("id"))
                for el in root.iter() if el.get("id") in RESERVED_IDS and isinstance(el.tag, str)
                and el.tag.startswith(f"{{{BPMN_NS}}}")]
    if problems:
        return problems
    ids = root.xpath("bpmn:process/@id", namespaces={"bpmn": BPMN_NS})
    executable = set(parser.get_process_ids())
    for process_id in ids:
        if process_id not in executable:
            continue
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
        except ValidationException as exc:
            problems.append(_problem(exc, name, root))
            continue
        except Exception as exc:  # SpiffWorkflow raises plain errors for some malformed elements
            problems.append(Problem(name, f"cannot read process: {exc}", element_id=process_id,
                                    line=element_line(root, process_id)))
            continue
        models.processes[process_id] = ParsedProcess(
            key=process_id, name=spec.description or process_id, file=name,
            spec=spec, subprocess_specs=subprocess_specs)
    return problems


def _problem(exc, name, root):
    file = exc.file_name or name
    element_id = getattr(exc, "id", None) or None
    line = exc.line_number if isinstance(exc.line_number, int) else element_line(root, element_id)
    return Problem(file, str(exc.args[0]) if exc.args else str(exc), line=line, element_id=element_id)
