"""The one error translation raises: a SyntaxError, so callers that probe Python syntax keep working."""


class ExpressionSyntaxError(SyntaxError):
    """The expression does not parse in its language; str() names the expression."""

    def __init__(self, message, source):
        super().__init__(f"{message} in expression {source!r}")
        self.reason = message
        self.source = source
        self.lineno = 1
