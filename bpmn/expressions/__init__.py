"""Expression languages of BPMN and DMN models, all turned into Python for the one sandbox.

JUEL and FEEL are parsed with lark grammars (juel.lark, feel.lark) into Python
`ast` trees that call the helpers of runtime.py (`feel.*`, `juel.*`), then
unparsed. Nothing is done by rewriting text, so the sandbox's static check sees
exactly what runs, and a FEEL or JUEL expression can reach no more than a
Python one.

Which language an expression is in: an explicit language (a DMN
expressionLanguage, a dialect's default) wins; otherwise its form decides:
`${...}`/`#{...}` is JUEL, a leading `=` is FEEL (Zeebe), anything else Python.
"""
import ast
import functools
import re

from . import feel, juel
from .errors import ExpressionSyntaxError
from .names import aliases, unmangle_text

__all__ = ["ExpressionSyntaxError", "INPUT", "UnsupportedLanguage", "aliases", "detect", "language_of",
           "translate", "translate_decision_expression", "translate_unary_tests",
           "unmangle_text"]

INPUT = feel.INPUT
LANGUAGES = ("python", "feel", "juel")


class UnsupportedLanguage(ExpressionSyntaxError):
    """A model names an expression language we do not run (groovy, javascript, ...)."""


def language_of(declared):
    """'feel', 'juel', 'python' or None (not declared) for an expressionLanguage/language attribute.

    Raises UnsupportedLanguage for a language that is declared but not one of ours.
    """
    if declared is None or not declared.strip():
        return None
    text = declared.strip().lower()
    if text == "feel" or "/feel" in text or text.endswith(":feel"):
        return "feel"
    if text in ("juel", "el", "jexl-el") or text.endswith(("/juel", ":juel")):
        return "juel"
    if text in ("python", "python3", "py") or "python" in text:
        return "python"
    raise UnsupportedLanguage(f"expression language '{declared.strip()}' is not supported "
                              "(use FEEL, JUEL or Python)", declared)


def detect(source, mode="eval"):
    """The language an undeclared expression is written in, from its form."""
    if mode != "eval" or not isinstance(source, str):
        return "python"
    text = source.lstrip()
    if text.startswith(("${", "#{")):
        return "juel"
    if text.startswith("=") and not text.startswith("=="):
        return "feel"
    return "python"


@functools.lru_cache(maxsize=4096)
def translate(source, language=None, mode="eval"):
    """Python source for an expression (mode 'eval') or script (mode 'exec') in any of our languages.

    Python comes back unchanged; the sandbox checks it. JUEL and FEEL raise
    ExpressionSyntaxError (a SyntaxError) when they do not parse.
    """
    language = language or detect(source, mode)
    if language == "python":
        return source
    if mode != "eval":
        raise ExpressionSyntaxError(f"scripts must be Python, not {language.upper()}", source)
    if language == "feel":
        text = source.strip()
        if text.startswith("=") and not text.startswith("=="):
            text = text[1:]
        return _unparse(feel.expression(text))
    if language == "juel":
        return _unparse(juel.expression(source.strip()))
    raise UnsupportedLanguage(f"expression language '{language}' is not supported", source)


@functools.lru_cache(maxsize=4096)
def translate_decision_expression(source, language="feel"):
    """Python source for a DMN input expression or output entry (JUEL needs no ${...} there)."""
    if language == "juel":
        return _unparse(juel.expression(source.strip(), bare=True))
    return translate(source, language)


@functools.lru_cache(maxsize=4096)
def translate_unary_tests(source, language="feel", input_name="cellInput"):
    """Python source that is true when INPUT matches a DMN input entry.

    FEEL: unary tests (`"a","b"`, `< 5`, `[1..10]`, `not(...)`, `-`, `? > x`).
    JUEL: `${cellInput > 5}` (input_name is the column's inputVariable) or `> 5`.
    Python (SpiffWorkflow's DMN dialect): `"a"`, `> 5`, `4 < ? < 6`.
    """
    source = source or ""
    if language == "feel":
        return _unparse(feel.unary_tests(source))
    if language == "juel":
        return _unparse(juel.unary_test(source, ast.Name(INPUT, ast.Load()), input_name))
    if language == "python":
        return _unparse(_python_unary_test(source))
    raise UnsupportedLanguage(f"expression language '{language}' is not supported", source)


# SpiffWorkflow's own rule for `?` in a Python cell: a question mark outside quotes.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _python_unary_test(source):
    text = source.strip()
    if text in ("", "-"):
        return ast.Constant(True)
    if _QUESTION_MARK.search(text):
        return _parse_python(_QUESTION_MARK.sub(INPUT, text), source)
    try:
        value = ast.parse(text, mode="eval").body
    except SyntaxError:
        return _parse_python(f"{INPUT} {text}", source)   # "> 5", "in ['a', 'b']"
    return ast.Compare(ast.Name(INPUT, ast.Load()), [ast.Eq()], [value])


def _parse_python(text, source):
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ExpressionSyntaxError(f"Python syntax error: {exc.msg}", source) from None


def _unparse(node):
    return ast.unparse(ast.fix_missing_locations(ast.Expression(node)))
