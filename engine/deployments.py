"""Deploying models: parse, validate, store the files and one definition version per process."""
import hashlib
import json
from dataclasses import replace

from sqlalchemy import func, select

from bpmn import lint
from bpmn.problems import InvalidModel as ModelProblems, Problem
from bpmn.tasks import user_task_info

from . import state, subscriptions
from .errors import BadRequest, InvalidModel, NotFound
from .forms import check_schema
from .models import Deployment, ProcessDefinition, Resource, new_id
from .script_checks import script_problems

MAX_FILES = 50
ALLOWED_SUFFIXES = (".bpmn", ".bpmn2", ".bpmn20.xml", ".xml", ".dmn", ".form", ".json")


def definition_as_dict(row):
    return {"id": row.id, "key": row.key, "version": row.version, "name": row.name,
            "deployment_id": row.deployment_id, "resource": row.resource_name,
            "created_at": row.created_at.isoformat()}


def deploy(uow, files, name=None, user=None):
    """files: [(file name, bytes)]. Returns (deployment dict, created?)."""
    _check_upload(files)
    outcome = check_models(files)
    if outcome.errors:
        raise _invalid(outcome.errors)
    models = outcome.models
    problems, resolved = [], {}
    for parsed in models.processes.values():
        problems += _missing_form_files(uow.session, parsed, models)
        try:
            resolved[parsed.key] = _resolve_called(uow, parsed, models)
        except ModelProblems as exc:
            problems += exc.problems
    if problems:
        raise _invalid(problems)

    deployment = Deployment(id=new_id(), name=name or ", ".join(n for n, _ in files)[:255], created_by=user)
    results, new_rows = [], []
    for key, parsed in models.processes.items():
        spec_json = resolved[key]
        content_hash = _content_hash(parsed, models, spec_json)
        latest = _latest(uow.session, key)
        if latest is not None and latest.content_hash == content_hash:
            results.append(latest)
            continue
        row = ProcessDefinition(key=key, version=(latest.version + 1) if latest else 1, name=parsed.name,
                                deployment_id=deployment.id, resource_name=parsed.file,
                                content_hash=content_hash, bpmn_xml=models.documents[parsed.file],
                                spec_json=spec_json)
        results.append(row)
        new_rows.append(row)
    if not new_rows:
        # Nothing changed: answer with what is already there instead of a new version.
        shown = uow.session.get(Deployment, results[0].deployment_id)
    else:
        uow.session.add(deployment)
        uow.session.flush()
        uow.session.add_all(Resource(deployment_id=deployment.id, name=n, content=d) for n, d in files)
        uow.session.add_all(new_rows)
        subscriptions.deployed(uow.session, new_rows)
        uow.commit()
        shown = deployment
    return {"id": shown.id, "name": shown.name, "created_at": shown.created_at.isoformat(),
            "process_definitions": [definition_as_dict(r) for r in results]}, bool(new_rows)


def _form_files(parsed):
    """(file name, element id) of every form file the process's user tasks name."""
    for spec in [parsed.spec] + [s for s in parsed.subprocess_specs.values() if s]:
        for task_spec in spec.task_specs.values():
            if not getattr(task_spec, "manual", False):
                continue
            info = user_task_info(task_spec)
            for file_name in (info.form_schema_file, info.form_ui_schema_file):
                if file_name:
                    yield file_name, task_spec.bpmn_id


def _missing_form_files(session, parsed, models):
    """A form named by the model must be in this upload or deployed earlier, or the task has no form."""
    problems = []
    for file_name, element_id in _form_files(parsed):
        if file_name in models.resources or session.scalar(
                select(Resource.id).where(Resource.name == file_name).limit(1)) is not None:
            continue
        problems.append(Problem(parsed.file, f"form file '{file_name}' is named by the task but is not in this "
                                "upload nor deployed earlier; add it to the upload", element_id=element_id))
    return problems


def _content_hash(parsed, models, spec_json):
    """Any byte of the process's own file or of the forms it names makes a new version; other files do not."""
    digest = hashlib.sha256(models.documents[parsed.file].encode())
    digest.update(spec_json.encode())
    for file_name in sorted({f for f, _ in _form_files(parsed)}):
        if file_name in models.resources:
            digest.update(b"\0" + file_name.encode() + b"\0" + models.resources[file_name])
    return digest.hexdigest()


def _schema_problems(models, files):
    return [Problem(n, m, code="form-invalid") for n, m in ((n, check_schema(n, d)) for n, d in files
                                                             if n.lower().endswith((".json", ".form"))) if m]


def _script_problems(models, files):
    return [replace(p, code=p.code or "expression-refused")
            for parsed in models.processes.values() for p in script_problems(parsed, models.documents)]


# What a deployment checks beyond reading the models; `baton lint` runs the same.
MODEL_CHECKS = (_schema_problems, _script_problems)


def check_models(files):
    """Every problem with an upload that can be found without the database (bpmn.lint.Outcome)."""
    return lint.check(files, MODEL_CHECKS)


def _check_upload(files):
    if not files:
        raise BadRequest("no files: send one or more multipart parts named 'file'")
    if len(files) > MAX_FILES:
        raise BadRequest(f"too many files: at most {MAX_FILES} per deployment")
    names = [n for n, _ in files]
    bad = [n for n in names if not n or not n.lower().endswith(ALLOWED_SUFFIXES)]
    if bad:
        raise InvalidModel("unsupported file type", details=[
            {"file": n or "(no name)", "line": None, "element_id": None,
             "message": "expected .bpmn, .bpmn20.xml, .xml, .dmn, .form or .json"} for n in bad])
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BadRequest(f"the same file name was sent twice: {', '.join(duplicates)}")


def _invalid(problems):
    error = InvalidModel("the model is invalid: " + "; ".join(p.message for p in problems[:5]),
                         details=[p.as_dict() for p in problems])
    return error


def _latest(session, key):
    return session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                          .order_by(ProcessDefinition.version.desc()).limit(1))


def _resolve_called(uow, parsed, models):
    """The stored spec JSON, with processes called from it that were deployed earlier filled in."""
    data = json.loads(state.dump_specs(parsed.spec, {k: v for k, v in parsed.subprocess_specs.items() if v}))
    missing = [k for k, v in parsed.subprocess_specs.items() if v is None]
    while missing:
        called = missing.pop()
        if called in data["subprocess_specs"]:
            continue
        earlier = _latest(uow.session, called)
        if earlier is None:
            element = _calling_element(parsed.spec, parsed.subprocess_specs, called)
            raise ModelProblems([Problem(parsed.file, f"called process '{called}' is neither in this upload "
                                         "nor deployed earlier", element_id=element)])
        spec, subprocess_specs = state.spec_dicts(earlier.spec_json)
        data["subprocess_specs"][called] = spec
        for name, sub in subprocess_specs.items():
            data["subprocess_specs"].setdefault(name, sub)
    return json.dumps(data)


def _calling_element(spec, subprocess_specs, called):
    for candidate in [spec] + [s for s in subprocess_specs.values() if s]:
        for task_spec in candidate.task_specs.values():
            if getattr(task_spec, "spec", None) == called:
                return task_spec.bpmn_id
    return None


def list_definitions(uow, key=None, latest=False):
    query = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    if key:
        query = query.where(ProcessDefinition.key == key)
    if latest:
        newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
                  .group_by(ProcessDefinition.key).subquery())
        query = query.join(newest, (ProcessDefinition.key == newest.c.key)
                           & (ProcessDefinition.version == newest.c.v))
    return [definition_as_dict(r) for r in uow.session.scalars(query)]


def get_definition_row(uow, key, version=None):
    if version is None:
        row = _latest(uow.session, key)
    else:
        row = uow.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version))
    if row is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"no {which}process definition with key {key!r}")
    return row


def get_definition(uow, key, version=None):
    return definition_as_dict(get_definition_row(uow, key, version))


def get_definition_xml(uow, key, version=None):
    return get_definition_row(uow, key, version).bpmn_xml
