"""``tipline-server``: the server's administration commands (Flask's CLI, click).

    tipline-server db upgrade | db current
    tipline-server create-operator NAME       (asks for the password)
    tipline-server disable-operator NAME / enable-operator NAME
    tipline-server enroll-totp NAME           (second factor and recovery codes)
    tipline-server audit verify | audit show  (the operators' hash-chained audit trail)
    tipline-server gc                         (remove temp files, orphans and stale uploads; apply retention)
    tipline-server retention [--dry-run]      (delete cases the retention policy says are due)
    tipline-server openapi [--out FILE]
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import functools

import click
from flask import current_app

from .app import create_app
from .migrations import runner


@click.group()
def main():
    """Administration of the tip line server (settings from the same environment as the server)."""
    os.umask(0o077)  # the database and blobs it may create are the server user's only


def with_appcontext(command):
    """Run the command inside an app built from the environment (without the schema check)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with create_app(check_schema=False, announce=False).app_context():
            return command(*args, **kwargs)

    return wrapper


def _svc():
    return current_app.extensions["tipline"]


@main.group()
def db():
    """Database schema (Alembic)."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Migrate the database to the latest schema."""
    runner.upgrade(_svc().settings.database_url, time_resolution=_svc().settings.time_resolution)
    click.echo("database is at revision " + ", ".join(sorted(runner.head_revisions(_svc().settings.database_url))))


@db.command("current")
@with_appcontext
def db_current():
    """Show the database's revision and whether it is current."""
    current = runner.current_revisions(_svc().engine)
    heads = runner.head_revisions(_svc().settings.database_url)
    click.echo(f"current: {', '.join(sorted(current)) or 'none'}; latest: {', '.join(sorted(heads))}")
    sys.exit(0 if current == heads else 1)


def _session():
    return _svc().sessions()


@main.command("create-operator")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def create_operator_cmd(username, password_stdin):
    """Create an operator account."""
    from .services.operators import create_operator

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    runner.check_current(_svc().engine, _svc().settings.database_url)
    try:
        create_operator(_session(), username, password, time_resolution=_svc().settings.time_resolution)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - e.g. the name exists: say it plainly
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    click.echo(f"operator {username!r} created")


@main.command("disable-operator")
@click.argument("username")
@with_appcontext
def disable_operator_cmd(username):
    """Disable an account and revoke its tokens."""
    from .services.operators import set_disabled

    set_disabled(_session(), username, True)
    click.echo(f"operator {username!r} disabled")


@main.command("enable-operator")
@click.argument("username")
@with_appcontext
def enable_operator_cmd(username):
    from .services.operators import set_disabled

    set_disabled(_session(), username, False)
    click.echo(f"operator {username!r} enabled")


@main.command("enroll-totp")
@click.argument("username")
@with_appcontext
def enroll_totp_cmd(username):
    """Give an operator a (new) second factor: prints the authenticator URI and ten recovery codes,
    once. Hand them over in person; any earlier factor and codes stop working."""
    from .services.operators import enroll_totp

    runner.check_current(_svc().engine, _svc().settings.database_url)
    try:
        enrolment = enroll_totp(_session(), _svc().settings, username)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"authenticator (scan or type): {enrolment.uri}")
    click.echo(f"secret: {enrolment.secret}")
    click.echo("recovery codes (each works once; keep them apart from the password):")
    for code in enrolment.recovery_codes:
        click.echo(f"  {code}")


@main.group()
def audit():
    """The operators' audit trail (append-only, hash-chained)."""


@audit.command("verify")
@with_appcontext
def audit_verify_cmd():
    """Recompute the chain; exit 1 and say where if an entry was edited or removed."""
    from .services import audit as trail

    s = _session()
    with s.begin():
        verdict = trail.verify(s)
    for problem in verdict.problems:
        click.echo(f"TAMPERED: {problem}", err=True)
    click.echo(f"{verdict.entries} entries; head {verdict.head_hash}")
    sys.exit(0 if verdict.ok else 1)


@audit.command("show")
@click.option("--case", "case_id", help="only this case's entries")
@click.option("--limit", default=100, show_default=True, help="the last N entries")
@with_appcontext
def audit_show_cmd(case_id, limit):
    """The last entries, oldest first."""
    from sqlalchemy import select

    from .models import AuditEntry

    s = _session()
    with s.begin():
        stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if case_id:
            stmt = stmt.where(AuditEntry.case_id == case_id)
        for e in reversed(s.scalars(stmt).all()):
            click.echo(f"{e.seq:>7} {e.at:%Y-%m-%d %H:%M} {e.actor or '-':20} {e.action:20} "
                       f"{e.case_id or ''} {e.item_id or ''} {e.detail or ''}".rstrip())


@main.command("gc")
@click.option("--grace-minutes", default=60, show_default=True, help="leave files younger than this alone")
@click.option("--skip-retention", is_flag=True, help="do not apply the retention policy this time")
@with_appcontext
def gc_cmd(grace_minutes, skip_retention):
    """Remove what a crash or an abandoned upload left behind. Never touches a listed item."""
    from .services.maintenance import collect_garbage

    report = collect_garbage(_session(), _svc().settings, _svc().blobs, grace=timedelta(minutes=grace_minutes))
    from .pow.store import purge
    from .services.clock import now

    report["pow_spent"] = purge(_session(), now=now(), resolution=_svc().settings.time_resolution)
    from .services.mailbox import purge_expired

    report["mailbox_logins"] = purge_expired(_session())  # expired tokens and answered challenges
    if not skip_retention:
        from .services.retention import apply

        done = apply(_session(), _svc().settings, _svc().blobs)
        report.update(retention_cases=len(done.cases), retention_files=done.files_removed)
    click.echo(", ".join(f"{k}: {v}" for k, v in report.items()))


@main.command("retention")
@click.option("--dry-run", is_flag=True, help="list what is due, delete nothing")
@with_appcontext
def retention_cmd(dry_run):
    """Delete the cases the retention policy says are due (gc does it too, hourly): rows, files
    at once, a tombstone for the desks, an audit entry. docs/operations.md, "Retention"."""
    from .services.retention import apply, policy_days

    settings = _svc().settings
    rules = ", ".join(f"{status} after {days} days" for status, days in policy_days(settings).items() if days > 0)
    empty = (f"; cases without a report after {settings.empty_case_ttl_hours} hours"
             if settings.empty_case_ttl_hours else "")
    click.echo(f"policy: {rules or 'keep every triaged case'}; in_progress never{empty}")
    report = apply(_session(), settings, _svc().blobs, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for c in report.cases:
        click.echo(f"{verb} {c.case_id}  {c.status:15} {c.reason:20} since {c.since:%Y-%m-%d}  "
                   f"{c.items} items, {c.bytes} bytes")
    click.echo(f"{verb} {len(report.cases)} cases, {report.items} items, {report.bytes} bytes"
               + ("" if dry_run else f"; {report.files_removed} files unlinked"))


@main.command("openapi")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write to this file")
def openapi_cmd(out):
    """Print (or write) the OpenAPI document."""
    from .openapi import render

    text = render()
    if out:
        out.write_text(text)
    else:
        click.echo(text, nl=False)


@main.command("check-bundle")
@with_appcontext
def check_bundle_cmd():
    """Verify the installed key bundle as a phone would."""
    bundle = _svc().key_bundle.bundle
    if bundle is None:
        raise click.ClickException("no key bundle installed")
    click.echo(f"sequence {bundle.sequence} for {bundle.origin}, expires {bundle.expires:%Y-%m-%d %H:%M} UTC")
    from envelope.keys import fingerprint

    for r in bundle.recipients:
        click.echo(f"  {r.role:8} {fingerprint(r.public_key)}")



@main.command("events")
@click.option("--bind", default=lambda: os.environ.get("TIPLINE_EVENTS_BIND", "127.0.0.1:8002"), show_default=True,
              help="host:port (loopback: nginx routes the live routes here)")
def events_cmd(bind):
    """Serve the live long polls (the events process; docs/operations.md, "Live events")."""
    import logging

    from .config import Settings
    from .events.service import serve
    from .logs import ScrubbingFormatter, scrub
    from .migrations.runner import check_current
    from .db import make_engine

    # Every logger, aiohttp's included (its errors may name the peer), through the scrubber.
    handler = logging.StreamHandler()
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("tipline").setLevel(logging.INFO)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url, time_resolution=settings.time_resolution)
    try:
        check_current(engine, settings.database_url)
    finally:
        engine.dispose()
    host, _, port = bind.rpartition(":")
    click.echo(scrub(f"events process listening on {bind}"), err=True)  # like every log line
    serve(settings, host.strip("[]"), int(port))


@main.command("serve")
def serve_cmd():
    """nginx on TIPLINE_BIND in front of gunicorn and the events process (all on loopback
    ports; TIPLINE_APP_BIND and TIPLINE_EVENTS_BIND, free ports if unset). scripts/serve runs it."""
    from .topology import Binds, Topology

    binds = Binds.from_env()
    click.echo(f"nginx on {binds.listen}, gunicorn on {binds.app}, events on {binds.events}", err=True)
    # (said once at start, before any request: our own listening addresses, no client's)
    sys.exit(Topology(binds).start().run_forever())
