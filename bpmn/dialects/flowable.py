"""Flowable and Activiti (`flowable:`, `activiti:`): people, form properties, async, HTTP tasks,
external workers and decision tasks. Both engines share attribute names, so one module reads both."""
from . import forms
from .values import attr, child, children, flag, local, number, split_list, text_of

FLOWABLE = "http://flowable.org/bpmn"
ACTIVITI = "http://activiti.org/bpmn"
NAMESPACES = (FLOWABLE, ACTIVITI)
EXPRESSION_LANGUAGE = "juel"

_JAVA_ADVICE = ("Baton runs no Java: use an external worker task (flowable:type=\"external-worker\" "
                "flowable:topic=\"...\"), an HTTP task (flowable:type=\"http\") or a Python script task")
_HTTP_FIELDS = {"requestMethod": "method", "requestUrl": "url", "requestHeaders": "headers",
                "requestBody": "body", "requestBodyEncoding": "body_encoding", "requestTimeout": "timeout",
                "disallowRedirects": "disallow_redirects", "failStatusCodes": "fail_status_codes",
                "handleStatusCodes": "handle_status_codes", "ignoreException": "ignore_exception",
                "saveResponseParameters": "save_response_parameters",
                "responseVariableName": "result_variable", "resultVariablePrefix": "result_variable_prefix",
                "saveResponseParametersTransient": "save_response_transient",
                "saveResponseVariableAsJson": "response_as_json"}


def name_for(namespace):
    return "flowable" if namespace == FLOWABLE else "activiti"


def describe(node, out, findings, namespace):
    def a(name):
        return attr(node, namespace, name)

    tag = local(node)
    if a("assignee"):
        out["assignee"] = a("assignee")
    if split_list(a("candidateUsers")):
        out["candidate_users"] = split_list(a("candidateUsers"))
    if split_list(a("candidateGroups")):
        out["candidate_groups"] = split_list(a("candidateGroups"))
    if a("dueDate"):
        out["due"] = a("dueDate")
    if number(a("priority")) is not None:
        out["priority"] = number(a("priority"))
    if flag(a("async")):
        out["async_before"] = True
    if a("initiator"):
        out["initiator"] = a("initiator")
    properties = children(node, namespace, "formProperty")
    if properties:
        out["form"] = forms.fields_form([_field(p, namespace, findings) for p in properties
                                         if p.get("id") and p.get("writable") != "false"])
    elif a("formKey"):
        out["form_key"] = a("formKey")
        findings.warning("form-not-shown", f"form '{a('formKey')}' of '{node.get('id')}' is a {name_for(namespace)} "
                         "form definition; Baton shows the task without it (use form properties)")
    _implementation(node, tag, a, out, findings, namespace)
    _listeners(node, out, findings, namespace)


def _field(node, namespace, findings):
    options = [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
               for v in node.iterchildren(f"{{{namespace}}}value")]
    return forms.field(findings, node, node.get("variable") or node.get("id"), label=node.get("name"),
                       kind=node.get("type"), required=flag(node.get("required")),
                       default=node.get("default"), options=options)


def _fields(node, namespace):
    values = {}
    for field in children(node, namespace, "field"):
        content = field.get("stringValue") or field.get("expression")
        if content is None:
            inner = next((c for c in field if isinstance(c.tag, str)), None)
            content = text_of(inner) if inner is not None else None
        values[field.get("name")] = content
    return values


def _implementation(node, tag, a, out, findings, namespace):
    kind = a("type")
    prefix = name_for(namespace)
    if kind == "http":
        fields = _fields(node, namespace)
        connector = {"type": "http"}
        for field_name, key in _HTTP_FIELDS.items():
            if fields.get(field_name) is not None:
                connector[key] = fields[field_name]
        out["implementation"] = "connector"
        out["connector"] = connector
        if not connector.get("url"):
            findings.error("http-without-url", f"HTTP task '{node.get('id')}' has no requestUrl field")
    elif kind in ("external-worker", "external"):
        out["implementation"] = "external"
        out["topic"] = a("topic")
        if not out["topic"]:
            findings.error("external-without-topic", f"external worker task '{node.get('id')}' has no "
                           f"{prefix}:topic")
    elif kind == "dmn":
        decision = _fields(node, namespace).get("decisionTableReferenceKey")
        out["called_decision"] = decision
        out["implementation"] = "decision"
    elif kind:
        findings.error("unsupported-implementation", f"{prefix}:type=\"{kind}\" on {tag} '{node.get('id')}' is "
                       f"not supported; {_JAVA_ADVICE}")
    for java in ("class", "delegateExpression"):
        if a(java):
            out["implementation"] = "java"
            findings.error("java-class", f"{tag} '{node.get('id')}' calls Java ({prefix}:{java}=\"{a(java)}\"); "
                           f"{_JAVA_ADVICE}")
    if a("expression") and tag not in ("scriptTask", "userTask"):
        out["implementation"] = "java"
        findings.error("java-expression", f"{tag} '{node.get('id')}' runs the bean expression "
                       f"\"{a('expression')}\"; {_JAVA_ADVICE}")
    if a("resultVariable") or a("resultVariableName"):
        out["result_variable"] = a("resultVariable") or a("resultVariableName")


def _listeners(node, out, findings, namespace):
    listeners = []
    for kind in ("executionListener", "taskListener"):
        for listener in children(node, namespace, kind):
            described = {"kind": "execution" if kind == "executionListener" else "task",
                         "event": listener.get("event")}
            java = listener.get("class") or listener.get("delegateExpression") or listener.get("expression")
            if java:
                findings.error("java-listener", f"{kind} on '{node.get('id')}' runs '{java}'; Baton runs no Java: "
                               "model the work as a task of the process", listener)
            listeners.append(described)
    if listeners:
        out["listeners"] = listeners


def multi_instance(loop, namespace):
    collection = attr(loop, namespace, "collection")
    if collection is None:
        element = child(loop, namespace, "collection")
        collection = text_of(element) or (element.get("expression") if element is not None else None)
    return collection, attr(loop, namespace, "elementVariable"), None, None
