"""Reading the small values dialects put in attributes: lists, flags, numbers, expressions."""
import re

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)


def local(node):
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def attr(node, namespace, name):
    value = node.get(f"{{{namespace}}}{name}")
    return value.strip() if isinstance(value, str) else None


def children(node, namespace, name):
    """Direct extension children: extensionElements/ns:name."""
    found = []
    for ext in node.iterchildren(f"{{{BPMN_NS}}}extensionElements"):
        found.extend(ext.iterchildren(f"{{{namespace}}}{name}"))
    return found


def child(node, namespace, name):
    found = children(node, namespace, name)
    return found[0] if found else None


def split_list(value):
    """'a, b' or a FEEL list '=["a", "b"]' as ['a', 'b']; other expressions stay one item."""
    if value is None:
        return []
    text = value.strip()
    if not text:
        return []
    if text.startswith("=") and text[1:].strip().startswith("[") and text.endswith("]"):
        items = [i.strip().strip("\"'") for i in text[1:].strip()[1:-1].split(",")]
        return [i for i in items if i]
    if text.startswith(("=", "${", "#{")):
        return [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def flag(value):
    return str(value).strip().lower() == "true" if value is not None else False


def number(value):
    """An int for plain digits, else the text as written (an expression), else None."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else text


def expression_language(text):
    """The language an expression is written in, told by its form when the dialect does not say."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if _JUEL.match(stripped):
        return "juel"
    if stripped.startswith("="):
        return "feel"
    return "python"


def variable_name(expression):
    """The variable an expression like '${items}', '= items' or 'items' names, else None."""
    if not expression:
        return None
    text = expression.strip()
    match = _JUEL.match(text)
    if match:
        text = match.group(1).strip()
    elif text.startswith("="):
        text = text[1:].strip()
    return text if _IDENTIFIER.match(text) else None


def is_java_expression(text):
    return bool(text) and bool(_JUEL.match(text))


def text_of(node):
    return (node.text or "").strip() if node is not None else ""
