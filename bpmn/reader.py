"""Turn the files of one upload into SpiffWorkflow process specs, or say what is wrong with them."""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from . import dialects
from .dialects.parser import BatonParser, unsupported
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
MODEL_SUFFIXES = (".bpmn", ".bpmn2", ".bpmn20.xml", ".xml", ".dmn")
MAX_ID_LENGTH = 255
MAX_NAME_LENGTH = 255
# SpiffWorkflow names internal task specs like this; a BPMN element with the same id is
# silently swallowed (a start event "Start" leaves the process with nothing to run).
RESERVED_IDS = {"Start", "End", "Root"}
UNSUPPORTED = ("complexGateway", "compensateEventDefinition")


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
    dialects: dict = field(default_factory=dict)    # file name -> "camunda7", "zeebe", "spiff", ..., "dmn"
    decisions: dict = field(default_factory=dict)   # DMN file name -> decision ids
    warnings: list = field(default_factory=list)    # Problems that do not stop a deployment


@dataclass
class Reading:
    models: ModelSet
    errors: list
    warnings: list


def is_model_file(name):
    return name.lower().endswith(MODEL_SUFFIXES)


def read_models(files):
    """Parse [(file name, bytes)] together, so call activities and DMN resolve across them."""
    reading = inspect(files)
    if reading.errors:
        raise InvalidModel(reading.errors)
    return reading.models


def inspect(files):
    """Everything reading an upload finds: the models it could read, errors and warnings."""
    parser = BatonParser()
    models = ModelSet()
    roots, added, errors = {}, {}, []
    for name, data in files:
        if not is_model_file(name):
            models.resources[name] = data
            continue
        try:
            root = parse_document(data, name)
        except InvalidModel as exc:
            errors.extend(exc.problems)
            continue
        roots[name] = root
        models.documents[name] = data.decode("utf-8", errors="replace")
        if _namespace(root) == BPMN_NS:
            dialect = dialects.detect(root)
            models.dialects[name] = dialect
            parser.set_dialect(root, dialect, dialects.document_language(root, dialect))
            errors.extend(_prescan(root, name))
        try:
            _add_document(parser, root, name, models)
            added[name] = root
        except ValidationException as exc:
            errors.append(_problem(exc, name, roots))
        except Exception as exc:  # a malformed document must become a message, never a crash
            errors.append(Problem(name, f"cannot read the document: {_describe(exc)}", line=root.sourceline,
                                  code="unreadable"))
    warnings = []
    for name, root in added.items():
        if _namespace(root) == BPMN_NS:
            found_errors, found_warnings = _read_processes(parser, models, name, root, roots)
            errors.extend(found_errors)
            warnings.extend(found_warnings)
    for finding in parser.findings:
        file = _file_of(finding, roots)
        problem = Problem(file, finding.message, line=finding.line, element_id=finding.element_id, code=finding.code)
        (errors if finding.severity == "error" else warnings).append(problem)
    if not models.processes and not errors and not models.decisions:
        errors.append(Problem(", ".join(roots) or "upload", "no executable process: mark the process "
                              'isExecutable="true" to run it', code="not-executable"))
    models.warnings = _unique(warnings)
    return Reading(models, _unique(errors), models.warnings)


def _namespace(root):
    return root.tag[1:].split("}")[0] if isinstance(root.tag, str) and root.tag.startswith("{") else ""


def _add_document(parser, root, name, models):
    namespace = _namespace(root)
    if namespace == BPMN_NS:
        parser.add_bpmn_xml(root, filename=name)
    elif namespace in DMN_NAMESPACES:
        models.dialects[name] = "dmn"
        before = set(parser.dmn_parsers)
        parser.add_dmn_xml(root, filename=name)
        models.decisions[name] = sorted(set(parser.dmn_parsers) - before)
    else:
        raise ValidationException(f"not a BPMN 2.0 or DMN document (root element {root.tag})", file_name=name)


def _prescan(root, name):
    """Problems visible in the document itself, found before SpiffWorkflow reads it."""
    problems = []
    executable = root.xpath("bpmn:process[@isExecutable='true']", namespaces={"bpmn": BPMN_NS})
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        element_id = element.get("id")
        if element_id in RESERVED_IDS:
            problems.append(Problem(name, f"element id '{element_id}' is reserved by the engine; rename the element",
                                    line=element.sourceline, element_id=element_id, code="reserved-id"))
        if element_id and len(element_id) > MAX_ID_LENGTH:
            problems.append(Problem(name, f"an element id is {len(element_id)} characters long; at most "
                                    f"{MAX_ID_LENGTH} are allowed", line=element.sourceline,
                                    element_id=element_id[:40] + "…", code="id-too-long"))
    for process in executable:
        for kind in UNSUPPORTED:
            for element in process.iter(f"{{{BPMN_NS}}}{kind}"):
                node = element.getparent() if kind.endswith("EventDefinition") else element
                problems.append(Problem(name, unsupported(kind, node.get("id")), line=node.sourceline,
                                        element_id=node.get("id"), code="unsupported-element"))
    return problems


def _read_processes(parser, models, name, root, roots):
    errors, warnings = [], []
    processes = root.xpath("bpmn:process", namespaces={"bpmn": BPMN_NS})
    if not processes:
        errors.append(Problem(name, "the document has no process to run", line=root.sourceline, code="no-process"))
        return errors, warnings
    runnable = [p for p in processes if p.get("isExecutable") == "true"]
    for process in processes:
        if process.get("isExecutable") != "true":
            (warnings if runnable else errors).append(Problem(
                name, f"process '{process.get('id')}' is not executable: mark it isExecutable=\"true\" to run it",
                line=process.sourceline, element_id=process.get("id"), code="not-executable"))
    for process in runnable:
        process_id = process.get("id")
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
        except ValidationException as exc:
            errors.append(_problem(exc, name, roots))
            continue
        except RecursionError:
            errors.append(Problem(name, "the process nests or calls itself too deeply to be read",
                                  line=process.sourceline, element_id=process_id, code="too-deep"))
            continue
        except Exception as exc:  # SpiffWorkflow raises plain errors for some malformed elements
            errors.append(Problem(name, f"cannot read process: {_describe(exc)}", element_id=process_id,
                                  line=process.sourceline, code="unreadable"))
            continue
        for called, called_spec in subprocess_specs.items():
            if called_spec is None:
                warnings.append(Problem(name, f"process '{called}' is called but not in this upload: it must "
                                        "have been deployed before", element_id=_caller(spec, subprocess_specs, called),
                                        line=element_line(root, _caller(spec, subprocess_specs, called)),
                                        code="called-process-elsewhere"))
        warnings.extend(_shorten_names(name, root, [spec] + [s for s in subprocess_specs.values() if s]))
        models.processes[process_id] = ParsedProcess(
            key=process_id, name=(spec.description or process_id)[:MAX_NAME_LENGTH], file=name,
            spec=spec, subprocess_specs=subprocess_specs)
    return errors, warnings


def _shorten_names(name, root, specs):
    """Names longer than the database keeps are cut, and the modeler is told."""
    warnings = []
    for spec in specs:
        for task_spec in spec.task_specs.values():
            bpmn_name = getattr(task_spec, "bpmn_name", None)
            if isinstance(bpmn_name, str) and len(bpmn_name) > MAX_NAME_LENGTH:
                task_spec.bpmn_name = bpmn_name[:MAX_NAME_LENGTH - 1] + "…"
                warnings.append(Problem(name, f"the name of '{task_spec.bpmn_id}' is {len(bpmn_name)} characters "
                                        f"long; it is shown cut to {MAX_NAME_LENGTH}", code="name-too-long",
                                        element_id=task_spec.bpmn_id, line=element_line(root, task_spec.bpmn_id)))
    return warnings


def _caller(spec, subprocess_specs, called):
    for candidate in [spec] + [s for s in subprocess_specs.values() if s]:
        for task_spec in candidate.task_specs.values():
            if getattr(task_spec, "spec", None) == called:
                return task_spec.bpmn_id
    return None


def _file_of(finding, roots):
    for file, root in roots.items():
        if finding.element_id and root.xpath("//*[@id=$id]", id=finding.element_id):
            return file
    return next(iter(roots), "upload")


def _problem(exc, name, roots):
    file = exc.file_name or name
    root = roots.get(file)
    if root is None:
        root = roots.get(name)
    element_id = getattr(exc, "id", None) or None
    line = exc.line_number if isinstance(exc.line_number, int) else None
    if line is None and root is not None:
        line = element_line(root, element_id)
    if line is None and element_id is None and root is not None:
        line = root.sourceline
    message = str(exc.args[0]) if exc.args else str(exc)
    return Problem(file, message, line=line, element_id=element_id, code=getattr(exc, "code", "invalid-model"))


def _describe(exc):
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"


def _unique(problems):
    seen, result = set(), []
    for problem in problems:
        key = (problem.file, problem.element_id, problem.code, problem.message)
        if key not in seen:
            seen.add(key)
            result.append(problem)
    return result
