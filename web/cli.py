"""The `baton` command. Errors are one line on stderr and exit code 1."""
import os
import secrets
import sys
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from engine import db, settings
from engine.errors import ServiceError


class Fail(click.ClickException):
    def show(self, file=None):
        click.echo(f"baton: {self.message}", err=True)


def _database():
    db.configure(settings.database_url())


def _with_uow(service, *args, **kwargs):
    from engine.uow import unit_of_work
    _database()
    try:
        with unit_of_work() as uow:
            return service(uow, *args, **kwargs)
    except ServiceError as exc:
        details = "".join(f"\n  {_where(d)}{d.get('message', '')}" for d in exc.details if isinstance(d, dict))
        raise Fail(exc.message + details) from None
    except SQLAlchemyError as exc:
        # Typically a database that is not there or not migrated: say which, without a traceback.
        first_line = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise Fail(f"database error: {first_line} (is DATABASE_URL right, and did 'baton db upgrade' run?)") from None


def _where(detail):
    parts = [str(detail[k]) for k in ("file", "line") if detail.get(k)]
    where = ":".join(parts)
    if detail.get("element_id"):
        where += f" ({detail['element_id']})"
    return f"{where}: " if where else ""


@click.group()
def main():
    """Baton: run BPMN 2.0 processes."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", 8000)), type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host, port, workers, threads):
    """Serve the web app with gunicorn."""
    from .wsgi import serve as run_server
    run_server(host, port, workers, threads)


@main.command()
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker(burst):
    """Run an RQ worker for Baton's jobs."""
    from rq import Worker

    from worker import scheduler
    from worker.queue import connection, get_queue
    _database()
    url = settings.redis_url()
    if not burst:
        scheduler.start(connection(url))   # fires due timers every BATON_TIMER_INTERVAL seconds
    Worker([get_queue(url)], connection=connection(url)).work(burst=burst, with_scheduler=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--name", help="deployment name")
def deploy(files, name):
    """Deploy model files (BPMN, DMN, forms, JSON schemas) together."""
    from engine import deployments
    loaded = []
    for path in files:
        try:
            loaded.append((Path(path).name, Path(path).read_bytes()))
        except OSError as exc:
            raise Fail(f"cannot read {path}: {exc.strerror}") from None
    result, created = _with_uow(deployments.deploy, loaded, name=name, user="cli")
    for definition in result["process_definitions"]:
        click.echo(f"{definition['key']} version {definition['version']}"
                   + ("" if created else " (unchanged)"))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lint(files, output):
    """Check model files as a deployment would; exit 1 when any file has errors."""
    import json

    from bpmn.lint import FileReport, lint as lint_files
    from bpmn.problems import Problem
    from engine.deployments import MODEL_CHECKS
    loaded, unreadable = [], []
    for path in files:
        try:
            loaded.append((Path(path).name, Path(path).read_bytes()))
        except OSError as exc:
            unreadable.append(FileReport(file=Path(path).name, errors=[
                Problem(Path(path).name, f"cannot read {path}: {exc.strerror}", line=1, code="unreadable")]))
    reports = unreadable + lint_files(loaded, MODEL_CHECKS)
    if output == "json":
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        for report in reports:
            _echo_report(report.as_dict())
    sys.exit(0 if all(r.ok for r in reports) else 1)


def _echo_report(report):
    what = ", ".join(report["processes"] + report["decisions"]) or "nothing to run"
    click.echo(f"{report['file']}: {'ok' if report['ok'] else 'REFUSED'} ({report['dialect'] or 'unknown'}; {what})")
    for kind, entries in (("error", report["errors"]), ("warning", report["warnings"])):
        for entry in entries:
            where = f"line {entry['line']}" if entry["line"] else ""
            if entry["element_id"]:
                where += f" ({entry['element_id']})" if where else entry["element_id"]
            click.echo(f"  {kind} {entry['code']} {where}: {entry['message']}")


@main.group(name="db")
def db_group():
    """Database schema."""


@db_group.command()
def upgrade():
    """Create or migrate the database schema to the newest version."""
    from engine.migrate import upgrade as run_upgrade
    try:
        run_upgrade(settings.database_url())
    except Exception as exc:
        raise Fail(f"migration failed: {exc}") from None
    click.echo("database is up to date")


@main.group()
def user():
    """Users."""


@user.command(name="create")
@click.argument("username")
@click.option("--admin", is_flag=True)
@click.option("--groups", default="", help="comma-separated group names")
@click.option("--roles", default="", help="comma-separated roles: designer, operator (every user has 'user')")
@click.option("--password-file", type=click.Path(dir_okay=False),
              help="read the password from this file; when it does not exist, generate one and write it there")
@click.option("--if-missing", is_flag=True, help="do nothing when the user exists")
def create_user(username, admin, groups, roles, password_file, if_missing):
    """Create a user."""
    from engine import users
    if if_missing and _with_uow(users.find_user, username) is not None:
        click.echo(f"user {username} exists")
        return
    if password_file:
        path = Path(password_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(12) + "\n")
            path.chmod(0o600)
        password = path.read_text().strip()
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    group_list = [g.strip() for g in groups.split(",") if g.strip()]
    _with_uow(users.create_user, username, password, is_admin=admin, groups=group_list)
    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    if role_list:
        from engine import roles as engine_roles
        _with_uow(engine_roles.set_roles, username, role_list + (["admin"] if admin else []))
    click.echo(f"user {username} created")


@main.group()
def token():
    """API tokens."""


@token.command(name="create")
@click.argument("username")
@click.option("--token-file", type=click.Path(dir_okay=False), help="write the token to this file")
@click.option("--if-missing", is_flag=True, help="do nothing when --token-file already holds a token")
def create_token(username, token_file, if_missing):
    """Create an API token for a user and print it (it is shown only once)."""
    from engine import users
    if if_missing and token_file and Path(token_file).exists() and Path(token_file).read_text().strip():
        click.echo(f"token file {token_file} exists")
        return
    value = _with_uow(users.create_token, username)
    if token_file:
        Path(token_file).parent.mkdir(parents=True, exist_ok=True)
        Path(token_file).write_text(value + "\n")
        Path(token_file).chmod(0o600)
        click.echo(f"token written to {token_file}")
    else:
        click.echo(value)


if __name__ == "__main__":
    sys.exit(main())
