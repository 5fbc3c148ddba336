"""Retention end to end: a report is synced and decrypted on a desk, closed by an operator, and
once the policy's delay has passed, `tipline-server retention` deletes it on the server (rows and
files) and the desk's next sync removes its ciphertext and decrypted copies too."""

from datetime import timedelta

from sqlalchemy import create_engine, text

from server.services.clock import now
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD
from tests.support.desk import desk, server_cli
from tests.support.phone import Phone


def database_url(deployment) -> str:
    return deployment.env.get("DATABASE_URL") or f"sqlite:///{deployment.root / 'data' / 'tipline.sqlite3'}"


def test_closed_case_is_deleted_on_the_server_and_on_the_desk(deployment, tmp_path):
    phone = Phone(deployment.url, tmp_path)
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    kept = phone.send_report({"lieu": "CANARY-KEPT"}, [], bundle.public_keys)
    doomed = phone.send_report({"lieu": "CANARY-DOOMED"}, [], bundle.public_keys)

    home = deployment.desk_home
    desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    desk(home, "sync", "--quiet")
    desk(home, "decrypt")
    for case in (kept, doomed):
        assert (home / "cases" / case.case_id / "report.json").exists()
        assert (home / "ciphertext" / case.case_id).is_dir()
    desk(home, "status", doomed.case_id, "closed")
    desk(home, "status", kept.case_id, "closed")

    # 91 days later, for the doomed case only
    engine = create_engine(database_url(deployment))
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status_changed_at = :t WHERE id = :id"),
                     {"t": now() - timedelta(days=91), "id": doomed.case_id})
    engine.dispose()
    blobs = deployment.root / "data" / "blobs" / "items"
    before = {p.name for p in blobs.rglob("*") if p.is_file()}

    dry = server_cli(deployment.env, "retention", "--dry-run").stdout
    assert doomed.case_id in dry and kept.case_id not in dry and "would delete 1 cases" in dry
    done = server_cli(deployment.env, "retention").stdout
    assert "deleted 1 cases" in done
    after = {p.name for p in blobs.rglob("*") if p.is_file()}
    assert len(before - after) == 1 and all(n.startswith(kept.case_id) for n in after)

    result = desk(home, "sync", "--quiet")
    synced = result.stdout + result.stderr
    assert "1 cases deleted on the server" in synced
    assert not (home / "cases" / doomed.case_id).exists() and not (home / "ciphertext" / doomed.case_id).exists()
    assert (home / "cases" / kept.case_id / "report.json").exists()
    audit = server_cli(deployment.env, "audit", "show", "--case", doomed.case_id).stdout
    assert "retention_deleted" in audit and "CANARY" not in audit
