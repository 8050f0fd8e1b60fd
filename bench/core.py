"""Core throughput benchmark: instances per second for start -> one user task -> complete.

The flow is tests/models/approval.bpmn (+ review-schema.json): a script task, a user task with a
JSON-schema form, an exclusive gateway, another script task, an end event. Every variant below runs the
same flow to completion and checks that it completed; only completed instances count.

  spiff              SpiffWorkflow alone, default PythonScriptEngine; the workflow is serialized with
                     BpmnWorkflowSerializer.serialize_json at the wait state, deserialized back, completed,
                     and serialized again: "SpiffWorkflow with its state serialized at each wait state".
                     This is the peer every other figure is divided by.
  spiff+sandbox      the same with Baton's SandboxScriptEngine, so the sandbox's cost shows on its own.
  baton-sqlite       Baton's service layer on SQLite: instances.start, tasks.list_tasks, tasks.complete,
                     each in its own engine.uow.unit_of_work (the three calls an API client makes).
  baton-postgres     the same on PostgreSQL (only with --postgres-url, or --start-services).
  baton-http         the Flask app over HTTP on 127.0.0.1 (werkzeug's threaded server or gunicorn, in a
                     child process), driven by one requests.Session with a bearer token.

Each variant is warmed up, then timed over N instances, R times. The rounds are interleaved (round 1 of
every variant, then round 2, ...) so that a noisy neighbour on a shared machine hits every variant alike.
The median of the R rounds is reported, with each variant's ratio to `spiff`.

This is a benchmark, not a test: nothing here asserts on timings.

    .venv/bin/python -m bench.core                     # SQLite and HTTP with a dead Redis URL
    .venv/bin/python -m bench.core --n 1000 --postgres-url postgresql://user@host/db --redis-url redis://...
    .venv/bin/python -m bench.core --start-services    # private redis-server + PostgreSQL, as the tests do
"""
import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:   # `python bench/core.py` puts bench/, not the repo, on sys.path
    sys.path.insert(0, str(ROOT))

MODELS = ROOT / "tests" / "models"
MODEL_FILES = ("approval.bpmn", "review-schema.json")
PROCESS_KEY = "approval"
START_DATA = {"amount": 250}
TASK_DATA = {"approved": True}
TARGET_RATIO = 0.5      # the issue: Baton through the service layer >= 50 % of raw SpiffWorkflow
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"   # nothing listens on port 1: connections are refused at once
PEER = "spiff"


# --------------------------------------------------------------------------- variants

class Variant:
    name = ""
    description = ""

    def setup(self):
        """Everything that is not measured: parsing, databases, servers, users."""

    def activate(self):
        """Before each round (another variant may have run in between)."""

    def one(self):
        """Run one instance from start to completion; True if it completed."""
        raise NotImplementedError

    def close(self):
        pass


class RawSpiff(Variant):
    """SpiffWorkflow alone, its state serialized at each wait state with its own serializer."""

    def __init__(self, sandbox=False):
        self.sandbox = sandbox
        self.name = "spiff+sandbox" if sandbox else "spiff"
        self.description = ("SpiffWorkflow + Baton's SandboxScriptEngine" if sandbox
                            else "SpiffWorkflow, PythonScriptEngine, serialize_json at each wait state")

    def setup(self):
        from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        # The same parser Baton uses (the model has spiffworkflow: extensions), so the same task specs.
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(MODELS / "approval.bpmn"))
        self.spec = parser.get_spec(PROCESS_KEY)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.script_engine = None
        if self.sandbox:
            from engine.scripting import SandboxScriptEngine
            self.script_engine = SandboxScriptEngine()

    def one(self):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        # script_engine=None: BpmnWorkflow makes its default PythonScriptEngine.
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.get_next_task(spec_name="Start").data.update(START_DATA)
        workflow.do_engine_steps()
        saved = self.serializer.serialize_json(workflow)          # the wait state, as it would be stored
        workflow = self.serializer.deserialize_json(saved)        # ... and loaded for the next request
        if self.script_engine is not None:
            workflow.script_engine = self.script_engine
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        task.data.update(TASK_DATA)
        task.run()
        workflow.do_engine_steps()
        self.serializer.serialize_json(workflow)
        return workflow.is_completed()


class BatonService(Variant):
    """engine.instances.start, engine.tasks.list_tasks, engine.tasks.complete in their own units of work."""

    def __init__(self, url, label):
        self.url = url
        self.name = f"baton-{label}"
        self.description = f"Baton service layer on {label}"

    def setup(self):
        from engine import db, deployments, migrate
        from engine.uow import unit_of_work

        migrate.upgrade(self.url)
        db.configure(self.url)
        with unit_of_work() as uow:
            deployments.deploy(uow, model_files(), name="bench")

    def activate(self):
        from engine import db
        db.configure(self.url)     # a no-op unless another service variant ran in between

    def one(self):
        from engine import instances, tasks
        from engine.uow import unit_of_work

        with unit_of_work() as uow:
            instance = instances.start(uow, PROCESS_KEY, dict(START_DATA))
        with unit_of_work() as uow:
            (task,) = tasks.list_tasks(uow, process_instance_id=instance["id"])
        with unit_of_work() as uow:
            done = tasks.complete(uow, task["id"], dict(TASK_DATA))
        return done["process_instance_state"] == "completed"


class BatonHttp(Variant):
    """The JSON API over a real socket: start, list the instance's tasks, complete."""

    def __init__(self, workdir, redis_url, server):
        self.workdir = Path(workdir)
        self.redis_url = redis_url
        self.server_kind = server
        self.name = "baton-http"
        self.description = f"Baton JSON API over HTTP ({server}, 1 client thread)"
        self.proc = None
        self.failures = {}

    def setup(self):
        import requests

        from engine import db, deployments, migrate, users
        from engine.uow import unit_of_work

        db_url = f"sqlite:///{self.workdir / 'http.db'}"
        migrate.upgrade(db_url)
        db.configure(db_url)
        with unit_of_work() as uow:
            deployments.deploy(uow, model_files(), name="bench")
        with unit_of_work() as uow:
            users.create_user(uow, "bench-admin", "bench-password", is_admin=True)
        with unit_of_work() as uow:
            token = users.create_token(uow, "bench-admin")
        db.dispose()

        env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=self.redis_url, SECRET_KEY="bench",
                   BATON_VAR_DIR=str(self.workdir / "var"), PYTHONUNBUFFERED="1")
        self.log = open(self.workdir / "http-server.log", "wb")
        if self.server_kind == "gunicorn":
            port = free_port()
            # As `baton serve` runs it (1 worker, gthread, 8 threads), without the access log.
            cmd = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread",
                   "--threads", "8", "web.wsgi:app()"]
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                         stdout=self.log, stderr=subprocess.STDOUT)
            wait_for_port(port, self.proc, self.workdir / "http-server.log")
        else:
            cmd = [sys.executable, "-m", "bench._http_server"]
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=self.log, text=True)
            line = self.proc.stdout.readline()
            if not line.startswith("PORT "):
                self.close()
                raise RuntimeError("the HTTP server did not start; see "
                                   f"{self.workdir / 'http-server.log'}:\n{tail(self.workdir / 'http-server.log')}")
            port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def _fail(self, what, response):
        key = f"{what}: HTTP {response.status_code}"
        self.failures[key] = self.failures.get(key, 0) + 1
        return False

    def one(self):
        started = self.http.post(f"{self.base}/process-definitions/{PROCESS_KEY}/start",
                                 json={"variables": START_DATA})
        if started.status_code != 201:
            return self._fail("start", started)
        listed = self.http.get(f"{self.base}/tasks", params={"process_instance_id": started.json()["id"]})
        if listed.status_code != 200 or len(listed.json()) != 1:
            return self._fail("list tasks", listed)
        done = self.http.post(f"{self.base}/tasks/{listed.json()[0]['id']}/complete",
                              json={"variables": TASK_DATA})
        if done.status_code != 200:
            return self._fail("complete", done)
        return done.json()["process_instance_state"] == "completed"

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()


# --------------------------------------------------------------------------- helpers

def model_files():
    return [(name, (MODELS / name).read_bytes()) for name in MODEL_FILES]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_for_port(port, proc, log_path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the HTTP server exited; see {log_path}:\n{tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s; see {log_path}")


def redis_answers(url):
    try:
        from redis import Redis
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def tree_cpu_seconds():
    """CPU time (user + system) of this process and all its descendants: the sandbox's children, the
    HTTP server and its sandbox children. Linux /proc only; elsewhere this process's own CPU time."""
    if not os.path.isdir("/proc/self/task"):
        return time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue   # it exited meanwhile
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_round(variant, count):
    """(instances per second, CPU ms per instance, failures) over `count` instances."""
    failures = 0
    cpu = tree_cpu_seconds()
    started = time.perf_counter()
    for _ in range(count):
        if not variant.one():
            failures += 1
    elapsed = time.perf_counter() - started
    cpu = tree_cpu_seconds() - cpu
    done = max(count - failures, 1)
    return (count - failures) / elapsed, 1000 * cpu / done, failures


def machine_notes():
    def version(dist):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(), "platform": platform.platform(), "cpu": cpu,
        "cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "SpiffWorkflow": version("SpiffWorkflow"), "SQLAlchemy": version("SQLAlchemy"),
        "Flask": version("Flask"), "Werkzeug": version("Werkzeug"), "psycopg": version("psycopg"),
    }


class Services:
    """--start-services: a private redis-server and PostgreSQL cluster, the ones the test suite uses."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.redis = None
        self.pg = None

    def start(self):
        from tests.services import _PgCluster, start_redis
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir()
        self.redis, redis_url = start_redis(redis_dir)
        self.pg = _PgCluster()
        self.pg.init()
        self.pg.start()
        self.pg.create_database("baton_bench")
        return redis_url, self.pg.url("baton_bench")

    def stop(self):
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(10)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                self.redis.wait(10)
        if self.pg is not None:
            self.pg.destroy()


# --------------------------------------------------------------------------- main

def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="instances per round (default 300)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per variant (default 3)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed instances before the first round (default max(30, n/5)); "
                             "each later round is preceded by a fifth of that")
    parser.add_argument("--postgres-url", help="also measure the service layer on this PostgreSQL database; "
                                               "use a throwaway one: the migrations run and a model is "
                                               "deployed and run there")
    parser.add_argument("--redis-url", help="Redis for the HTTP variant's app; default: a dead URL "
                                            f"({DEAD_REDIS_URL})")
    parser.add_argument("--start-services", action="store_true",
                        help="start a private redis-server and PostgreSQL cluster (needs the binaries, "
                             "see `make install-system`) instead of --redis-url/--postgres-url")
    parser.add_argument("--http-server", choices=("werkzeug", "gunicorn"), default="werkzeug",
                        help="werkzeug's threaded server (default) or gunicorn as `baton serve` runs it")
    parser.add_argument("--only", help="comma-separated variants to run (the peer `spiff` always runs): "
                                       "spiff+sandbox, baton-sqlite, baton-postgres, baton-http")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.n < 1 or args.repeats < 1:
        sys.exit("--n and --repeats must be at least 1")
    warmup = args.warmup if args.warmup is not None else max(30, args.n // 5)
    rewarm = max(5, warmup // 5)
    only = set(filter(None, (args.only or "").split(",")))
    workdir = Path(tempfile.mkdtemp(prefix="baton-bench-"))
    # The app's var dir (secret key...) and the sandbox's defaults: nothing of the user's var/ is touched.
    os.environ.setdefault("BATON_VAR_DIR", str(workdir / "var"))

    services = None
    redis_url, postgres_url = args.redis_url, args.postgres_url
    if args.start_services:
        services = Services(workdir)
        try:
            redis_url, postgres_url = services.start()
        except BaseException:
            services.stop()
            shutil.rmtree(workdir, ignore_errors=True)
            raise
    redis_note = redis_url or f"{DEAD_REDIS_URL} (dead)"
    if redis_url and not redis_answers(redis_url):
        redis_note = f"{redis_url} (does not answer)"

    variants = [RawSpiff(sandbox=False), RawSpiff(sandbox=True),
                BatonService(f"sqlite:///{workdir / 'service.db'}", "sqlite")]
    if postgres_url:
        variants.append(BatonService(postgres_url, "postgres"))
    variants.append(BatonHttp(workdir, redis_url or DEAD_REDIS_URL, args.http_server))
    if only:
        unknown = only - {v.name for v in variants}
        if unknown:
            sys.exit(f"unknown or unavailable variant(s): {', '.join(sorted(unknown))}")
        variants = [v for v in variants if v.name == PEER or v.name in only]

    notes = machine_notes()
    print(f"bench.core: {args.n} instances x {args.repeats} rounds, warm-up {warmup} (+{rewarm} per round); "
          f"{notes['cpus']} CPUs, load {notes['loadavg']}; redis for HTTP: {redis_note}", file=sys.stderr)
    rates = {v.name: [] for v in variants}
    cpu_ms = {v.name: [] for v in variants}
    failures = {v.name: 0 for v in variants}
    try:
        for variant in variants:
            variant.setup()
            variant.activate()
            run_round(variant, warmup)
        for round_no in range(1, args.repeats + 1):
            for variant in variants:
                variant.activate()
                run_round(variant, rewarm)
                rate, cpu, failed = run_round(variant, args.n)
                rates[variant.name].append(rate)
                cpu_ms[variant.name].append(cpu)
                failures[variant.name] += failed
                print(f"  round {round_no}: {variant.name:<15} {rate:8.1f} instances/s {cpu:7.2f} CPU ms/instance"
                      + (f"  ({failed} failed)" if failed else ""), file=sys.stderr)
    finally:
        for variant in variants:
            variant.close()
        if services is not None:
            services.stop()
        from engine import db
        db.dispose()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    medians = {name: statistics.median(r) for name, r in rates.items()}
    cpu_medians = {name: statistics.median(c) for name, c in cpu_ms.items()}
    peer, peer_cpu = medians[PEER], cpu_medians[PEER]
    print()
    print(f"{'variant':<15} {'median inst/s':>13} {'min':>8} {'max':>8} {'ms/inst':>8} {'vs spiff':>9}"
          f" {'CPU ms/inst':>12} {'CPU vs spiff':>13}")
    for variant in variants:
        r = rates[variant.name]
        m, c = medians[variant.name], cpu_medians[variant.name]
        print(f"{variant.name:<15} {m:13.1f} {min(r):8.1f} {max(r):8.1f} {1000 / m:8.2f} {m / peer:9.0%}"
              f" {c:12.2f} {peer_cpu / c:13.0%}"
              + (f"  {failures[variant.name]} failed" if failures[variant.name] else ""))
    service = medians.get("baton-sqlite")
    if service is not None:
        verdict = "met" if service / peer >= TARGET_RATIO else "NOT met"
        print(f"\ntarget: baton-sqlite >= {TARGET_RATIO:.0%} of spiff -> {service / peer:.0%}, {verdict} "
              f"(by CPU time: {peer_cpu / cpu_medians['baton-sqlite']:.0%})")
    http = next((v for v in variants if isinstance(v, BatonHttp)), None)
    if http is not None and http.failures:
        print(f"HTTP failures: {http.failures}")
    summary = {
        "bench": "core", "flow": "approval.bpmn: start -> user task -> complete",
        "n": args.n, "repeats": args.repeats, "warmup": warmup,
        "median_per_s": {k: round(v, 1) for k, v in medians.items()},
        "rounds_per_s": {k: [round(x, 1) for x in v] for k, v in rates.items()},
        "ratio_to_spiff": {k: round(v / peer, 3) for k, v in medians.items()},
        "cpu_ms_per_instance": {k: round(v, 2) for k, v in cpu_medians.items()},
        "cpu_ratio_to_spiff": {k: round(peer_cpu / v, 3) for k, v in cpu_medians.items()},
        "failures": failures, "http_server": args.http_server if http else None,
        "redis": redis_note if http else None,
        "target": {"baton-sqlite_vs_spiff": TARGET_RATIO,
                   "met": None if service is None else service / peer >= TARGET_RATIO,
                   "cpu_ratio": None if service is None else round(peer_cpu / cpu_medians["baton-sqlite"], 3)},
        "machine": dict(notes, loadavg_end=[round(x, 2) for x in os.getloadavg()]),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
