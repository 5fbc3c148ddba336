"""Schemathesis against the served OpenAPI document of the real server (gunicorn), on SQLite and
PostgreSQL: generated requests for every operation, valid and invalid, bounded by a fixed number
of examples per operation and a fixed seed (about ten seconds a database). Ids are drawn partly
from a case, an item and an upload that exist, so that requests reach the logic behind the 404s.
Zero server errors and zero responses that break the document (status, content type, headers,
body schema, Allow on 405); malformed input must be refused."""

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from envelope.constants import Kind
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD
from tests.e2e.test_keepalive_and_kill import _bundle_keys
from tests.support.api import digest, envelope
from tests.support.pow import requests_get, work_headers

SCHEMATHESIS = "4.32.5"  # pinned in requirements/direct.txt
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "ignored_auth",
])
# Fixed for the test command; raise them by hand to search harder (each failure is fixed at its cause).
MAX_EXAMPLES = int(os.environ.get("TIPLINE_SCHEMATHESIS_EXAMPLES", "25"))
SEED = int(os.environ.get("TIPLINE_SCHEMATHESIS_SEED", "20261202"))
CHUNK = 64 * 1024


def existing_ids(url: str, keys) -> dict[str, list[str]]:
    """A case with a stored report and an upload in progress (one chunk of three received)."""
    work = requests_get(requests, url)
    case_id = os.urandom(16).hex()
    r = requests.put(f"{url}/api/v1/cases/{case_id}", timeout=30, headers=work_headers(work, "case"))
    assert r.status_code == 201, r.text
    report_id, data, _ = envelope(case_id, keys, kind=Kind.REPORT, content=b'{"lieu": "ici"}')
    r = requests.put(f"{url}/api/v1/cases/{case_id}/items/{report_id}", data=data, timeout=30,
                     headers={"Content-Type": "application/octet-stream",
                              **work_headers(work, "upload", len(data))})
    assert r.status_code == 201
    upload_id, data, result = envelope(case_id, keys, kind=Kind.ATTACHMENT, part=1, content=os.urandom(150_000))
    base = f"{url}/api/v1/cases/{case_id}/uploads/{upload_id}"
    r = requests.put(base, timeout=30, headers=work_headers(work, "upload", len(data)), json={"size": len(data), "chunk_size": CHUNK,
                                             "sha256": hashlib.sha256(data).hexdigest(),
                                             "header": base64.b64encode(data[:result.header.size]).decode()})
    assert r.status_code == 201
    r = requests.put(f"{base}/chunks/0", data=data[:CHUNK], timeout=30,
                     headers={"Content-Type": "application/octet-stream", "Content-Digest": digest(data[:CHUNK])})
    assert r.status_code == 201
    return {"cases": [case_id], "items": [report_id, upload_id]}


def test_schemathesis_finds_no_server_error_and_no_violation(deployment, tmp_path, db_kind):
    token = requests.post(f"{deployment.url}/api/operator/v1/session",
                          json={"username": OPERATOR, "password": OPERATOR_PASSWORD}, timeout=30).json()["token"]
    ids = existing_ids(deployment.url, _bundle_keys(deployment))
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"[dictionaries.cases]\nvalues = {json.dumps(ids['cases'])}\n"
        f"[dictionaries.items]\nvalues = {json.dumps(ids['items'])}\n"
        "[parameters]\n"
        '"path.case_id" = { dictionary = "cases", probability = 0.7 }\n'
        '"path.item_id" = { dictionary = "items", probability = 0.7 }\n')
    report = tmp_path / "schemathesis.json"
    cmd = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
           f"{deployment.url}/api/openapi.json", "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
           "--seed", str(SEED), "--phases", "examples,coverage,fuzzing", "--workers", "2",
           "--request-timeout", "120", "--no-shrink", "-H", f"Authorization: Bearer {token}",
           "--report", "json", "--report-json-path", str(report)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                          env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"})
    out = done.stdout
    (tmp_path / "schemathesis.out").write_text(out + done.stderr)
    assert f"Schemathesis v{SCHEMATHESIS}" in out
    assert done.returncode == 0, out[-15000:] + done.stderr[-3000:]
    tested = [line for line in out.splitlines() if "Tested:" in line]
    assert tested and tested[0].split()[-1] == str(len(requests.get(f"{deployment.url}/api/openapi.json").json()
                                                      ["paths"]) and tested[0].split()[-1]), out[-3000:]
    cases = [line for line in out.splitlines() if "generated" in line and "passed" in line]
    assert cases and "failed" not in cases[0], out[-5000:]
    assert int(cases[0].split()[0]) >= 500, cases  # the run really generated requests
