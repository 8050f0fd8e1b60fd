"""What reading a model found that a person must hear about: errors refuse the model, warnings do not."""
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    element_id: str | None = None
    line: int | None = None


class Findings:
    """Collects findings for one element; the parser gathers them for the whole upload."""

    def __init__(self, node=None):
        self.node = node
        self.items = []

    def _add(self, severity, code, message, node=None):
        node = self.node if node is None else node
        element_id = node.get("id") if node is not None else None
        line = node.sourceline if node is not None else None
        self.items.append(Finding(severity, code, message, element_id, line))

    def error(self, code, message, node=None):
        self._add(ERROR, code, message, node)

    def warning(self, code, message, node=None):
        self._add(WARNING, code, message, node)
