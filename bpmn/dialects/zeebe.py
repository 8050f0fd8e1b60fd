"""Camunda 8 / Zeebe (`zeebe:`): job types, io mappings, headers, assignment, schedules, forms,
called processes and decisions, multi-instance collections and FEEL script tasks."""
import json

from .values import child, children, local, number, split_list, text_of

NAMESPACE = "http://camunda.org/schema/zeebe/1.0"
NAME = "zeebe"
EXPRESSION_LANGUAGE = "feel"


def describe(node, out, findings):
    tag = local(node)
    task = child(node, NAMESPACE, "taskDefinition")
    if task is not None:
        out["implementation"] = "external"
        out["topic"] = task.get("type")
        if number(task.get("retries")) is not None:
            out["retries"] = number(task.get("retries"))
        if not task.get("type"):
            findings.error("external-without-topic", f"job worker task '{node.get('id')}' has no "
                           "zeebe:taskDefinition type; workers fetch jobs by type")
    io = child(node, NAMESPACE, "ioMapping")
    if io is not None:
        out["input_mappings"] = [{"target": m.get("target"), "source": m.get("source")}
                                 for m in io.iterchildren(f"{{{NAMESPACE}}}input")]
        out["output_mappings"] = [{"target": m.get("target"), "source": m.get("source")}
                                  for m in io.iterchildren(f"{{{NAMESPACE}}}output")]
    headers = {h.get("key"): h.get("value") for hs in children(node, NAMESPACE, "taskHeaders")
               for h in hs.iterchildren(f"{{{NAMESPACE}}}header") if h.get("key")}
    if headers:
        out["headers"] = headers
    assignment = child(node, NAMESPACE, "assignmentDefinition")
    if assignment is not None:
        if assignment.get("assignee"):
            out["assignee"] = assignment.get("assignee")
        if split_list(assignment.get("candidateGroups")):
            out["candidate_groups"] = split_list(assignment.get("candidateGroups"))
        if split_list(assignment.get("candidateUsers")):
            out["candidate_users"] = split_list(assignment.get("candidateUsers"))
    schedule = child(node, NAMESPACE, "taskSchedule")
    if schedule is not None:
        if schedule.get("dueDate"):
            out["due"] = schedule.get("dueDate")
        if schedule.get("followUpDate"):
            out["follow_up"] = schedule.get("followUpDate")
    priority = child(node, NAMESPACE, "priorityDefinition")
    if priority is not None and number(priority.get("priority")) is not None:
        out["priority"] = number(priority.get("priority"))
    form = child(node, NAMESPACE, "formDefinition")
    if form is not None:
        _form(node, form, out, findings)
    called = child(node, NAMESPACE, "calledElement")
    if called is not None:
        out["called_element"] = called.get("processId")
        out["propagate_all_child_variables"] = called.get("propagateAllChildVariables", "true") != "false"
    decision = child(node, NAMESPACE, "calledDecision")
    if decision is not None:
        out["called_decision"] = decision.get("decisionId")
        out["result_variable"] = decision.get("resultVariable")
    script = child(node, NAMESPACE, "script")
    if script is not None:
        out["script"] = {"language": "feel", "expression": script.get("expression"),
                         "result_variable": script.get("resultVariable")}
    properties = {p.get("name"): p.get("value") for ps in children(node, NAMESPACE, "properties")
                  for p in ps.iterchildren(f"{{{NAMESPACE}}}property") if p.get("name")}
    if properties:
        out["properties"] = properties
    listeners = [{"kind": "execution", "event": l.get("eventType"), "topic": l.get("type")}
                 for ls in children(node, NAMESPACE, "executionListeners")
                 for l in ls.iterchildren(f"{{{NAMESPACE}}}executionListener")]
    if listeners:
        out["listeners"] = listeners
        findings.error("job-listener", f"execution listeners of '{node.get('id')}' are job workers "
                       f"({', '.join(str(l['topic']) for l in listeners)}); Baton does not run listener jobs: "
                       "model them as service tasks")
    if tag in ("startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"):
        _subscription(node, out)


def _form(node, form, out, findings):
    if form.get("formId"):
        out["form"] = {"type": "form-js", "form_id": form.get("formId")}
        return
    key = form.get("formKey") or ""
    if key.startswith("camunda-forms:bpmn:"):
        embedded_id = key.rsplit(":", 1)[-1]
        root = node.getroottree().getroot()
        embedded = [f for f in root.iter(f"{{{NAMESPACE}}}userTaskForm") if f.get("id") == embedded_id]
        schema = None
        if embedded and text_of(embedded[0]):
            try:
                schema = json.loads(text_of(embedded[0]))
            except ValueError:
                findings.error("form-invalid", f"the form '{embedded_id}' of '{node.get('id')}' is not valid JSON",
                               embedded[0])
        if schema is None:
            findings.warning("form-missing", f"the form '{embedded_id}' of '{node.get('id')}' is empty or "
                             "missing; the task is shown without a form")
            return
        out["form"] = {"type": "form-js", "form_id": schema.get("id") if isinstance(schema, dict) else None,
                       "schema": schema}
    elif form.get("externalReference") or key:
        out["form_key"] = form.get("externalReference") or key
        findings.warning("form-not-shown", f"form '{out['form_key']}' of '{node.get('id')}' is an external "
                         "form; Baton shows the task without it (link a Camunda form by formId)")


def _subscription(node, out):
    root = node.getroottree().getroot()
    for definition in node:
        if local(definition) == "messageEventDefinition" or local(node) == "receiveTask":
            ref = definition.get("messageRef") if local(node) != "receiveTask" else node.get("messageRef")
            for message in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}message"):
                if message.get("id") == ref:
                    subscription = child(message, NAMESPACE, "subscription")
                    if subscription is not None:
                        out["correlation_key"] = subscription.get("correlationKey")
            return


def multi_instance(loop):
    """(input collection, input element, output collection, output element) of a loop element."""
    found = child(loop, NAMESPACE, "loopCharacteristics")
    if found is None:
        return None, None, None, None
    return (found.get("inputCollection"), found.get("inputElement"),
            found.get("outputCollection"), found.get("outputElement"))
