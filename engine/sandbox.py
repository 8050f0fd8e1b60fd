"""Evaluate model expressions and scripts so that a model cannot reach the host.

Two independent layers; each alone should stop an escape:

1. `check_source` refuses, before anything runs, the syntax every known CPython
   escape needs: identifiers starting with `_` (`__class__`, `__globals__`, ...),
   frame/code/generator attributes, `str.format` (it resolves attribute names
   at run time), imports, classes, async code and calls to introspection
   builtins.
2. What passes runs in a long-lived child *process* (a fresh interpreter, not a
   fork, started with `-I -S` and an empty environment, so none of the
   server's memory, secrets or site-packages are in it). It has a curated
   builtins dict (plus the FEEL/JUEL helpers of bpmn/expressions/runtime.py), only plain data in its namespace, no free file descriptors,
   no file size, capped address space and CPU, and the parent kills it when a
   call exceeds its wall-clock timeout.

Only plain data crosses the process boundary, and the parent unpickles answers
with a whitelist, so even a compromised child cannot hand back live objects.

This file is also the child's program: `python -I -S sandbox.py --child ...`.
Keep its imports to the standard library.
"""
import ast
import collections
import datetime
import decimal
import functools
import importlib.util
import io
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import types
import uuid
import weakref

MiB = 1024 * 1024
DEFAULT_TIMEOUT = 5.0
DEFAULT_MEMORY_LIMIT = 512 * MiB
DEFAULT_MAX_RESULT_BYTES = 64 * MiB
MAX_SOURCE_CHARS = 100_000
_STARTUP_TIMEOUT = 30.0
_MAX_IDLE_CHILDREN = 8
_MAX_DEPTH = 100
_FILENAME = "<string>"  # what SpiffWorkflow's own engine uses for script frames
# FEEL/JUEL semantics as plain functions (`feel.add`, `juel.eq`, ...) for translated
# expressions. The child loads it by path: started with -I -S it has no sys.path to
# our packages, and must not get one.
HELPERS_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "bpmn", "expressions", "runtime.py")


class SandboxError(Exception):
    """A script or expression failed; str(exc) is the reason to show the modeller."""

    def __init__(self, message, error_type=None, lineno=None):
        super().__init__(message)
        self.message = message
        self.error_type = error_type or type(self).__name__
        self.lineno = lineno


class SandboxRefused(SandboxError):
    """The static check refused the source; nothing was run."""

    def __init__(self, problems, error_type="SandboxRefused", lineno=None, subject=None):
        message = "; ".join(problems)
        if error_type != "SyntaxError":
            message = "refused: " + message
        if subject:
            message = f"{subject} {message}"
        super().__init__(message, error_type, lineno)
        self.problems = list(problems)

    @classmethod
    def from_problems(cls, problems, subject=None):
        """Build from check_source() output; the line and kind come from the first problem."""
        try:
            lineno = int(problems[0].split(":", 1)[0].removeprefix("line "))
        except (IndexError, ValueError):
            lineno = None
        error_type = "SyntaxError" if ": syntax error: " in problems[0] else "SandboxRefused"
        return cls(problems, error_type, lineno, subject)


class SandboxTimeout(SandboxError):
    """The call ran longer than the wall-clock timeout; its process was killed."""


# --------------------------------------------------------------------------
# Static check

_ALLOWED_NODES = frozenset({
    ast.Module, ast.Expression,
    ast.FunctionDef, ast.Return, ast.Delete, ast.Assign, ast.AugAssign,
    ast.For, ast.While, ast.If, ast.Raise, ast.Try, ast.Assert, ast.Expr,
    ast.Pass, ast.Break, ast.Continue,
    ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp,
    ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
    ast.Compare, ast.Call, ast.FormattedValue, ast.JoinedStr, ast.Constant,
    ast.Attribute, ast.Subscript, ast.Starred, ast.Name, ast.List, ast.Tuple,
    ast.Slice, ast.comprehension, ast.ExceptHandler, ast.arguments, ast.arg,
    ast.keyword, ast.Load, ast.Store, ast.Del,
    *ast.operator.__subclasses__(), *ast.unaryop.__subclasses__(),
    *ast.cmpop.__subclasses__(), *ast.boolop.__subclasses__(),
})

_NODE_REASONS = {
    ast.Import: "import statements", ast.ImportFrom: "import statements",
    ast.ClassDef: "class definitions", ast.Global: "global statements",
    ast.Nonlocal: "nonlocal statements", ast.AsyncFunctionDef: "async code",
    ast.AsyncFor: "async code", ast.AsyncWith: "async code", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.With: "with statements",
    ast.Match: "match statements", ast.AnnAssign: "annotated assignments",
    ast.TryStar: "except* clauses", ast.alias: "import statements",
    ast.withitem: "with statements", ast.match_case: "match statements",
    **{pattern: "match statements" for pattern in ast.pattern.__subclasses__()},
}

# Attributes that lead from an ordinary object to frames, code or globals
# without an underscore, or that look attribute names up from a string.
_DENIED_ATTRIBUTES = frozenset({
    "mro", "format", "format_map", "gi_frame", "gi_code", "gi_yieldfrom",
    "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "ag_await",
    "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "tb_frame",
    "tb_next", "co_code", "co_consts",
})
_DENIED_PREFIXES = ("f_", "co_", "tb_", "gi_", "cr_", "ag_", "func_", "im_")

# These are absent from the child's builtins anyway; refusing the call up front
# gives a clear message instead of a NameError. A *variable* named `type` or
# `input` is common in task data, so only calls are refused.
_DENIED_CALLS = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr",
    "hasattr", "globals", "locals", "vars", "dir", "type", "breakpoint",
    "input", "help", "memoryview", "object", "super", "classmethod",
    "staticmethod", "property", "format", "id", "exit", "quit",
})


def _identifiers(node):
    """The identifiers a node introduces or looks up, whatever its kind."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, (ast.keyword, ast.ExceptHandler, ast.FunctionDef)):
        return [node.arg if isinstance(node, ast.keyword) else node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    return []


def _node_problems(node):
    kind = type(node)
    if kind not in _ALLOWED_NODES:
        return [f"{_NODE_REASONS.get(kind, kind.__name__)} not allowed"]
    problems = [f"names starting with '_' are not allowed: {name}"
                for name in _identifiers(node) if name and name.startswith("_")]
    if kind is ast.Attribute:
        if node.attr in _DENIED_ATTRIBUTES or node.attr.startswith(_DENIED_PREFIXES):
            problems.append(f"attribute not allowed: {node.attr}")
        if not isinstance(node.ctx, ast.Load):
            problems.append(f"assigning or deleting attributes is not allowed: {node.attr}")
    elif kind is ast.Call and isinstance(node.func, ast.Name) and node.func.id in _DENIED_CALLS:
        problems.append(f"calling '{node.func.id}' is not allowed")
    elif kind is ast.FunctionDef and node.decorator_list:
        problems.append("decorators are not allowed")
    return problems


@functools.lru_cache(maxsize=1024)
def _check(source, mode):
    if len(source) > MAX_SOURCE_CHARS:
        return (f"line 1: source longer than {MAX_SOURCE_CHARS} characters",)
    try:
        tree = ast.parse(source, _FILENAME, mode)
    except SyntaxError as exc:
        return (f"line {exc.lineno or 1}: syntax error: {exc.msg}",)
    except (RecursionError, MemoryError, ValueError) as exc:
        return (f"line 1: cannot parse: {type(exc).__name__}",)
    found = {}   # a dict keeps the first of duplicate messages
    stack = [(tree, 1)]
    while stack:   # not ast.walk: nodes without a line number (withitem, alias) inherit their parent's
        node, line = stack.pop()
        line = getattr(node, "lineno", line)
        for problem in _node_problems(node):
            found.setdefault(f"line {line}: {problem}", line)
        stack.extend(reversed([(child, line) for child in ast.iter_child_nodes(node)]))
    # Source order, so the first problem is on the first offending line.
    return tuple(sorted(found, key=found.get))


def check_source(source, mode):
    """Static validation; returns human-readable problems, [] when the source is acceptable.

    An expression in JUEL (`${...}`) or FEEL (`= ...`) is checked as the Python it translates to.
    """
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    if not isinstance(source, str):
        return [f"line 1: source must be a string, not {type(source).__name__}"]
    try:
        source, _ = _as_python(source, mode)
    except SyntaxError as exc:
        return [f"line 1: syntax error: {getattr(exc, 'reason', exc.msg)}"]
    return list(_check(source, mode))


def _as_python(source, mode):
    """(Python source, whether it was translated) for an expression in any of the model languages."""
    text = source.lstrip()
    if mode != "eval" or not (text.startswith(("${", "#{")) or (text.startswith("=") and not text.startswith("=="))):
        return source, False
    # Only the parent gets here; the child (no sys.path to our packages) is sent Python.
    from bpmn.expressions import translate
    return translate(source), True


# --------------------------------------------------------------------------
# Plain data: the only thing that crosses the process boundary

_SCALARS = frozenset({str, int, float, bool, type(None), decimal.Decimal,
                      datetime.date, datetime.timedelta, uuid.UUID})
_COLLECTIONS = frozenset({list, tuple, set, frozenset})
_MAPPINGS = frozenset({dict, collections.OrderedDict})


def is_plain(value, _depth=0):
    """True for JSON-like data (plus dates, Decimal, UUID), checked by exact type so subclasses can't smuggle code."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is datetime.datetime or kind is datetime.time:
        # A third-party tzinfo (dateutil, zoneinfo) is code; fixed offsets are data.
        return value.tzinfo is None or type(value.tzinfo) is datetime.timezone
    if _depth >= _MAX_DEPTH:
        return False
    if kind in _COLLECTIONS:
        return all(is_plain(item, _depth + 1) for item in value)
    if kind in _MAPPINGS:
        return all(is_plain(k, _depth + 1) and is_plain(v, _depth + 1) for k, v in value.items())
    return False


def sendable(key, value):
    """Whether a context entry reaches the sandbox; others are invisible to the script."""
    return type(key) is str and is_plain(value)


_PLAIN_GLOBALS = {
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
    ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"),
    ("uuid", "UUID"), ("collections", "OrderedDict"),
}


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _PLAIN_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the sandbox")


def _loads_plain(data):
    return _PlainUnpickler(io.BytesIO(data)).load()


# --------------------------------------------------------------------------
# Framing over pipes: 8-byte length, then a pickle

_HEADER = struct.Struct("!Q")


def _write_frame(fd, payload):
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd, size, wait=None):
    """Read size bytes; wait() blocks until readable or raises. EOF -> EOFError."""
    buf = bytearray()
    while len(buf) < size:
        if wait is not None:
            wait()
        chunk = os.read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("sandbox pipe closed")
        buf += chunk
    return bytes(buf)


def _read_frame(fd, wait=None):
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, wait))
    return _read_exact(fd, size, wait)


# --------------------------------------------------------------------------
# The child process

# C code such as datetime.strftime/strptime imports `time`/`_strptime` through the
# *caller's* builtins, so a missing __import__ would break them. Models cannot
# name it (underscore), and it hands out only these two, already imported.
_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})


def _internal_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name in _INTERNAL_IMPORTS and name in sys.modules:
        return sys.modules[name]
    raise ImportError(f"import of {name!r} is not allowed")


def _load_helpers(path):
    """The namespaces a helper module offers; loaded before the child hardens, as it opens a file."""
    spec = importlib.util.spec_from_file_location("baton_expression_runtime", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.namespaces()


def _safe_builtins(helpers=None):
    math_ns = types.SimpleNamespace(**{name: getattr(math, name) for name in (
        "ceil", "floor", "trunc", "sqrt", "exp", "log", "log10", "log2", "fabs",
        "isclose", "isfinite", "isnan", "prod", "fsum", "pi", "e", "inf", "nan")})
    names = (
        abs, all, any, bool, chr, dict, divmod, enumerate, filter, float,
        frozenset, int, isinstance, iter, len, list, map, max, min, next, ord,
        pow, range, repr, reversed, round, set, slice, sorted, str, sum, tuple, zip,
        Exception, ArithmeticError, AssertionError, IndexError, KeyError,
        LookupError, TypeError, ValueError, ZeroDivisionError,
    )
    safe = {f.__name__: f for f in names}
    safe["__import__"] = _internal_import
    safe.update(math=math_ns, Decimal=decimal.Decimal,
                datetime=datetime.datetime, date=datetime.date, time=datetime.time,
                timedelta=datetime.timedelta, timezone=datetime.timezone)
    safe.update(helpers or {})
    return safe


class _Child:
    """State of the child process's server loop."""

    def __init__(self, memory_limit, cpu_seconds, max_result_bytes, helpers_path=None):
        self.memory_limit = memory_limit
        self.cpu_seconds = cpu_seconds
        self.max_result_bytes = max_result_bytes
        self.builtins = _safe_builtins(_load_helpers(helpers_path) if helpers_path else None)
        self.compiled = {}

    def harden(self):
        # Anything imported lazily must be imported now: once file descriptors
        # are exhausted no module (or file) can be opened.
        datetime.datetime.strptime("2000", "%Y")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # so a write fails with EFBIG instead of killing us
        signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C in a dev server is the parent's business
        workdir = tempfile.mkdtemp(prefix="baton-sandbox-")
        os.chdir(workdir)
        os.rmdir(workdir)                               # relative paths now lead nowhere
        _lower_limit(resource.RLIMIT_CORE, 0)
        _lower_limit(resource.RLIMIT_FSIZE, 0)
        _lower_limit(resource.RLIMIT_AS, self.memory_limit)
        _lower_limit(resource.RLIMIT_NPROC, 0)          # no fork/exec, even if reached somehow
        _lower_limit(resource.RLIMIT_NOFILE, _lowest_free_fd())

    def arm_cpu_limit(self):
        # RLIMIT_CPU counts the process's whole life, so move the soft limit per
        # call; it is the backstop if the parent is gone and cannot kill us.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(usage.ru_utime + usage.ru_stime) + self.cpu_seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    def compile(self, mode, source):
        code = self.compiled.get((mode, source))
        if code is None:
            problems = list(_check(source, mode))   # again here, in case the parent was bypassed
            code = problems or compile(source, _FILENAME, mode)
            if len(self.compiled) > 2048:
                self.compiled.clear()
            self.compiled[(mode, source)] = code
        if isinstance(code, list):
            raise SandboxRefused.from_problems(code)
        return code

    def run(self, mode, source, context):
        code = self.compile(mode, source)
        namespace = dict(context)
        namespace["__builtins__"] = self.builtins   # last, so task data cannot replace it
        if mode == "eval":
            value = eval(code, namespace)
            if not is_plain(value):
                raise TypeError(f"the result is a {type(value).__name__}, not plain data")
            return value
        exec(code, namespace)
        return {k: v for k, v in namespace.items() if k != "__builtins__" and is_plain(v)}

    def answer(self, request):
        try:
            mode, source, context = pickle.loads(request)
            self.arm_cpu_limit()
            response = ("ok", self.run(mode, source, context))
        except SandboxRefused as exc:
            response = ("refused", exc.problems)
        except Exception as exc:
            response = ("err", type(exc).__name__, self.describe(exc), _script_line(exc))
        try:
            payload = pickle.dumps(response, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = None
            reason = f"the result cannot be returned: {self.describe(exc)}"
        else:
            reason = f"the result is larger than {self.max_result_bytes // MiB} MiB"
        if payload is None or len(payload) > self.max_result_bytes:
            payload = pickle.dumps(("err", "SandboxError", reason, None))
        return payload

    def describe(self, exc):
        if isinstance(exc, MemoryError):
            return f"MemoryError: memory limit of {self.memory_limit // MiB} MiB exceeded"
        try:
            text = str(exc)
        except Exception:
            text = ""
        if len(text) > 1000:   # e.g. a KeyError holding a huge key
            text = text[:1000] + "..."
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    def serve(self, rfd, wfd):
        _write_frame(wfd, pickle.dumps(("ready", None)))
        while True:
            try:
                request = _read_frame(rfd)
            except EOFError:
                return   # the parent went away
            _write_frame(wfd, self.answer(request))


def _lower_limit(which, value):
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass   # e.g. RLIMIT_NPROC below the current count on some kernels; the other layers remain


def _lowest_free_fd():
    # RLIMIT_NOFILE caps the *number* of a new descriptor; at the lowest free
    # number nothing new can be opened, while our pipes (above it) keep working.
    fd = 0
    while True:
        try:
            os.fstat(fd)
        except OSError:
            return fd
        fd += 1


def _script_line(exc):
    if isinstance(exc, SyntaxError):
        return exc.lineno
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _child_main(argv):
    rfd, wfd, memory_limit, cpu_seconds, max_result = (int(a) for a in argv[:5])
    child = _Child(memory_limit, cpu_seconds, max_result, argv[5] if len(argv) > 5 else None)
    child.harden()
    child.serve(rfd, wfd)


# --------------------------------------------------------------------------
# The parent side

_CHILD_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class _ChildGone(Exception):
    pass


class _ChildProcess:
    """One child interpreter and the two pipes to it."""

    def __init__(self, memory_limit, cpu_seconds, max_result_bytes):
        to_child_r, self.wfd = os.pipe()
        self.rfd, from_child_w = os.pipe()
        args = [sys.executable, "-I", "-S", os.path.abspath(__file__), "--child",
                str(to_child_r), str(from_child_w), str(memory_limit), str(cpu_seconds),
                str(max_result_bytes), HELPERS_PATH]
        try:
            self.proc = subprocess.Popen(
                args, pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, env=_CHILD_ENV, close_fds=True)
        except BaseException:
            os.close(self.wfd)
            os.close(self.rfd)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.poller = select.poll()
        self.poller.register(self.rfd, select.POLLIN)
        try:
            if _loads_plain(self._receive(_STARTUP_TIMEOUT)) != ("ready", None):
                raise _ChildGone("unexpected greeting")
        except (SandboxTimeout, _ChildGone, EOFError, pickle.UnpicklingError) as exc:
            self.kill()
            raise SandboxError(f"the sandbox process failed to start: {exc}") from exc

    def alive(self):
        return self.proc.poll() is None

    def request(self, payload, timeout):
        try:
            _write_frame(self.wfd, payload)
        except (BrokenPipeError, OSError) as exc:
            raise _ChildGone(str(exc)) from exc
        return self._receive(timeout)

    def _receive(self, timeout):
        deadline = time.monotonic() + timeout

        def wait():
            left = deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(math.ceil(left * 1000)):
                raise SandboxTimeout(f"timed out after {timeout:g} s")

        try:
            return _read_frame(self.rfd, wait)
        except EOFError as exc:
            raise _ChildGone(str(exc)) from exc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._close_fds()

    def abandon(self):
        """After os.fork(): the process belongs to our parent; just drop our copies of its pipes."""
        self.proc.returncode = -1   # keeps subprocess from waiting on a process that is not ours
        self._close_fds()

    def _close_fds(self):
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.rfd = self.wfd = -1

    def describe_death(self):
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "the sandbox process stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return f"the sandbox process was killed by signal {name}"
        return f"the sandbox process exited (status {code})"


_instances = weakref.WeakSet()


class Sandbox:
    """Runs expressions and scripts in child processes; thread-safe, fork-aware.

    Each call borrows an idle child (or starts one), so concurrent threads never
    share a pipe; up to _MAX_IDLE_CHILDREN are kept for reuse.
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT, memory_limit=DEFAULT_MEMORY_LIMIT,
                 cpu_seconds=None, max_result_bytes=DEFAULT_MAX_RESULT_BYTES):
        self.timeout = float(timeout)
        self.memory_limit = int(memory_limit)
        self.cpu_seconds = int(cpu_seconds or max(10, math.ceil(self.timeout * 2)))
        self.max_result_bytes = int(max_result_bytes)
        self._closed = False
        self._after_fork()
        _instances.add(self)

    def evaluate(self, expression, context=None):
        """The value of a Python expression over the plain data in context."""
        return self._call("eval", expression, context)

    def execute(self, script, context=None):
        """Run a script; returns its plain-data top-level variables (the new context)."""
        return self._call("exec", script, context)

    def close(self):
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        # Idle children otherwise outlive a discarded Sandbox until our process exits.
        try:
            self.close()
        except Exception:
            pass   # interpreter shutdown; the children see EOF and exit on their own

    def _call(self, mode, source, context):
        problems = check_source(source, mode)
        if problems:
            raise SandboxRefused.from_problems(problems)
        source, translated = _as_python(source, mode)
        plain = {k: v for k, v in (context or {}).items() if sendable(k, v)}
        if translated or "feelvar_" in source:   # DMN cells come already translated
            from bpmn.expressions import aliases
            plain.update(aliases(plain))   # "Credit Score" and the like, under the names translation gave them
        payload = pickle.dumps((mode, source, plain), protocol=pickle.HIGHEST_PROTOCOL)
        child = self._acquire()
        try:
            raw = child.request(payload, self.timeout)
        except _ChildGone:
            reason = child.describe_death()
            child.kill()
            raise SandboxError(f"{reason} (memory or CPU limit?)") from None
        except BaseException:
            child.kill()   # a timeout, or an interrupt mid-protocol: the pipe is no longer in step
            raise
        self._release(child)
        response = _loads_plain(raw)
        if response[0] == "ok":
            return response[1]
        if response[0] == "refused":
            raise SandboxRefused.from_problems(response[1])
        _, error_type, message, lineno = response
        raise SandboxError(message, error_type, lineno)

    def _acquire(self):
        if self._pid != os.getpid():
            self._after_fork()
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            while self._idle:
                child = self._idle.pop()
                if child.alive():
                    return child
                child.kill()
        child = _ChildProcess(self.memory_limit, self.cpu_seconds, self.max_result_bytes)
        with self._lock:
            self._all.add(child)
        return child

    def _release(self, child):
        with self._lock:
            if not self._closed and self._pid == os.getpid() and len(self._idle) < _MAX_IDLE_CHILDREN:
                self._idle.append(child)
                return
        child.kill()

    def _after_fork(self):
        # A forked web/queue worker must not talk over its parent's pipes, and a
        # lock held by a thread that did not survive the fork would never be released.
        for child in getattr(self, "_all", ()):
            child.abandon()
        self._lock = threading.Lock()
        self._idle = []
        self._all = weakref.WeakSet()
        self._pid = os.getpid()


def _reset_after_fork():
    global _default_lock
    _default_lock = threading.Lock()
    for sandbox in list(_instances):
        sandbox._after_fork()


_default = None
_default_lock = threading.Lock()
os.register_at_fork(after_in_child=_reset_after_fork)


def get_sandbox():
    """The process-wide Sandbox, configured from BATON_SANDBOX_TIMEOUT (s) and BATON_SANDBOX_MEMORY_MB.

    After os.fork() it is the same object but with children of its own (see Sandbox._after_fork).
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox(
                timeout=float(os.environ.get("BATON_SANDBOX_TIMEOUT", DEFAULT_TIMEOUT)),
                memory_limit=int(os.environ.get("BATON_SANDBOX_MEMORY_MB", DEFAULT_MEMORY_LIMIT // MiB)) * MiB,
            )
        return _default


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    _child_main(sys.argv[2:])
