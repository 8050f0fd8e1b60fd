"""The `baton` command as a person runs it: real subprocesses, one-line errors, exit code 1."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS

BATON = str(Path(sys.executable).parent / "baton")


@pytest.fixture
def run(tmp_path, database_url):
    env = dict(os.environ, DATABASE_URL=database_url, BATON_VAR_DIR=str(tmp_path / "var"))

    def baton(*args):
        return subprocess.run([BATON, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return baton


def test_setup_commands_are_idempotent(run, tmp_path):
    assert run("db", "upgrade").returncode == 0
    password_file = tmp_path / "var" / "admin-password"
    token_file = tmp_path / "var" / "admin-token"
    first = run("user", "create", "admin", "--admin", "--if-missing", "--password-file", str(password_file))
    assert first.returncode == 0, first.stderr
    password = password_file.read_text().strip()
    assert len(password) >= 12
    again = run("user", "create", "admin", "--admin", "--if-missing", "--password-file", str(password_file))
    assert again.returncode == 0 and "exists" in again.stdout
    assert password_file.read_text().strip() == password
    assert run("token", "create", "admin", "--if-missing", "--token-file", str(token_file)).returncode == 0
    token = token_file.read_text().strip()
    assert run("token", "create", "admin", "--if-missing", "--token-file", str(token_file)).returncode == 0
    assert token_file.read_text().strip() == token


def test_deploy_twice_keeps_one_version(run):
    files = [str(MODELS / "approval.bpmn"), str(MODELS / "review-schema.json")]
    first = run("deploy", *files)
    assert first.returncode == 0, first.stderr
    assert "approval version 1" in first.stdout
    second = run("deploy", *files)
    assert second.returncode == 0
    assert "approval version 1 (unchanged)" in second.stdout


@pytest.mark.parametrize("args, message", [
    (("deploy", "/nonexistent/model.bpmn"), "cannot read"),
    (("deploy", str(MODELS / "broken_syntax.bpmn")), "broken_syntax.bpmn:5"),
    (("token", "create", "nobody"), "no user"),
    (("user", "create", "bad name!", "--password-file", "/dev/null"), "username"),
])
def test_errors_are_one_line_and_exit_1(run, args, message):
    result = run(*args)
    assert result.returncode == 1, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("baton: ")


def test_usage_error_exits_2(run):
    assert run("deploy").returncode == 2


def test_database_errors_are_one_line(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/not-migrated/b.db", BATON_VAR_DIR=str(tmp_path))
    result = subprocess.run([BATON, "token", "create", "admin"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("baton: database error") and "Traceback" not in result.stderr
    upgraded = subprocess.run([BATON, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
