"""The log's scrubbing, unit by unit (the end-to-end check with gunicorn is tests/e2e/test_logs.py):
addresses in every spelling, ids and SQL go; times, hashes and code stay; an unexpected database
error with canary values is logged as code locations and types only; citizen requests are not
logged at INFO, errors included."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import text

from server.logs import ScrubbingFormatter, _gunicorn_message, safe_traceback, scrub
from tests.support.api import new_id
from tests.support.pow import flask_get, work_headers

CANARY_ID = "c0ffee" + "0" * 26


@pytest.mark.parametrize("address", [
    "127.0.0.7", "10.1.2.3", "::1", "[::1]", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329",
    "fe80::1%eth0", "::ffff:192.0.2.128", "[2001:db8::7]:443", "FE80::ABCD",
])
def test_addresses_in_every_spelling_are_removed(address):
    line = f"Invalid request from ip={address}: Invalid HTTP request line: 'GET /x'"
    assert address.strip("[]").split("]")[0] not in scrub(line)
    assert "<address>" in scrub(line)
    assert address not in scrub(f"connection from {address}, port 5000")


@pytest.mark.parametrize("kept", [
    "2026-12-02 06:12:20,530 WARNING", "took 12:30:45", "sha256 " + "ab" * 32, "python 3.11.7",
    "PUT /api/v1/cases/<id:case_id> 201 12ms", "  File \"server/app.py\", line 12, in create_app",
])
def test_what_is_not_an_address_stays(kept):
    assert scrub(kept) == kept


def test_ids_and_sql_are_removed():
    message = (f"(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint \"cases_pkey\"\n"
               f"DETAIL:  Key (id)=({CANARY_ID}) already exists.\n"
               f"[SQL: INSERT INTO cases (id, created_at) VALUES (%(id)s, %(created_at)s)]\n"
               f"[parameters: {{'id': '{CANARY_ID}', 'created_at': '2026-12-02'}}]\n"
               f"(Background on this error at: https://sqlalche.me/e/20/gkpj)")
    out = scrub(message)
    assert CANARY_ID not in out and "INSERT" not in out and "[parameters" not in out
    assert "cases_pkey" in out and "Background" in out
    assert scrub(f"GET /api/v1/cases/{CANARY_ID}/items") == "GET /api/v1/cases/<id>/items"


def test_gunicorn_lines_lose_what_the_client_sent():
    assert _gunicorn_message("Invalid request from ip=::1: Invalid HTTP Version 'HTTP/9.9 CANARY'", ()) == \
        "invalid request refused (Invalid HTTP Version)"
    assert _gunicorn_message("Error handling request %s %s", ("PUT", f"/api/v1/cases/{CANARY_ID}?a=CANARY")) == \
        "Error handling request"


def test_the_formatter_scrubs_exceptions_and_stacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "peer %s", ("127.0.0.7",), None)
    try:
        raise ConnectionError(f"reset by 127.0.0.7 for case {CANARY_ID}")
    except ConnectionError:
        import sys

        record.exc_info = sys.exc_info()
    out = ScrubbingFormatter("%(message)s").format(record)
    assert "127.0.0.7" not in out and CANARY_ID not in out and "ConnectionError" in out


def test_a_real_database_error_is_logged_without_its_sql_or_values(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (?)", (CANARY_ID,))
    try:
        conn.execute("INSERT INTO t VALUES (?)", (CANARY_ID,))
    except sqlite3.IntegrityError as exc:
        out = safe_traceback(exc)
    assert CANARY_ID not in out and "UNIQUE" not in out and "INSERT" not in out.split("\n")[-1]
    assert out.endswith("sqlite3.IntegrityError (SQLITE_CONSTRAINT_PRIMARYKEY)")


def test_unexpected_database_error_in_a_request(app, client, caplog, db_kind):
    """A real failure of the database (a trigger refuses the insert, quoting the row on
    PostgreSQL) during a citizen request: 500 for the client, a data-free traceback in the log."""
    engine = app.extensions["tipline"].engine
    with engine.begin() as conn:
        if db_kind == "sqlite":
            conn.execute(text("CREATE TRIGGER forced BEFORE INSERT ON cases BEGIN "
                              "SELECT RAISE(ABORT, 'forced failure'); END"))
        else:
            conn.execute(text("CREATE FUNCTION forced() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "RAISE EXCEPTION 'forced failure for %', NEW.id "
                              "USING DETAIL = 'Key (id)=(' || NEW.id || ')'; END $$"))
            conn.execute(text("CREATE TRIGGER forced BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION forced()"))
    case_id = new_id()
    with caplog.at_level(logging.DEBUG, logger="tipline"):
        r = client.put(f"/api/v1/cases/{case_id}", headers=work_headers(flask_get(client), "case"))
    assert r.status_code == 500 and r.json["error"] == "internal_error"
    logged = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records)
    assert "unexpected error (" in logged and "Traceback" in logged
    assert ("SQLITE_CONSTRAINT_TRIGGER" if db_kind == "sqlite" else "SQLSTATE P0001") in logged
    assert case_id not in logged and "forced" not in logged and "INSERT" not in logged
    assert "[SQL" not in logged and "[parameters" not in logged


def test_citizen_requests_are_not_logged_at_info_even_when_refused(client, caplog):
    with caplog.at_level(logging.INFO, logger="tipline"):
        assert client.put("/api/v1/cases/not-an-id").status_code == 400
        assert client.get(f"/api/v1/cases/{new_id()}").status_code == 404
        headers = work_headers(flask_get(client), "case")
        assert client.put(f"/api/v1/cases/{new_id()}", headers=headers).status_code == 201
    assert [r.getMessage() for r in caplog.records if r.name == "tipline.requests"] == []
