"""Variable names of FEEL/JUEL that Python cannot spell, and how they reach the sandbox.

FEEL allows "Credit Score"; Python allows neither that nor a task variable
named `max` that would silently resolve to the builtin when it is missing. Such
names become `feelvar_...` identifiers, and the script engine binds each task
variable that needs it under that name as well (see `aliases`).
"""
import keyword
import re

PREFIX = "feelvar_"

# Everything the sandbox child has among its builtins (engine/sandbox.py
# _safe_builtins), plus the helper namespaces: a FEEL name equal to one of them
# must not fall back to the builtin when the task has no such variable.
SANDBOX_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float", "frozenset",
    "int", "isinstance", "iter", "len", "list", "map", "max", "min", "next", "ord", "pow", "range",
    "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip", "Exception",
    "ArithmeticError", "AssertionError", "IndexError", "KeyError", "LookupError", "TypeError",
    "ValueError", "ZeroDivisionError", "math", "Decimal", "datetime", "date", "time", "timedelta",
    "timezone", "feel", "juel", "True", "False", "None",
})
# Names translated code uses for itself.
INTERNAL = frozenset({"item", "dmninputexpr", "feelinvalue"})


def needs_mangling(name):
    return (not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_")
            or name in SANDBOX_BUILTINS or name in INTERNAL or name.startswith((PREFIX, "feellocal_")))


def _encode(char):
    if char == "_":
        return "__"
    if char.isalnum() and char.isascii():
        return char
    return f"_x{ord(char):x}_"


def mangle(name):
    return PREFIX + "".join(_encode(c) for c in name)


def python_name(name):
    """The identifier a FEEL/JUEL variable has in translated code."""
    return mangle(name) if needs_mangling(name) else name


_ENCODED = re.compile(r"__|_x([0-9a-f]+)_")
_MANGLED = re.compile(re.escape(PREFIX) + r"(?:[A-Za-z0-9]|__|_x[0-9a-f]+_)*")


def unmangle(identifier):
    if not identifier.startswith(PREFIX):
        return identifier
    body = identifier[len(PREFIX):]
    return _ENCODED.sub(lambda m: "_" if m.group() == "__" else chr(int(m.group(1), 16)), body)


def unmangle_text(text):
    """An error message with the modeller's names in it instead of ours."""
    return _MANGLED.sub(lambda m: unmangle(m.group()), text)


def aliases(context):
    """Extra bindings so translated code finds task variables whose names it had to mangle."""
    return {mangle(k): v for k, v in context.items() if type(k) is str and needs_mangling(k)}
