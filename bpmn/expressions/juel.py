"""JUEL (Unified EL) to a Python `ast` expression that calls the helpers of runtime.py as `juel.*`.

Only data is reachable: properties and indexes of task variables. Method and
function calls are refused here, before anything runs, because in Java they are
how EL reaches the host (`${''.getClass()}`); `class` is refused as a property.
"""
import ast
import functools
import pathlib

import lark

from .errors import ExpressionSyntaxError
from .names import python_name

_GRAMMAR = pathlib.Path(__file__).with_name("juel.lark")
_REFUSED_PROPERTIES = frozenset({"class", "declaringClass", "classLoader"})


@functools.lru_cache(maxsize=1)
def _parser():
    return lark.Lark(_GRAMMAR.read_text(), parser="lalr", start="body", maybe_placeholders=True)


def _helper(name, *args):
    return ast.Call(ast.Attribute(ast.Name("juel", ast.Load()), name, ast.Load()), list(args), [])


def _bool(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node
    return _helper("cond", node)


class _Translator:
    def __init__(self, source):
        self.source = source

    def error(self, message):
        raise ExpressionSyntaxError(f"JUEL: {message}", self.source)

    def expr(self, tree):
        if isinstance(tree, lark.Token):
            self.error(f"unexpected {tree!r}")
        return getattr(self, "t_" + tree.data)(*tree.children)

    def t_number(self, token):
        text = str(token)
        return ast.Constant(int(text) if text.isdigit() else float(text))

    def t_string(self, token):
        return ast.Constant(_unquote(str(token)))

    def t_true(self):
        return ast.Constant(True)

    def t_false(self):
        return ast.Constant(False)

    def t_null(self):
        return ast.Constant(None)

    def t_var(self, token):
        return ast.Name(python_name(str(token)), ast.Load())

    def t_prop(self, value, name):
        if str(name) in _REFUSED_PROPERTIES:
            self.error(f"property '{name}' is not allowed")
        return _helper("prop", self.expr(value), ast.Constant(str(name)))

    def t_index(self, value, key):
        key_node = self.expr(key)
        if isinstance(key_node, ast.Constant) and key_node.value in _REFUSED_PROPERTIES:
            self.error(f"property '{key_node.value}' is not allowed")
        return _helper("prop", self.expr(value), key_node)

    def t_call(self, target, arguments):
        self.error(f"method and function calls are not allowed (calling {_describe(target)})")

    def t_function(self, prefix, name, arguments):
        self.error(f"function calls are not allowed ({prefix}:{name})")

    def t_ternary(self, test, then, otherwise):
        return ast.IfExp(_bool(self.expr(test)), self.expr(then), self.expr(otherwise))

    def t_and_(self, left, right):
        return ast.BoolOp(ast.And(), [_bool(self.expr(left)), _bool(self.expr(right))])

    def t_or_(self, left, right):
        return ast.BoolOp(ast.Or(), [_bool(self.expr(left)), _bool(self.expr(right))])

    def t_not_(self, operand):
        return _helper("not_", self.expr(operand))

    def t_neg(self, operand):
        node = self.expr(operand)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return ast.Constant(-node.value)
        return _helper("neg", node)

    def t_empty(self, operand):
        return _helper("empty", self.expr(operand))


def _binary(helper):
    def method(self, left, right):
        return _helper(helper, self.expr(left), self.expr(right))
    return method


for _rule in ("eq", "ne", "lt", "gt", "le", "ge", "add", "sub", "mul", "div", "mod"):
    setattr(_Translator, "t_" + _rule, _binary(_rule))


def _describe(target):
    if isinstance(target, lark.Tree) and target.data in ("prop", "var"):
        return f"'{target.children[-1]}(...)'"
    return "a computed value"


def _unquote(token):
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _parse(body, source):
    try:
        return _parser().parse(body)
    except lark.exceptions.UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        what = f"unexpected {str(token)!r}" if token is not None and str(token) else "unexpected end"
        raise ExpressionSyntaxError(f"JUEL syntax error: {what}", source) from None
    except lark.exceptions.LarkError as exc:
        raise ExpressionSyntaxError(f"JUEL syntax error: {exc}", source) from None


def _partial(tree):
    return isinstance(tree, lark.Tree) and tree.data.startswith("partial_")


def split(source):
    """Literal text and ${...}/#{...} bodies, in order: [(is_expression, text)]."""
    parts, i, text = [], 0, []
    while i < len(source):
        if source[i] in "$#" and source[i + 1:i + 2] == "{":
            end = _closing_brace(source, i + 2)
            if end < 0:
                raise ExpressionSyntaxError("JUEL syntax error: '" + source[i:i + 2] + "' is never closed", source)
            if text:
                parts.append((False, "".join(text)))
                text = []
            parts.append((True, source[i + 2:end]))
            i = end + 1
        elif source[i] == "\\" and source[i + 1:i + 2] in ("$", "#"):
            text.append(source[i + 1])
            i += 2
        else:
            text.append(source[i])
            i += 1
    if text:
        parts.append((False, "".join(text)))
    return parts


def _closing_brace(source, start):
    quote = None
    i = start
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "}":
            return i
        i += 1
    return -1


def expression(source, bare=False):
    """A JUEL value expression (text with ${...} in it) as a Python ast expression node.

    bare: text without any ${...} is one expression, not literal text, as DMN
    engines read input expressions and output entries.
    """
    parts = split(source)
    if bare and not any(is_expression for is_expression, _ in parts):
        parts = [(True, source)]
    nodes = []
    for is_expression, text in parts:
        if not is_expression:
            nodes.append(ast.Constant(text))
            continue
        tree = _parse(text, source)
        if _partial(tree):
            raise ExpressionSyntaxError(f"JUEL syntax error: unexpected {text.split()[0]!r}", source)
        nodes.append(_Translator(source).expr(tree))
    if len(nodes) == 1 and parts[0][0]:
        return nodes[0]   # a lone ${...} keeps its type
    return _helper("concat", *nodes)


def unary_test(source, input_node, input_name="cellInput"):
    """A DMN input entry in JUEL: `${cellInput > 5}`, or Flowable's `> 5` / `== 'a'`, or a value.

    A boolean result is the answer; any other value must equal the input.
    """
    text = source.strip()
    if text in ("", "-"):
        return ast.Constant(True)
    parts = split(text)
    if len(parts) == 1 and not parts[0][0]:
        tree = _parse(text, source)
    elif len(parts) == 1:
        tree = _parse(parts[0][1], source)
    else:
        return _helper("eq", input_node, expression(text))
    translator = _Translator(source)
    if _partial(tree):
        operator = tree.data.removeprefix("partial_")
        return _helper(operator, input_node, translator.expr(tree.children[0]))
    value = translator.expr(tree)
    parameter = python_name(input_name)
    if not _mentions(value, parameter):
        return _helper("eq", input_node, value)
    return ast.Call(ast.Lambda(ast.arguments([], [ast.arg(parameter)], None, [], [], None, []), value),
                    [input_node], [])


def _mentions(node, name):
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))
