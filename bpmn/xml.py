"""Reading XML that came from outside, without letting it reach the network or the file system."""
from lxml import etree

from .problems import InvalidModel, Problem

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_ELEMENTS = 200_000

# resolve_entities/no_network/load_dtd close XXE; huge_tree stays off so libxml2's own
# limits stop billion-laughs style blow-ups even before our DOCTYPE check below.
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)


def parse_document(data: bytes, filename: str):
    """Parse bytes into an lxml tree or raise InvalidModel naming file and line."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidModel([Problem(filename, f"file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB",
                                    line=1, code="too-large")])
    if _has_doctype(data):
        raise InvalidModel([_DOCTYPE(filename)])
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise InvalidModel([Problem(filename, f"XML syntax error: {exc.msg}", line=line or 1,
                                    code="xml-syntax")]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        # A DOCTYPE is how entity bombs and external entities get in; no modeler writes one.
        raise InvalidModel([_DOCTYPE(filename)])
    elements = sum(1 for _ in root.iter())
    if elements > MAX_ELEMENTS:
        raise InvalidModel([Problem(filename, f"the document has {elements} XML elements; at most {MAX_ELEMENTS} "
                                    "are read", line=1, code="too-many-elements")])
    return root


def _DOCTYPE(filename):
    return Problem(filename, "documents with a DOCTYPE declaration are refused: BPMN needs none, and it is how "
                   "entity attacks get in; remove it", line=1, code="doctype")


def _has_doctype(data):
    """Whether the prolog declares a DOCTYPE, looked at before the parser sees any entity."""
    text = data[:65536]
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = text.decode("utf-16", errors="ignore").encode("utf-8")
    text = text.lstrip(b"\xef\xbb\xbf")
    position = 0
    while True:
        while position < len(text) and text[position:position + 1].isspace():
            position += 1
        if text.startswith(b"<?", position):
            end = text.find(b"?>", position)
        elif text.startswith(b"<!--", position):
            end = text.find(b"-->", position)
        else:
            return text[position:position + 9].upper() == b"<!DOCTYPE"
        if end < 0:
            return False
        position = end + 2


def element_line(root, element_id):
    """The source line of the element with this id, when it can be found."""
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None
