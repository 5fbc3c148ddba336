"""Operator login on SQLite and PostgreSQL: the TOTP second factor and recovery codes, the
per-username slow-down (never a lockout of the real operator), no username enumeration, Argon2
outside any transaction, and the hash-chained audit trail with its tamper check."""

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from envelope.constants import Kind
from server.models import AuditEntry, LoginThrottle
from server.services import audit, operators, totp
from tests.support.api import envelope, open_case, put_item

PASSWORD = "correct horse battery staple"
URL = "/api/operator/v1/session"
REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture
def settings_overrides():
    return {"require_totp": 1, "login_max_failures": 3, "login_max_delay_seconds": 8}


@pytest.fixture
def svc(app):
    return app.extensions["tipline"]


@pytest.fixture
def enrolled(svc):
    operators.create_operator(svc.sessions(), "agent", PASSWORD)
    return operators.enroll_totp(svc.sessions(), svc.settings, "agent")


def _code(enrolment, offset_steps=0):
    return totp.code_at(enrolment.secret, time.time() + offset_steps * totp.STEP_SECONDS)


def _login(client, username="agent", password=PASSWORD, **extra):
    return client.post(URL, json={"username": username, "password": password, **extra})


def test_totp_matches_rfc_6238_vectors():
    key = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1
    for t, expected in [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                        (2000000000, "69279037")]:
        assert totp.hotp(key, totp.step_of(t), digits=8) == expected
    secret = totp.new_secret()
    now = 1_800_000_000
    code = totp.code_at(secret, now)
    assert totp.matching_step(secret, code, now, after_step=None) == totp.step_of(now)
    assert totp.matching_step(secret, code, now + 30, after_step=None) == totp.step_of(now)  # one step late
    assert totp.matching_step(secret, code, now + 90, after_step=None) is None  # too late
    assert totp.matching_step(secret, code, now, after_step=totp.step_of(now)) is None  # used already
    assert totp.provisioning_uri(secret, "agent", "Tip line").startswith("otpauth://totp/Tip%20line:agent?secret=")


def test_second_factor_and_recovery_codes(client, svc, enrolled):
    assert _login(client).status_code == 401  # the password alone is not enough
    assert _login(client, code="000000" if _code(enrolled) != "000000" else "111111").status_code == 401
    code = _code(enrolled)
    r = _login(client, code=code)
    assert r.status_code == 201, r.json
    assert r.json["device"]  # a device token for the desk to keep
    assert _login(client, code=code).status_code == 401  # a code works once
    # recovery codes: each works once, and they are stored hashed
    first = enrolled.recovery_codes[0]
    with svc.sessions() as s:
        stored = [row[0] for row in s.execute(text("SELECT code_hash FROM recovery_codes"))]
    assert len(stored) == totp.RECOVERY_CODES and first not in stored and first.replace("-", "") not in stored
    assert _login(client, code=first.upper()).status_code == 201
    assert _login(client, code=first).status_code == 401
    # enrolling again replaces the factor and its codes
    again = operators.enroll_totp(svc.sessions(), svc.settings, "agent")
    assert _login(client, code=enrolled.recovery_codes[1]).status_code == 401
    assert _login(client, code=_code(again)).status_code == 201


def test_an_operator_without_a_second_factor_cannot_log_in_when_it_is_required(client, svc):
    operators.create_operator(svc.sessions(), "newcomer", PASSWORD)
    r = _login(client, "newcomer")
    assert r.status_code == 401 and r.json["error"] == "invalid_credentials"


def test_slow_down_without_lockout_or_enumeration(client, svc, enrolled):
    def attempts(username):
        answers = []
        for _ in range(5):
            r = _login(client, username, "wrong password!", code="123456")
            answers.append((r.status_code, r.json["error"], r.headers.get("Retry-After") is not None))
        return answers

    known, unknown = attempts("agent"), attempts("nobody.here")
    assert known == unknown  # the same answers for a name that exists and one that does not
    assert known[:3] == [(401, "invalid_credentials", False)] * 3
    assert known[3] == (429, "slow_down", True)
    r = _login(client, "agent", "wrong password!")
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= svc.settings.login_max_delay_seconds
    assert r.json["details"]["retry_after"] == int(r.headers["Retry-After"])
    # while the username waits, even the right password and code are not evaluated from a new device ...
    assert _login(client, code=_code(enrolled)).status_code == 429
    # ... but once the wait is over they work: a slow-down, never a lockout
    with svc.sessions() as s, s.begin():
        s.execute(text("UPDATE login_throttle SET not_before = 0"))
    r = _login(client, code=_code(enrolled))
    assert r.status_code == 201, r.json
    device = r.json["device"]
    with svc.sessions() as s:
        assert s.query(LoginThrottle).count() == 1  # the success forgot the agent's failures, not nobody's

    # a stranger failing on purpose holds the username back ...
    for _ in range(5):
        _login(client, "agent", "a stranger's guess")
    assert _login(client, "agent", "a stranger's guess").status_code == 429
    # ... but not the operator's own desk, which carries its device token
    r = _login(client, code=_code(enrolled, 1), device=device)
    assert r.status_code == 201 and r.json["device"] is None  # the same device token stays valid
    # a device token does not vouch for another account's attempts
    operators.create_operator(svc.sessions(), "other", PASSWORD)
    for _ in range(5):
        _login(client, "other", "wrong password!")
    assert _login(client, "other", "wrong password!", device=device).status_code == 429


def test_password_hashing_runs_outside_any_transaction_and_the_same_for_unknown_names(svc, enrolled, monkeypatch):
    session = svc.sessions()
    calls = []
    real = operators.check_password

    def watched(stored, password):
        calls.append(session.in_transaction())
        return real(stored, password)

    monkeypatch.setattr(operators, "check_password", watched)
    for username in ("agent", "nobody.at.all"):
        with pytest.raises(Exception) as failed:
            operators.login(session, svc.settings, username, "wrong password!", code="123456")
        assert getattr(failed.value, "code", None) == "invalid_credentials"
    assert calls == [False, False]  # one Argon2 verification each, never inside a transaction
    session.close()


def _audit_env(svc, test_keys, tmp_path):
    return {**os.environ, "DATABASE_URL": svc.settings.database_url, "TIPLINE_KEYS_DIR": str(test_keys.dir),
            "TIPLINE_ORIGIN": test_keys.origin, "TIPLINE_DATA_DIR": str(tmp_path / "data")}


def _verify_cli(env):
    return subprocess.run([sys.executable, "-m", "server", "audit", "verify"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_audit_trail_records_actions_and_detects_tampering(client, svc, enrolled, test_keys, tmp_path):
    r = _login(client, code=_code(enrolled))
    auth = {"Authorization": f"Bearer {r.json['token']}"}
    _login(client, "agent", "wrong password!")
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=Kind.REPORT)
    assert put_item(client, case_id, item_id, data).status_code == 201
    assert client.put(f"/api/operator/v1/cases/{case_id}/status", json={"status": "useful"},
                      headers=auth).status_code == 200
    assert client.get(f"/api/operator/v1/items/{item_id}/content", headers=auth).status_code == 200
    assert client.delete(URL, headers=auth).status_code == 204
    with svc.sessions() as s:
        entries = s.query(AuditEntry).order_by(AuditEntry.seq).all()
        assert [e.action for e in entries] == ["second_factor_enrolled", "login", "login_failed", "status_changed",
                                               "content_downloaded", "logout"]
        assert {e.actor for e in entries} == {"agent"}
        assert [e.case_id for e in audit.for_case(s, case_id)] == [case_id, case_id]
        assert audit.verify(s).ok
    # the case's part of the trail, for the console's history
    r = _login(client, code=_code(enrolled, 1))
    auth = {"Authorization": f"Bearer {r.json['token']}"}
    trail = client.get(f"/api/operator/v1/cases/{case_id}/audit", headers=auth).json["entries"]
    assert [(e["actor"], e["action"], e["detail"]) for e in trail] == [
        ("agent", "status_changed", {"from": "new", "to": "useful"}), ("agent", "content_downloaded", None)]
    assert client.get(f"/api/operator/v1/cases/{'f' * 32}/audit", headers=auth).status_code == 404
    assert client.delete(URL, headers=auth).status_code == 204
    env = _audit_env(svc, test_keys, tmp_path)
    done = _verify_cli(env)
    assert done.returncode == 0 and "8 entries" in done.stdout

    # an edited entry
    with svc.sessions() as s, s.begin():
        s.execute(text("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 4"))
    done = _verify_cli(env)
    assert done.returncode == 1 and "entry 4 was altered" in done.stderr
    with svc.sessions() as s, s.begin():
        s.execute(text("UPDATE audit_log SET actor = 'agent' WHERE seq = 4"))
    assert _verify_cli(env).returncode == 0
    # a removed entry in the middle, and one at the end
    with svc.sessions() as s, s.begin():
        s.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    with svc.sessions() as s:
        problems = audit.verify(s).problems
    assert any("missing" in p for p in problems) and any("entry 4 does not follow" in p for p in problems)
    with svc.sessions() as s, s.begin():
        s.execute(text("DELETE FROM audit_log WHERE seq >= 3"))
    done = _verify_cli(env)
    assert done.returncode == 1 and "removed at the end" in done.stderr


def test_simultaneous_first_failures_of_one_username_are_all_counted(svc):
    """Two workers inserting the first throttle row of a username at once: one retries (no 500)."""
    import threading

    from server.errors import ApiError

    answers, barrier = [], threading.Barrier(4)

    def attempt():
        session = svc.sessions()
        barrier.wait(timeout=30)
        try:
            operators.login(session, svc.settings, "someone.new", "wrong password!", code="123456")
        except ApiError as exc:
            answers.append(exc.code)
        finally:
            session.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # three answered at once, the fourth told to wait (login_max_failures is 3 here)
    assert sorted(answers) == ["invalid_credentials"] * 3 + ["slow_down"]
    with svc.sessions() as s:
        assert s.query(LoginThrottle).one().failures == 4


def test_assignee_is_shared_through_the_feed_and_audited(client, svc, enrolled, test_keys):
    r = _login(client, code=_code(enrolled))
    auth = {"Authorization": f"Bearer {r.json['token']}"}
    case_id = open_case(client)
    cursor = client.get("/api/operator/v1/changes", headers=auth).json["cursor"]
    r = client.put(f"/api/operator/v1/cases/{case_id}/assignee", json={"assignee": "agent.martin"}, headers=auth)
    assert r.status_code == 200 and r.json["assignee"] == "agent.martin"
    # another desk following the feed sees the case move, with its assignee
    page = client.get(f"/api/operator/v1/changes?since={cursor}", headers=auth).json
    assert [(c["case_id"], c["assignee"]) for c in page["cases"]] == [(case_id, "agent.martin")]
    r = client.put(f"/api/operator/v1/cases/{case_id}/assignee", json={"assignee": None}, headers=auth)
    assert r.status_code == 200 and r.json["assignee"] is None
    for bad in ("", " agent", "agent\n", "a" * 65, "x\x00y"):
        r = client.put(f"/api/operator/v1/cases/{case_id}/assignee", json={"assignee": bad}, headers=auth)
        assert r.status_code == 400, bad
    assert client.put(f"/api/operator/v1/cases/{'f' * 32}/assignee", json={"assignee": "x"},
                      headers=auth).status_code == 404
    trail = client.get(f"/api/operator/v1/cases/{case_id}/audit", headers=auth).json["entries"]
    assert [(e["action"], e["detail"]) for e in trail] == [
        ("assigned", {"from": None, "to": "agent.martin"}), ("assigned", {"from": "agent.martin", "to": None})]
    # a desk reports what the server cannot see: an export; nothing else goes in this way
    r = client.post(f"/api/operator/v1/cases/{case_id}/audit", json={"action": "exported", "what": "case_file_pdf"},
                    headers=auth)
    assert r.status_code == 201 and (r.json["actor"], r.json["action"]) == ("agent", "exported")
    for body in ({"action": "login", "what": "case_file_pdf"}, {"action": "exported", "what": "anything"},
                 {"action": "exported"}):
        assert client.post(f"/api/operator/v1/cases/{case_id}/audit", json=body, headers=auth).status_code == 400
    with svc.sessions() as s:
        assert audit.verify(s).ok


def test_gc_forgets_old_slowdowns(client, svc, enrolled):
    from datetime import timedelta

    from server.services.maintenance import collect_garbage

    for name in ("agent", "nobody.here"):
        _login(client, name, "wrong password!")
    with svc.sessions() as s, s.begin():
        s.execute(text("UPDATE login_throttle SET not_before = not_before - :d WHERE failures > 0"),
                  {"d": svc.settings.login_decay_seconds + 1})
    _login(client, "someone.else", "wrong password!")  # a recent failure stays
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert report["login_slowdowns_forgotten"] == 0  # the failure above already forgot the two old rows
    with svc.sessions() as s:
        assert s.query(LoginThrottle).count() == 1
    with svc.sessions() as s, s.begin():
        s.execute(text("UPDATE login_throttle SET not_before = 0"))
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert report["login_slowdowns_forgotten"] == 1
    with svc.sessions() as s:
        assert s.query(LoginThrottle).count() == 0
