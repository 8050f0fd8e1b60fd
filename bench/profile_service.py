"""Where the time of the service-layer flow goes (the `baton-sqlite` variant of bench.core).

    .venv/bin/python -m bench.profile_service                 # time per step + SQL statements per instance
    .venv/bin/python -m bench.profile_service --cprofile      # + CPU-time cProfile, grouped by package
    .venv/bin/python -m bench.profile_service --pyinstrument  # + a pyinstrument call tree (if installed)
    .venv/bin/python -m bench.profile_service --postgres-url postgresql://...   # on PostgreSQL instead

The step timings wrap a few engine functions (so they add a little overhead of their own) and time the
database driver with SQLAlchemy events; "the rest" is SQLAlchemy's ORM work plus Baton's own code.
"""
import argparse
import collections
import cProfile
import functools
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.core import BatonService  # noqa: E402

# (module, attribute, label): wrapped where the callers look them up.
STEPS = [
    ("engine.sandbox", "Sandbox._call", "sandbox round trip (IPC)"),
    ("engine.runtime", "run_until_wait", "SpiffWorkflow engine steps"),
    ("engine.runtime", "complete_user_task", "SpiffWorkflow: run the user task"),
    ("engine.state", "dump_workflow", "serialize workflow state"),
    ("engine.state", "load_workflow", "deserialize workflow state"),
    ("engine.state", "new_workflow", "new workflow from cached spec"),
    ("engine.forms", "validate", "jsonschema validation"),
    ("engine.forms", "build_form", "build the task's form (resource lookup)"),
    ("engine.instances", "build_form", "build the task's form (resource lookup)"),
]


class Timers:
    def __init__(self):
        self.total = collections.defaultdict(float)
        self.nested = collections.defaultdict(float)
        self.calls = collections.Counter()
        self.stack = []

    def wrap(self, func, label):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            self.stack.append(label)
            try:
                return func(*args, **kwargs)
            finally:
                self.stack.pop()
                spent = time.perf_counter() - started
                self.total[label] += spent
                self.calls[label] += 1
                if self.stack:
                    self.nested[self.stack[-1]] += spent
        wrapper.__wrapped_by_bench__ = True
        return wrapper

    def install(self):
        import importlib
        for module_name, attribute, label in STEPS:
            module = importlib.import_module(module_name)
            owner, name = module, attribute
            if "." in attribute:
                owner, name = getattr(module, attribute.split(".")[0]), attribute.split(".")[1]
            func = getattr(owner, name, None)
            if func is None or getattr(func, "__wrapped_by_bench__", False):
                continue
            setattr(owner, name, self.wrap(func, label))

    def clear(self):
        self.total.clear()
        self.nested.clear()
        self.calls.clear()


def watch_sql(engine, timers):
    from sqlalchemy import event

    statements = collections.Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        timers.total["SQL: driver executes statements"] += time.perf_counter() - conn.info.pop("bench_t0")
        timers.calls["SQL: driver executes statements"] += 1
        statements[" ".join(statement.split()[:3])[:60]] += 1

    dialect = engine.dialect
    do_commit = dialect.do_commit

    def timed_commit(dbapi_connection):
        started = time.perf_counter()
        try:
            return do_commit(dbapi_connection)
        finally:
            timers.total["SQL: COMMIT"] += time.perf_counter() - started
            timers.calls["SQL: COMMIT"] += 1

    dialect.do_commit = timed_commit
    return statements


def by_package(stats, count):
    groups = collections.Counter()
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():
        if "sqlalchemy" in filename:
            key = "SQLAlchemy"
        elif "SpiffWorkflow" in filename:
            key = "SpiffWorkflow"
        elif "jsonschema" in filename or "referencing" in filename:
            key = "jsonschema"
        elif f"{ROOT}/engine/" in filename or f"{ROOT}/bpmn/" in filename:
            key = "Baton (engine/, bpmn/)"
        elif "sqlite3" in name or "psycopg" in filename:
            key = "database driver"
        elif filename.endswith(("json/encoder.py", "json/decoder.py", "json/__init__.py")):
            key = "json"
        elif filename.endswith("uuid.py"):
            key = "uuid"
        elif filename == "~":
            key = "builtins"
        else:
            key = "other"
        groups[key] += own
    total = sum(groups.values())
    print("\nCPU time by package (cProfile with process_time; instrumentation inflates Python-heavy code):")
    for key, spent in groups.most_common():
        print(f"  {key:<28} {1000 * spent / count:8.2f} ms/instance {100 * spent / total:6.1f} %")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--postgres-url")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="baton-profile-"))
    try:
        from engine import db
        url = args.postgres_url or f"sqlite:///{workdir / 'profile.db'}"
        variant = BatonService(url, "postgres" if args.postgres_url else "sqlite")
        variant.setup()
        timers = Timers()
        timers.install()
        statements = watch_sql(db.get_engine(), timers)
        for _ in range(50):
            variant.one()
        timers.clear()
        statements.clear()

        started = time.perf_counter()
        for _ in range(args.n):
            assert variant.one()
        elapsed = time.perf_counter() - started
        n = args.n
        print(f"{variant.name}: {n / elapsed:.1f} instances/s, {1000 * elapsed / n:.2f} ms per instance "
              "(with the timing wrappers)\n")
        print(f"{'step':<42} {'ms/instance':>11} {'own ms':>8} {'calls':>6}")
        named = 0.0
        for label in sorted(timers.total, key=lambda k: -timers.total[k]):
            own = timers.total[label] - timers.nested.get(label, 0.0)
            named += own
            print(f"{label:<42} {1000 * timers.total[label] / n:11.2f} {1000 * own / n:8.2f} "
                  f"{timers.calls[label] / n:6.1f}")
        print(f"{'the rest: SQLAlchemy ORM + Baton code':<42} {'':>11} {1000 * (elapsed - named) / n:8.2f}")
        print(f"\nSQL statements per instance: {sum(statements.values()) / n:.1f}")
        for text, count in statements.most_common():
            print(f"  {count / n:4.1f}  {text}")

        if args.cprofile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(n):
                variant.one()
            profile.disable()
            stats = pstats.Stats(profile)
            by_package(stats, n)
            print()
            stats.sort_stats("cumulative").print_stats(rf"{ROOT}/(engine|bpmn)/", 25)
        if args.pyinstrument:
            try:
                from pyinstrument import Profiler
            except ImportError:
                sys.exit("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(n):
                variant.one()
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
    finally:
        from engine import db
        db.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
