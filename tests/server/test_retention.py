"""Retention on SQLite and PostgreSQL: exactly what the policy says is deleted (rows, files at
once), with a tombstone in the change feed and an audit entry that holds no content; a dry run
deletes nothing; in-progress cases are never deleted."""

import os
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from envelope.constants import Kind
from server.cli import main as server_cli
from server.models import AuditEntry, Case, CaseTombstone, Item, Upload
from server.services import audit, operators, retention
from server.services.clock import now
from tests.support.api import create_upload, envelope, open_case, put_chunk, put_item

PASSWORD = "correct horse battery staple"
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def make_case(client, keys, *, report=True, attachments=0):
    case_id = open_case(client)
    if report:
        item_id, data, _ = envelope(case_id, keys, kind=Kind.REPORT, content=b'{"text": "CANARY-REPORT"}')
        assert put_item(client, case_id, item_id, data).status_code == 201
    for part in range(1, attachments + 1):
        item_id, data, _ = envelope(case_id, keys, kind=Kind.ATTACHMENT, part=part, content=os.urandom(5000))
        assert put_item(client, case_id, item_id, data).status_code == 201
    return case_id


def age(app, case_id, *, status=None, changed=None, created=None):
    svc = app.extensions["tipline"]
    values = {}
    if status is not None:
        values["status"] = status
    if changed is not None:
        values["status_changed_at"] = now() - changed
    if created is not None:
        values["created_at"] = now() - created
    with svc.sessions() as s, s.begin():
        s.execute(update(Case).where(Case.id == case_id).values(**values))


def files_of(app, case_id):
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        keys = list(s.scalars(select(Item.blob_key).where(Item.case_id == case_id)))
    return [svc.blobs.path(k) for k in keys]


@pytest.fixture
def world(app, client, test_keys):
    """One case per rule, each just past or just short of its limit."""
    keys = test_keys.public_keys
    cases = {}
    spec = {
        # name: (status, days since last change, due?)
        "not_actionable_old": ("not_actionable", 31, True),
        "not_actionable_young": ("not_actionable", 29, False),
        "closed_old": ("closed", 91, True),
        "closed_young": ("closed", 89, False),
        "in_progress_ancient": ("in_progress", 5000, False),
        "useful_ancient": ("useful", 5000, False),
    }
    for name, (status, days, _) in spec.items():
        cases[name] = make_case(client, keys, attachments=1)
        age(app, cases[name], status=status, changed=days * DAY, created=(days + 1) * DAY)
    cases["new_with_report_ancient"] = make_case(client, keys)
    age(app, cases["new_with_report_ancient"], created=5000 * DAY)
    cases["empty_old"] = make_case(client, keys, report=False, attachments=1)
    age(app, cases["empty_old"], created=73 * HOUR)
    cases["empty_young"] = make_case(client, keys, report=False)
    age(app, cases["empty_young"], created=71 * HOUR)
    cases["empty_old_triaged"] = make_case(client, keys, report=False)
    age(app, cases["empty_old_triaged"], status="in_progress", changed=100 * DAY, created=100 * DAY)
    # an empty case whose report is still uploading (a young upload) is left alone
    cases["empty_old_uploading"] = case_id = make_case(client, keys, report=False)
    item_id, data, result = envelope(case_id, keys, kind=Kind.REPORT, content=os.urandom(150_000))
    r = create_upload(client, case_id, item_id, data, result.header.size, 64 * 1024)
    assert r.status_code == 201
    assert put_chunk(client, case_id, item_id, 0, data[:64 * 1024]).status_code == 201
    age(app, case_id, created=100 * HOUR)
    due = {n for n, (_, _, d) in spec.items() if d} | {"empty_old"}
    return cases, due


def test_dry_run_lists_exactly_the_due_cases_and_deletes_nothing(app, world):
    cases, due = world
    svc = app.extensions["tipline"]
    before = count_rows(app)
    report = retention.apply(svc.sessions(), svc.settings, svc.blobs, dry_run=True)
    assert {c.case_id for c in report.cases} == {cases[n] for n in due}
    assert count_rows(app) == before
    reasons = {c.case_id: c.reason for c in report.cases}
    assert reasons[cases["not_actionable_old"]] == "not_actionable_30d"
    assert reasons[cases["closed_old"]] == "closed_90d"
    assert reasons[cases["empty_old"]] == "no_report"


def count_rows(app):
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        return (s.scalar(select(func.count(Case.id))), s.scalar(select(func.count(Item.id))),
                s.scalar(select(func.count(Upload.item_id))))


def test_retention_deletes_exactly_what_policy_says(app, client, world):
    cases, due = world
    svc = app.extensions["tipline"]
    doomed_files = [p for n in due for p in files_of(app, cases[n])]
    kept_files = [p for n in cases if n not in due for p in files_of(app, cases[n])]
    assert doomed_files and all(p.exists() for p in doomed_files + kept_files)

    report = retention.apply(svc.sessions(), svc.settings, svc.blobs)
    assert {c.case_id for c in report.cases} == {cases[n] for n in due}
    assert report.files_removed == len(doomed_files)
    # the ciphertext is gone at once, the rest untouched
    assert not any(p.exists() for p in doomed_files)
    assert all(p.exists() for p in kept_files)
    with svc.sessions() as s:
        remaining = set(s.scalars(select(Case.id)))
        assert remaining == {cases[n] for n in cases if n not in due}
        assert s.scalar(select(func.count(Item.id)).where(Item.case_id.in_([cases[n] for n in due]))) == 0
        tombstones = {t.case_id: t.reason for t in s.scalars(select(CaseTombstone))}
        assert tombstones == {c.case_id: c.reason for c in report.cases}
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "retention_deleted")))
        assert audit.verify(s).ok
    # one entry per deleted case with content, one in all for the empty ones; no content in any
    per_case = {e.case_id for e in entries if e.case_id}
    assert per_case == {cases[n] for n in due if n != "empty_old"}
    assert [e.detail for e in entries if not e.case_id] == ['{"cases":1,"reason":"no_report"}']
    assert not any("CANARY" in (e.detail or "") for e in entries)
    # the citizen's phone hears "no such case"; operators too
    r = client.get(f"/api/v1/cases/{cases['closed_old']}")
    assert r.status_code == 404
    # a second run finds nothing more
    again = retention.apply(svc.sessions(), svc.settings, svc.blobs)
    assert again.cases == []


def test_a_status_change_before_deletion_wins(app, world):
    cases, _ = world
    svc = app.extensions["tipline"]
    age(app, cases["closed_old"], status="in_progress", changed=timedelta(0))
    report = retention.apply(svc.sessions(), svc.settings, svc.blobs)
    assert cases["closed_old"] not in {c.case_id for c in report.cases}


def test_configured_policy_and_in_progress_never(app, client, test_keys, settings):
    svc = app.extensions["tipline"]
    case_id = make_case(client, test_keys.public_keys)
    age(app, case_id, status="in_progress", changed=10_000 * DAY, created=10_000 * DAY)
    useful = make_case(client, test_keys.public_keys)
    age(app, useful, status="useful", changed=11 * DAY)
    from dataclasses import replace

    strict = replace(settings, retention_useful_days=10, retention_new_days=1, retention_closed_days=1,
                     retention_not_actionable_days=1)
    report = retention.apply(svc.sessions(), strict, svc.blobs)
    assert [c.case_id for c in report.cases] == [useful]


def test_cli_dry_run_and_run(app, world, settings, monkeypatch):
    cases, due = world
    env = {"DATABASE_URL": settings.database_url, "TIPLINE_BLOB_DIR": str(settings.blob_dir),
           "TIPLINE_KEYS_DIR": str(settings.keys_dir), "TIPLINE_ORIGIN": settings.origin}
    runner = CliRunner()
    dry = runner.invoke(server_cli, ["retention", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"would delete {len(due)} cases" in dry.output
    for name in due:
        assert cases[name] in dry.output
    assert count_rows(app)[0] == len(cases)
    done = runner.invoke(server_cli, ["retention"], env=env)
    assert done.exit_code == 0, done.output
    assert f"deleted {len(due)} cases" in done.output
    assert count_rows(app)[0] == len(cases) - len(due)


def test_tombstones_reach_the_change_feed(app, client, world):
    cases, due = world
    svc = app.extensions["tipline"]
    operators.create_operator(svc.sessions(), "agent", PASSWORD)
    token = client.post("/api/operator/v1/session", json={"username": "agent", "password": PASSWORD}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    cursor = client.get("/api/operator/v1/changes?limit=1000", headers=auth).json["cursor"]
    retention.apply(svc.sessions(), svc.settings, svc.blobs)
    page = client.get(f"/api/operator/v1/changes?since={cursor}", headers=auth).json
    assert {d["case_id"] for d in page["deleted"]} == {cases[n] for n in due}
    assert page["cursor"] == max(d["seq"] for d in page["deleted"]) and page["more"] is False
    assert page["cases"] == [] and page["items"] == []
    # paging through the tombstones one at a time loses none
    seen, since = set(), cursor
    for _ in range(20):
        page = client.get(f"/api/operator/v1/changes?since={since}&limit=1", headers=auth).json
        seen |= {d["case_id"] for d in page["deleted"]}
        since = page["cursor"]
        if not page["more"]:
            break
    assert seen == {cases[n] for n in due}
