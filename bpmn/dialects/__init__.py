"""Vendor dialects of BPMN, each read into one neutral description per element.

A document's dialect is told by the extension namespaces it actually uses (a namespace that is
only declared says nothing). Every element is read by every dialect module, since modelers mix
them (a Camunda 8 file may still carry camunda: attributes); each module fills only what it finds.

The neutral description (a dict stored as ``task_spec.extensions["baton"]``) may hold:
assignee, candidate_users, candidate_groups, due, follow_up, priority, form, form_key, instructions,
implementation ("external" | "connector" | "decision"), topic, retries, retry_time_cycle, connector,
headers, input_mappings, output_mappings, async_before, async_after, listeners, error_mappings,
called_element, called_decision, result_variable, script, correlation_key, message, initiator,
properties, conditions, expression_language, notes, dialect.
"""
from lxml import etree

from . import camunda7, flowable, plain, spiff, zeebe
from .findings import Findings
from .values import BPMN_NS

PRECEDENCE = ("zeebe", "spiff", "camunda7", "flowable", "activiti")
NAMESPACES = {
    zeebe.NAMESPACE: "zeebe",
    spiff.NAMESPACE: "spiff",
    camunda7.NAMESPACE: "camunda7",
    flowable.FLOWABLE: "flowable",
    flowable.ACTIVITI: "activiti",
}
EXPRESSION_LANGUAGES = {"zeebe": "feel", "spiff": "python", "camunda7": "juel", "flowable": "juel",
                        "activiti": "juel"}
_XPATH = "http://www.w3.org/1999/XPath"


def namespaces_used(root):
    used = set()
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        used.add(etree.QName(node).namespace)
        for name in node.attrib:
            if name.startswith("{"):
                used.add(name[1:].split("}", 1)[0])
    return used


def detect(root):
    """The dialect of a document: the first vendor whose namespace it uses, else "plain"."""
    used = namespaces_used(root)
    for name in PRECEDENCE:
        if any(ns in used and n == name for ns, n in NAMESPACES.items()):
            return name
    return "plain"


def document_language(root, dialect):
    """The expression language a document declares or its dialect implies; None for plain Python."""
    if dialect in EXPRESSION_LANGUAGES:
        return EXPRESSION_LANGUAGES[dialect]
    declared = root.get("expressionLanguage")
    if declared and declared != _XPATH:
        return declared
    return None


def describe(node, dialect=None, language=None):
    """(neutral description, findings) of one BPMN element."""
    out = {}
    findings = Findings(node)
    plain.describe(node, out, findings)
    spiff.describe(node, out, findings)
    flowable.describe(node, out, findings, flowable.ACTIVITI)
    flowable.describe(node, out, findings, flowable.FLOWABLE)
    camunda7.describe(node, out, findings)
    zeebe.describe(node, out, findings)
    if dialect:
        out["dialect"] = dialect
    if language:
        out["expression_language"] = language
    return out, findings.items


def multi_instance(loop):
    """(input collection, input element, output collection, output element) a dialect gives a loop."""
    for read in (zeebe.multi_instance, camunda7.multi_instance,
                 lambda n: flowable.multi_instance(n, flowable.FLOWABLE),
                 lambda n: flowable.multi_instance(n, flowable.ACTIVITI)):
        found = read(loop)
        if found[0]:
            return found
    return None, None, None, None


__all__ = ["BPMN_NS", "describe", "detect", "document_language", "multi_instance", "namespaces_used"]
