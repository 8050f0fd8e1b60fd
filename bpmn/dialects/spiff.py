"""SpiffArena (`spiffworkflow:`): what SpiffWorkflow itself runs, read into the neutral description.

Lanes name the group that may act; properties carry assignee, schedule and JSON-schema form files;
service task operators become connector tasks. Script unit tests are for the SpiffArena editor and
are ignored with a note.
"""
from .values import child, children, local, number, split_list, text_of

NAMESPACE = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NAME = "spiff"
EXPRESSION_LANGUAGE = "python"


def describe(node, out, findings):
    properties = {p.get("name"): p.get("value") for ps in children(node, NAMESPACE, "properties")
                  for p in ps.iterchildren(f"{{{NAMESPACE}}}property") if p.get("name")}
    if properties.get("assignee"):
        out["assignee"] = properties["assignee"]
    if split_list(properties.get("candidateUsers")):
        out["candidate_users"] = split_list(properties["candidateUsers"])
    if split_list(properties.get("candidateGroups")):
        out["candidate_groups"] = split_list(properties["candidateGroups"])
    if properties.get("dueDate"):
        out["due"] = properties["dueDate"]
    if number(properties.get("priority")) is not None:
        out["priority"] = number(properties["priority"])
    if properties.get("formJsonSchemaFilename"):
        out["form"] = {"type": "json-schema", "schema_file": properties["formJsonSchemaFilename"],
                       "ui_schema_file": properties.get("formUiSchemaFilename") or None}
    instructions = child(node, NAMESPACE, "instructionsForEndUser")
    if instructions is not None and text_of(instructions):
        out["instructions"] = text_of(instructions)
    operator = child(node, NAMESPACE, "serviceTaskOperator")
    if operator is not None:
        out["implementation"] = "connector"
        out["connector"] = {
            "type": "spiff-operator", "operator": operator.get("id"),
            "result_variable": operator.get("resultVariable") or None,
            "parameters": {p.get("id"): {"value": p.get("value"), "type": p.get("type")}
                           for ps in operator.iterchildren(f"{{{NAMESPACE}}}parameters")
                           for p in ps.iterchildren(f"{{{NAMESPACE}}}parameter") if p.get("id")},
        }
    if children(node, NAMESPACE, "unitTests"):
        out.setdefault("notes", []).append("script unit tests are for the SpiffArena editor; Baton ignores them")
    decision = child(node, NAMESPACE, "calledDecisionId")
    if decision is not None and text_of(decision):
        out["called_decision"] = text_of(decision)
    if local(node) == "userTask" and child(node, NAMESPACE, "variableName") is not None:
        out["result_variable"] = text_of(child(node, NAMESPACE, "variableName"))
