"""Pytest plugin: throwaway Redis and PostgreSQL servers for the test session.

Load it from tests/conftest.py with ``pytest_plugins = ["tests.services"]``.

Fixtures (session scope):

* ``redis_url``    -- ``$BATON_TEST_REDIS_URL`` or a private ``redis-server``
                      on a free loopback port.
* ``postgres_url`` -- ``$BATON_TEST_POSTGRES_URL`` or a private PostgreSQL
                      cluster (initdb in a temp dir) with a ``baton_test``
                      database, as a SQLAlchemy/psycopg 3 URL.

Missing server binaries are an error, not a skip: run ``make install-system``.
"""
from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

INSTALL_HINT = "run `make install-system` (installs redis-server and postgresql via apt-get)"

REDIS_START_TIMEOUT = 20.0  # seconds until the private redis-server must answer PING
PG_START_TIMEOUT = 60  # seconds pg_ctl waits for the cluster to accept connections
PG_COMMAND_TIMEOUT = 120.0  # hard limit for any initdb / pg_ctl / createdb call
START_ATTEMPTS = 3  # retries with a new port when another process grabbed ours

PG_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "200",
}


class ServiceError(RuntimeError):
    """A test server could not be started; the message carries its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:
        return f"<no log at {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:]) or "<log is empty>"


def _port_in_use(log: str) -> bool:
    return bool(re.search(r"address already in use|could not bind|could not create any tcp/ip sockets",
                          log, re.IGNORECASE))


def _stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


# --------------------------------------------------------------------------- Redis

def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        return False
    finally:
        client.close()


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start ``redis-server`` on a free loopback port; returns (process, url)."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise ServiceError(f"redis-server is not installed (not found on PATH); {INSTALL_HINT}")

    log_path = workdir / "redis.log"
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(workdir), "--daemonize", "no"]
        with open(log_path, "ab") as log:
            log.write(f"\n=== attempt {attempt}: {' '.join(cmd)}\n".encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=workdir)
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while time.monotonic() < deadline:
            if _redis_answers(url):
                return proc, url
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        exited = proc.poll() is not None
        _stop_process(proc)
        log_text = _tail(log_path)
        if exited and _port_in_use(log_text) and attempt < START_ATTEMPTS:
            continue
        reason = (f"exited with code {proc.returncode}" if exited
                  else f"did not answer PING within {REDIS_START_TIMEOUT:.0f}s")
        raise ServiceError(f"redis-server on port {port} {reason}.\n"
                           f"Command: {' '.join(cmd)}\nLog ({log_path}):\n{log_text}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def redis_url():
    """URL of a Redis server that lives as long as the test session."""
    env_url = os.environ.get("BATON_TEST_REDIS_URL")
    if env_url:
        yield env_url
        return

    workdir = Path(tempfile.mkdtemp(prefix="baton-redis-"))
    error = None
    try:
        proc, url = start_redis(workdir)
    except ServiceError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        error = str(exc)
    if error is not None:  # outside the except block: no chained traceback in the report
        pytest.fail(error, pytrace=False)
    try:
        yield url
    finally:
        _stop_process(proc)
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- PostgreSQL

def _version_key(bindir: str) -> tuple:
    version = Path(bindir).parent.name
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def postgres_bindir() -> Path:
    """The bin directory of the newest installed PostgreSQL (Debian layout first)."""
    candidates = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))]
    if candidates:
        return Path(max(candidates, key=_version_key))
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServiceError(f"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); {INSTALL_HINT}")


class _PgCluster:
    """A throwaway cluster in a temp dir; as root, the server commands run as user postgres."""

    def __init__(self):
        self.bindir = postgres_bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServiceError("running as root but there is no `postgres` system user to run the "
                                   f"server as; {INSTALL_HINT}") from None
            if shutil.which("runuser") is None:
                raise ServiceError("running as root but `runuser` (util-linux) is missing")
            # /tmp is world-traversable; TMPDIR (e.g. /root/...) might not be readable by postgres.
            self.root = Path(tempfile.mkdtemp(prefix="baton-pg-", dir="/tmp"))
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        else:
            self.owner = None
            self.root = Path(tempfile.mkdtemp(prefix="baton-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "postgres.log"
        self.port: int | None = None
        self.started = False

    def _run(self, tool: str, *args: str, as_owner: bool = True, check: bool = True):
        cmd = [str(self.bindir / tool), *args]
        if as_owner and self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        try:
            result = subprocess.run(cmd, cwd=self.root, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                    timeout=PG_COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise ServiceError(f"`{' '.join(cmd)}` timed out after {PG_COMMAND_TIMEOUT:.0f}s\n"
                               f"stdout:\n{exc.stdout or ''}\nstderr:\n{exc.stderr or ''}\n"
                               f"Server log ({self.log}):\n{_tail(self.log)}") from None
        if check and result.returncode != 0:
            raise ServiceError(f"`{' '.join(cmd)}` failed with exit code {result.returncode}\n"
                               f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
                               f"Server log ({self.log}):\n{_tail(self.log)}")
        return result

    def _mkdir_owned(self, path: Path) -> None:
        path.mkdir(mode=0o700)
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def init(self) -> None:
        self._mkdir_owned(self.sockets)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        settings = dict(PG_SETTINGS, unix_socket_directories=f"'{self.sockets}'")
        # Appending keeps the file's owner (postgres); later lines win over earlier ones.
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# baton test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            result = self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
                               "-t", str(PG_START_TIMEOUT), "-o", f"-p {self.port}", check=False)
            if result.returncode == 0:
                self.started = True
                return
            log_text = _tail(self.log)
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", check=False)
            if _port_in_use(log_text) and attempt < START_ATTEMPTS:
                continue
            raise ServiceError(f"PostgreSQL ({self.bindir}) did not start on port {self.port} "
                               f"(pg_ctl exit code {result.returncode}, timeout {PG_START_TIMEOUT}s)\n"
                               f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
                               f"Server log ({self.log}):\n{log_text}")

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name, as_owner=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 9)
        except (OSError, ValueError, IndexError):
            pass

    def destroy(self) -> None:
        try:
            if self.started or (self.data / "postmaster.pid").exists():
                try:
                    result = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w",
                                       check=False)
                    if result.returncode != 0:
                        self._kill_postmaster()
                except ServiceError:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    """SQLAlchemy URL of an empty ``baton_test`` database on a throwaway PostgreSQL cluster."""
    env_url = os.environ.get("BATON_TEST_POSTGRES_URL")
    if env_url:
        yield env_url
        return

    cluster = None
    error = None
    try:
        cluster = _PgCluster()
        cluster.init()
        cluster.start()
        cluster.create_database("baton_test")
    except ServiceError as exc:
        if cluster is not None:
            cluster.destroy()
        error = str(exc)
    if error is not None:  # outside the except block: no chained traceback in the report
        pytest.fail(error, pytrace=False)
    try:
        yield cluster.url("baton_test")
    finally:
        cluster.destroy()
