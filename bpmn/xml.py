"""Reading XML that came from outside, without letting it reach the network or the file system."""
from lxml import etree

from .problems import InvalidModel, Problem

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

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
        raise InvalidModel([Problem(filename, f"file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")])
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise InvalidModel([Problem(filename, f"XML syntax error: {exc.msg}", line=line)]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        # A DOCTYPE is how entity bombs and external entities get in; no modeler writes one.
        raise InvalidModel([Problem(filename, "documents with a DOCTYPE declaration are refused", line=1)])
    return root


def element_line(root, element_id):
    """The source line of the element with this id, when it can be found."""
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None
