"""Camunda 7 (`camunda:`): people, forms, external tasks, io mappings, async, retries, listeners.

Camunda runs Java next to the process; Baton does not, so every place a model names a Java class
or a bean expression is refused with what to use instead.
"""
from . import forms
from .values import attr, child, children, flag, local, number, split_list, text_of

NAMESPACE = "http://camunda.org/schema/1.0/bpmn"
NAME = "camunda7"
EXPRESSION_LANGUAGE = "juel"

_JAVA_ADVICE = ('Baton runs no Java: make it an external task (camunda:type="external" camunda:topic="...") '
                "served by a worker, or a Python script task")
_ACTIVITIES = {"serviceTask", "sendTask", "businessRuleTask", "scriptTask", "userTask", "task", "manualTask",
               "receiveTask", "callActivity", "subProcess"}
_THROWING = {"intermediateThrowEvent", "endEvent"}


def describe(node, out, findings):
    def a(name):
        return attr(node, NAMESPACE, name)

    tag = local(node)
    _people(a, out)
    _form(node, out, findings)
    if flag(a("asyncBefore")) or flag(a("async")):
        out["async_before"] = True
    if flag(a("asyncAfter")):
        out["async_after"] = True
    retry = child(node, NAMESPACE, "failedJobRetryTimeCycle")
    if retry is not None and text_of(retry):
        out["retry_time_cycle"] = text_of(retry)
    if a("initiator"):
        out["initiator"] = a("initiator")
    _implementation(node, tag, out, findings)
    _io_mappings(node, out)
    _listeners(node, out, findings)
    _error_mappings(node, out)
    properties = {p.get("name"): p.get("value") for props in children(node, NAMESPACE, "properties")
                  for p in props.iterchildren(f"{{{NAMESPACE}}}property") if p.get("name")}
    if properties:
        out["properties"] = properties
    if tag == "businessRuleTask" and a("decisionRef"):
        out["called_decision"] = a("decisionRef")
        if a("resultVariable"):
            out["result_variable"] = a("resultVariable")
        if a("mapDecisionResult"):
            out["map_decision_result"] = a("mapDecisionResult")
    if tag == "scriptTask":
        if a("resultVariable"):
            out["result_variable"] = a("resultVariable")
        if a("resource"):
            findings.error("script-resource", f"the script of {tag} '{node.get('id')}' is in an external "
                           f"resource ({a('resource')}); put the Python script inside the model")
    if tag == "callActivity":
        _call_mappings(node, out)


def _people(a, out):
    if a("assignee"):
        out["assignee"] = a("assignee")
    for key, name in (("candidate_users", "candidateUsers"), ("candidate_groups", "candidateGroups")):
        if split_list(a(name)):
            out[key] = split_list(a(name))
    if a("dueDate"):
        out["due"] = a("dueDate")
    if a("followUpDate"):
        out["follow_up"] = a("followUpDate")
    if number(a("priority")) is not None:
        out["priority"] = number(a("priority"))


def _form(node, out, findings):
    form_key = attr(node, NAMESPACE, "formKey")
    form_ref = attr(node, NAMESPACE, "formRef")
    data = child(node, NAMESPACE, "formData")
    if data is not None:
        fields = [_field(f, findings) for f in data.iterchildren(f"{{{NAMESPACE}}}formField")]
        out["form"] = forms.fields_form([f for f in fields if f["id"]])
    elif form_ref:
        out["form"] = {"type": "form-js", "form_id": form_ref}
    elif form_key:
        if form_key.startswith("camunda-forms:"):
            out["form"] = {"type": "form-js", "form_file": form_key.rsplit(":", 1)[-1].rsplit("/", 1)[-1]}
        else:
            findings.warning("form-not-shown", f"form '{form_key}' is an HTML form of a Camunda web app; "
                             "Baton shows the task without it (use camunda:formData fields or a Camunda form)")
    if form_key:
        out["form_key"] = form_key


def _field(node, findings):
    constraints = {}
    for validation in node.iterchildren(f"{{{NAMESPACE}}}validation"):
        for constraint in validation.iterchildren(f"{{{NAMESPACE}}}constraint"):
            if constraint.get("name"):
                constraints[constraint.get("name")] = constraint.get("config")
    options = [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
               for v in node.iterchildren(f"{{{NAMESPACE}}}value")]
    return forms.field(findings, node, node.get("id"), label=node.get("label"), kind=node.get("type"),
                       default=node.get("defaultValue"), options=options, constraints=constraints)


def _implementation(node, tag, out, findings):
    carriers = [node] + [d for d in node if local(d) == "messageEventDefinition"]
    for carrier in carriers:
        kind = attr(carrier, NAMESPACE, "type")
        if kind == "external":
            out["implementation"] = "external"
            out["topic"] = attr(carrier, NAMESPACE, "topic")
            if attr(carrier, NAMESPACE, "taskPriority"):
                out["priority"] = number(attr(carrier, NAMESPACE, "taskPriority"))
            if not out["topic"]:
                findings.error("external-without-topic", f"external task '{node.get('id')}' has no camunda:topic; "
                               "workers fetch tasks by topic")
        elif kind:
            findings.error("unsupported-implementation", f"camunda:type=\"{kind}\" on {tag} '{node.get('id')}' "
                           f"is not supported; {_JAVA_ADVICE}")
        for java in ("class", "delegateExpression"):
            if attr(carrier, NAMESPACE, java):
                out["implementation"] = "java"
                findings.error("java-class", f"{tag} '{node.get('id')}' calls Java (camunda:{java}="
                               f"\"{attr(carrier, NAMESPACE, java)}\"); {_JAVA_ADVICE}")
        if attr(carrier, NAMESPACE, "expression") and (tag in _ACTIVITIES - {"scriptTask"} or tag in _THROWING):
            out["implementation"] = "java"
            findings.error("java-expression", f"{tag} '{node.get('id')}' runs the bean expression "
                           f"\"{attr(carrier, NAMESPACE, 'expression')}\"; {_JAVA_ADVICE}")
        if attr(carrier, NAMESPACE, "resultVariable") and tag == "serviceTask":
            out["result_variable"] = attr(carrier, NAMESPACE, "resultVariable")
    connector = child(node, NAMESPACE, "connector")
    if connector is not None:
        connector_id = text_of(next(connector.iterchildren(f"{{{NAMESPACE}}}connectorId"), None))
        io = next(connector.iterchildren(f"{{{NAMESPACE}}}inputOutput"), None)
        out["implementation"] = "connector"
        out["connector"] = {"type": "http" if connector_id == "http-connector" else connector_id,
                            "inputs": _parameters(io, "inputParameter"),
                            "outputs": _parameters(io, "outputParameter")}
        if connector_id != "http-connector":
            findings.error("unsupported-connector", f"connector '{connector_id}' of '{node.get('id')}' is not "
                           "available in Baton; use the HTTP connector or an external task")


def _parameters(io, kind):
    if io is None:
        return []
    result = []
    for parameter in io.iterchildren(f"{{{NAMESPACE}}}{kind}"):
        content = next((c for c in parameter if isinstance(c.tag, str)), None)
        if content is None:
            result.append({"target": parameter.get("name"), "source": text_of(parameter) or None})
        elif local(content) == "script":
            result.append({"target": parameter.get("name"), "source": text_of(content),
                           "language": (content.get("scriptFormat") or "").lower() or None})
        elif local(content) == "list":
            result.append({"target": parameter.get("name"), "list": [text_of(v) for v in content]})
        elif local(content) == "map":
            result.append({"target": parameter.get("name"),
                           "map": {e.get("key"): text_of(e) for e in content}})
        else:
            result.append({"target": parameter.get("name"), "source": text_of(content) or None})
    return result


def _io_mappings(node, out):
    io = child(node, NAMESPACE, "inputOutput")
    if io is None:
        return
    # Camunda keeps input parameters local to the activity (its worker sees them); only output
    # parameters write to the process scope. The engine applies them in that order.
    out["input_mappings"] = _parameters(io, "inputParameter")
    out["output_mappings"] = _parameters(io, "outputParameter")


def _call_mappings(node, out):
    inputs = [{"source": m.get("source") or m.get("sourceExpression"), "target": m.get("target"),
               "all": m.get("variables") == "all"} for m in children(node, NAMESPACE, "in")]
    outputs = [{"source": m.get("source") or m.get("sourceExpression"), "target": m.get("target"),
                "all": m.get("variables") == "all"} for m in children(node, NAMESPACE, "out")]
    if inputs:
        out["input_mappings"] = inputs
    if outputs:
        out["output_mappings"] = outputs


def _listeners(node, out, findings):
    listeners = []
    for kind in ("executionListener", "taskListener"):
        for listener in children(node, NAMESPACE, kind):
            event = listener.get("event")
            described = {"kind": "execution" if kind == "executionListener" else "task", "event": event}
            java = listener.get("class") or listener.get("delegateExpression")
            script = next(listener.iterchildren(f"{{{NAMESPACE}}}script"), None)
            if java:
                findings.error("java-listener", f"{kind} on '{node.get('id')}' ({event}) names the Java class or "
                               f"bean '{java}'; Baton runs no Java: use a Python script listener "
                               '(<camunda:script scriptFormat="python">)', listener)
            elif listener.get("expression"):
                findings.error("expression-listener", f"{kind} on '{node.get('id')}' ({event}) runs the bean "
                               f"expression '{listener.get('expression')}'; use a Python script listener", listener)
            elif script is not None:
                described["script"] = text_of(script)
                described["language"] = (script.get("scriptFormat") or "").lower()
                if described["language"] not in ("python", ""):
                    findings.error("script-language", f"{kind} on '{node.get('id')}' is written in "
                                   f"{script.get('scriptFormat')}; Baton runs Python scripts", listener)
            listeners.append(described)
    if listeners:
        out["listeners"] = listeners


def _error_mappings(node, out):
    mappings = [{"id": e.get("id"), "error_ref": e.get("errorRef"), "expression": e.get("expression")}
                for e in children(node, NAMESPACE, "errorEventDefinition")]
    if mappings:
        out["error_mappings"] = mappings


def multi_instance(loop):
    """(collection, element variable) of a multiInstanceLoopCharacteristics element."""
    return attr(loop, NAMESPACE, "collection"), attr(loop, NAMESPACE, "elementVariable"), None, None
