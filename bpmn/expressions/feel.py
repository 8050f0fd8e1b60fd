"""FEEL to a Python `ast` expression that calls the helpers of runtime.py as `feel.*`.

The parse tree is walked with a scope, so names bound by `for`/`some`/`every`
stay Python locals and names inside a filter look in the current item first.
"""
import ast
import functools
import pathlib
import re

import lark

from .errors import ExpressionSyntaxError
from .names import python_name

INPUT = "dmninputexpr"   # what `?` and a unary test's input are called in translated code
IN_VALUE = "feelinvalue"  # the left side of `x in ...` inside its test

_GRAMMAR = pathlib.Path(__file__).with_name("feel.lark")

# FEEL built-in name -> (helper, fewest arguments, most arguments, parameter names for named calls)
BUILTINS = {
    "date": ("date", 1, 3, ("from",)),
    "time": ("time", 1, 4, ("from",)),
    "date and time": ("date_and_time", 1, 2, ("from",)),
    "duration": ("duration", 1, 1, ("from",)),
    "years and months duration": ("years_and_months_duration", 2, 2, ("from", "to")),
    "now": ("now", 0, 0, ()),
    "today": ("today", 0, 0, ()),
    "day of week": ("day_of_week", 1, 1, ("date",)),
    "day of year": ("day_of_year", 1, 1, ("date",)),
    "week of year": ("week_of_year", 1, 1, ("date",)),
    "month of year": ("month_of_year", 1, 1, ("date",)),
    "string": ("string", 1, 1, ("from",)),
    "number": ("number", 1, 3, ("from", "grouping separator", "decimal separator")),
    "string length": ("string_length", 1, 1, ("string",)),
    "upper case": ("upper_case", 1, 1, ("string",)),
    "lower case": ("lower_case", 1, 1, ("string",)),
    "substring": ("substring", 2, 3, ("string", "start position", "length")),
    "substring before": ("substring_before", 2, 2, ("string", "match")),
    "substring after": ("substring_after", 2, 2, ("string", "match")),
    "contains": ("contains", 2, 2, ("string", "match")),
    "starts with": ("starts_with", 2, 2, ("string", "match")),
    "ends with": ("ends_with", 2, 2, ("string", "match")),
    "matches": ("matches_pattern", 2, 3, ("input", "pattern", "flags")),
    "replace": ("replace", 3, 4, ("input", "pattern", "replacement", "flags")),
    "split": ("split", 2, 2, ("string", "delimiter")),
    "string join": ("string_join", 1, 4, ("list", "delimiter", "prefix", "suffix")),
    "trim": ("trim", 1, 1, ("string",)),
    "count": ("count", 1, None, ("list",)),
    "min": ("min", 1, None, ("list",)),
    "max": ("max", 1, None, ("list",)),
    "sum": ("sum", 1, None, ("list",)),
    "mean": ("mean", 1, None, ("list",)),
    "median": ("median", 1, None, ("list",)),
    "product": ("product", 1, None, ("list",)),
    "all": ("all", 1, None, ("list",)),
    "any": ("any", 1, None, ("list",)),
    "list contains": ("list_contains", 2, 2, ("list", "element")),
    "append": ("append", 1, None, ("list",)),
    "concatenate": ("concatenate", 0, None, ()),
    "sublist": ("sublist", 2, 3, ("list", "start position", "length")),
    "insert before": ("insert_before", 3, 3, ("list", "position", "newItem")),
    "remove": ("remove", 2, 2, ("list", "position")),
    "reverse": ("reverse", 1, 1, ("list",)),
    "index of": ("index_of", 2, 2, ("list", "match")),
    "distinct values": ("distinct_values", 1, 1, ("list",)),
    "union": ("union", 0, None, ()),
    "flatten": ("flatten", 1, 1, ("list",)),
    "sort": ("sort", 1, 1, ("list",)),
    "decimal": ("decimal", 2, 2, ("n", "scale")),
    "floor": ("floor", 1, 2, ("n", "scale")),
    "ceiling": ("ceiling", 1, 2, ("n", "scale")),
    "round up": ("round_up", 1, 2, ("n", "scale")),
    "round down": ("round_down", 1, 2, ("n", "scale")),
    "round half up": ("round_half_up", 1, 2, ("n", "scale")),
    "round half down": ("round_half_down", 1, 2, ("n", "scale")),
    "abs": ("abs", 1, 1, ("n",)),
    "modulo": ("modulo", 2, 2, ("dividend", "divisor")),
    "sqrt": ("sqrt", 1, 1, ("number",)),
    "log": ("log", 1, 1, ("number",)),
    "exp": ("exp", 1, 1, ("number",)),
    "odd": ("odd", 1, 1, ("number",)),
    "even": ("even", 1, 1, ("number",)),
    "get value": ("get_value", 2, 2, ("m", "key")),
    "get entries": ("get_entries", 1, 1, ("m",)),
    "get or else": ("get_or_else", 2, 2, ("value", "default")),
    "is empty": ("is_empty", 1, 1, ("list",)),
    "not": ("not_", 1, 1, ("negand",)),
}


@functools.lru_cache(maxsize=1)
def _parser():
    return lark.Lark(_GRAMMAR.read_text(), parser="lalr", start=["start", "tests"],
                     propagate_positions=False, maybe_placeholders=True)


def _normal(name):
    return re.sub(r"\s+", " ", name.strip())


def _helper(name, *args):
    return ast.Call(ast.Attribute(ast.Name("feel", ast.Load()), name, ast.Load()), list(args), [])


def _thunk(node):
    """A zero-argument lambda, so the helper decides whether the operand is evaluated at all."""
    if isinstance(node, ast.Constant):
        return node
    return ast.Lambda(ast.arguments([], [], None, [], [], None, []), node)


def _lambda(parameter, body):
    return ast.Lambda(ast.arguments([], [ast.arg(parameter)], None, [], [], None, []), body)


def _uses_input(node):
    return any(isinstance(n, ast.Name) and n.id == INPUT for n in ast.walk(node))


def _binary(helper):
    def method(self, left, right):
        return _helper(helper, self.expr(left), self.expr(right))
    return method


class _Translator:
    def __init__(self, source):
        self.source = source
        self.bound = []        # FEEL names bound by for/some/every, innermost last
        self.filters = 0       # how many filters we are inside: their `item` is in scope

    def error(self, message):
        raise ExpressionSyntaxError(f"FEEL: {message}", self.source)

    # ---- names

    def name(self, tree):
        return _normal(str(tree.children[0]))

    def variable(self, feel_name):
        if feel_name == "item" and self.filters:
            return ast.Name("item", ast.Load())
        if any(feel_name in scope for scope in self.bound):
            return ast.Name(_local(feel_name), ast.Load())
        outer = ast.Name(python_name(feel_name), ast.Load())
        if self.filters:
            fallback = ast.Lambda(ast.arguments([], [], None, [], [], None, []), outer)
            return _helper("lookup", ast.Name("item", ast.Load()), ast.Constant(feel_name), fallback)
        return outer

    # ---- the walk

    def expr(self, tree):
        if isinstance(tree, lark.Token):
            self.error(f"unexpected {tree!r}")
        method = getattr(self, "t_" + tree.data, None)
        if method is None:
            self.error(f"{tree.data} is not supported")
        return method(*tree.children)

    def t_start(self, expression):
        return self.expr(expression)

    def t_number(self, token):
        text = str(token)
        return ast.Constant(float(text) if "." in text else int(text))

    def t_string(self, token):
        return ast.Constant(_unquote(str(token), self))

    def t_temporal(self, token):
        return _helper("at", ast.Constant(_unquote(str(token), self)))

    def t_true(self):
        return ast.Constant(True)

    def t_false(self):
        return ast.Constant(False)

    def t_null(self):
        return ast.Constant(None)

    def t_input(self):
        return ast.Name(INPUT, ast.Load())

    def t_var(self, name):
        return self.variable(self.name(name))

    def t_builtin_name(self, token):
        self.error(f"'{_normal(str(token))}' is a function: call it with (...)")

    def t_not_name(self):
        self.error("'not' is a function: call it with (...)")

    def t_list(self, *items):
        return ast.List([self.expr(i) for i in items if i is not None], ast.Load())

    def t_context(self, *entries):
        keys, values = [], []
        for entry in entries:
            if entry is None:
                continue
            key, value = entry.children
            keys.append(ast.Constant(self.name(key) if isinstance(key, lark.Tree) else _unquote(str(key), self)))
            values.append(self.expr(value))
        return ast.Dict(keys, values)

    def _interval(self, low, high, low_in, high_in):
        return _helper("range", self.expr(low), self.expr(high), ast.Constant(low_in), ast.Constant(high_in))

    def t_closed_interval(self, low, high):
        return self._interval(low, high, True, True)

    def t_open_interval(self, low, high):
        return self._interval(low, high, False, False)

    def t_open_closed_interval(self, low, high):
        return self._interval(low, high, False, True)

    def t_closed_open_interval(self, low, high):
        return self._interval(low, high, True, False)

    t_add, t_sub, t_mul, t_div, t_power = map(_binary, ("add", "sub", "mul", "div", "power"))
    t_eq, t_ne, t_lt, t_le, t_gt, t_ge = map(_binary, ("eq", "ne", "lt", "le", "gt", "ge"))

    def t_neg(self, operand):
        node = self.expr(operand)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return ast.Constant(-node.value)
        return _helper("neg", node)

    def t_and_(self, left, right):
        return self._logic("and_", "and_", left, right)

    def t_or_(self, left, right):
        return self._logic("or_", "or_", left, right)

    def _logic(self, helper, rule, left, right):
        # a and b and c -> one call, so the chain stays flat and short-circuits
        operands = []
        for side in (left, right):
            if isinstance(side, lark.Tree) and side.data == rule:
                inner = self._logic(helper, rule, *side.children)
                operands.extend(inner.args)
            else:
                operands.append(self.expr(side))
        return _helper(helper, operands[0], *[_thunk(o) for o in operands[1:]])

    def t_between(self, value, low, high):
        return _helper("between", self.expr(value), self.expr(low), self.expr(high))

    def t_instance_of(self, value, type_name):
        return _helper("instance_of", self.expr(value), ast.Constant(_normal(str(type_name.children[0]))))

    def t_in_(self, value, target):
        test = self.test(target, ast.Name(IN_VALUE, ast.Load()), input_makes_predicate=False)
        return ast.Call(_lambda(IN_VALUE, test), [self.expr(value)], [])

    def t_if_(self, condition, then, otherwise):
        return ast.IfExp(_helper("truth", self.expr(condition)), self.expr(then), self.expr(otherwise))

    def _iterations(self, iterations):
        generators, names = [], set()
        for iteration in iterations:
            name_tree, domain, last = iteration.children
            feel_name = self.name(name_tree)
            if last is not None:   # for i in 1..n
                domain_node = _helper("range", self.expr(domain), self.expr(last))
            else:
                domain_node = self.expr(domain)
            source = _helper("iterate", domain_node)
            generators.append(ast.comprehension(ast.Name(_local(feel_name), ast.Store()), source, [], 0))
            names.add(feel_name)
            self.bound.append({feel_name})   # later domains may use earlier names
        return generators, names

    def _comprehension(self, children):
        *iterations, body = children
        depth = len(self.bound)
        generators, _ = self._iterations(iterations)
        try:
            element = self.expr(body)
        finally:
            del self.bound[depth:]
        return ast.ListComp(element, generators)

    def t_for_(self, *children):
        return self._comprehension(children)

    def t_some(self, *children):
        return _helper("some", self._comprehension(children))

    def t_every(self, *children):
        return _helper("every", self._comprehension(children))

    def t_path(self, value, name):
        return _helper("get", self.expr(value), ast.Constant(self.name(name)))

    def t_filter(self, items, condition):
        target = self.expr(items)
        if isinstance(condition, lark.Tree) and condition.data in ("number", "neg"):
            return _helper("index", target, self.expr(condition))
        self.filters += 1
        try:
            predicate = self.expr(condition)
        finally:
            self.filters -= 1
        return _helper("filter", target, _lambda("item", predicate))

    def t_call(self, function, arguments):
        if isinstance(function, lark.Tree) and function.data == "var":
            feel_name = self.name(function.children[0])
        elif isinstance(function, lark.Tree) and function.data == "builtin_name":
            feel_name = _normal(str(function.children[0]))
        elif isinstance(function, lark.Tree) and function.data == "not_name":
            feel_name = "not"
        else:
            self.error("only built-in functions can be called")
        if feel_name not in BUILTINS:
            self.error(f"unknown function '{feel_name}'")
        helper, fewest, most, parameters = BUILTINS[feel_name]
        args = self.arguments(feel_name, arguments, parameters)
        if len(args) < fewest or (most is not None and len(args) > most):
            self.error(f"'{feel_name}' takes {fewest}{'' if most == fewest else f' to {most}'} "
                       f"arguments, not {len(args)}")
        return _helper(helper, *args)

    def arguments(self, feel_name, arguments, parameters):
        if arguments is None:
            return []
        items = arguments.children
        if not items or not (isinstance(items[0], lark.Tree) and items[0].data == "named_argument"):
            return [self.expr(a) for a in items]
        named = {}
        for item in items:
            key, value = item.children
            named[self.name(key)] = value
        unknown = set(named) - set(parameters)
        if unknown:
            self.error(f"'{feel_name}' has no parameter {sorted(unknown)[0]!r}")
        given = [p for p in parameters if p in named]
        positional = parameters[:len(given)]
        if tuple(given) != positional:
            self.error(f"'{feel_name}': named arguments must not leave gaps")
        return [self.expr(named[p]) for p in given]

    # ---- unary tests

    def test(self, tree, value, input_makes_predicate=True):
        """A positive unary test as a boolean-ish expression over `value`."""
        kind = tree.data if isinstance(tree, lark.Tree) else None
        comparisons = {"test_lt": "lt", "test_le": "le", "test_gt": "gt", "test_ge": "ge",
                       "test_eq": "eq", "test_ne": "ne"}
        if kind in comparisons:
            return _helper(comparisons[kind], value, self.expr(tree.children[0]))
        if kind == "test_value":
            tested = self.expr(tree.children[0])
            if input_makes_predicate and _uses_input(tested):
                return tested   # `? > 5`, `count(l[x = ?]) > 0`: the expression is the test
            return _helper("matches", value, tested)
        return _helper("matches", value, self.expr(tree))


def _local(feel_name):
    # Iteration variables are Python locals; give them a name no task variable has.
    return "feellocal_" + python_name(feel_name)


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'", "/": "/"}


def _unquote(token, translator):
    body = token[1:-1]
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            translator.error(f"unknown escape \\{nxt} in a string")
    return "".join(out)


def _parse(source, start):
    try:
        return _parser().parse(source, start=start)
    except lark.exceptions.UnexpectedInput as exc:
        column = getattr(exc, "column", None)
        where = f" at column {column}" if isinstance(column, int) and column > 0 else ""
        token = getattr(exc, "token", None)
        what = f"unexpected {str(token)!r}" if token is not None and str(token) else "unexpected end"
        raise ExpressionSyntaxError(f"FEEL syntax error{where}: {what}", source) from None
    except lark.exceptions.LarkError as exc:
        raise ExpressionSyntaxError(f"FEEL syntax error: {exc}", source) from None


def expression(source):
    """A FEEL expression as a Python ast expression node."""
    if not source.strip():
        raise ExpressionSyntaxError("FEEL: empty expression", source)
    return _Translator(source).expr(_parse(source, "start"))


def unary_tests(source):
    """DMN input entry: a Python ast expression over INPUT that is true when the input matches.

    `-` (or empty) matches anything, `not(t1, t2)` negates, `t1, t2` matches if any does.
    """
    text = source.strip()
    if text in ("", "-"):
        return ast.Constant(True)
    negated = _negation(text)
    translator = _Translator(source)
    tree = _parse(negated if negated is not None else text, "tests")
    value = ast.Name(INPUT, ast.Load())
    tests = [translator.test(t, value) for t in tree.children]
    node = tests[0] if len(tests) == 1 else _helper("or_", tests[0], *[_thunk(t) for t in tests[1:]])
    return _helper("not_", node) if negated is not None else node


def _negation(text):
    """The inside of `not(...)` when the parentheses enclose the whole entry."""
    found = re.match(r"not\s*\(", text)
    if not found or not text.endswith(")"):
        return None
    depth, in_string, escaped = 0, False, False
    for position in range(found.end() - 1, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            else:
                in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[found.end():-1] if position == len(text) - 1 else None
    return None
