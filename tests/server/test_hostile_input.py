"""Hostile input is a clear 4xx, on SQLite and PostgreSQL: deeply nested JSON, integers out of
range in paths, queries and bodies, methods a route does not have. Each check walks the OpenAPI
document, so a route added later is covered too."""

import os
import threading

import pytest
from marshmallow import fields, validate

from envelope.constants import Kind
from server import schemas
from server.ids import MAX_INT64
from server.openapi import build_spec
from server.services import operators
from tests.support.api import chunks_of, create_upload, envelope, new_id, open_case, put_chunk

PASSWORD = "correct horse battery staple"
CHUNK = 64 * 1024


@pytest.fixture
def auth(app, client):
    operators.create_operator(app.extensions["tipline"].sessions(), "agent", PASSWORD)
    r = client.post("/api/operator/v1/session", json={"username": "agent", "password": PASSWORD})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture
def mailbox_auth(client):
    """A mailbox token, for the routes documented with the mailboxToken scheme."""
    from tests.support.mailbox import login, receipt_keys, registration, work

    keys = receipt_keys(0)
    assert client.put(f"/api/v1/cases/{new_id()}", json=registration(keys), headers=work(client)).status_code == 201
    return login(client, keys)


def headers_for(path: str, method: str, auth: dict, mailbox_auth: dict) -> dict:
    op = build_spec()["paths"][path][method]
    return mailbox_auth if {"mailboxToken": []} in op.get("security", []) else auth


def concrete(path: str, case_id: str) -> str:
    """A documented path with real ids (the case exists) and chunk 0."""
    return path.replace("{case_id}", case_id).replace("{item_id}", new_id()).replace("{index}", "0")


def operations(predicate):
    for path, ops in build_spec()["paths"].items():
        for method, op in ops.items():
            if predicate(op):
                yield path, method, op


def json_operations():
    return [(p, m) for p, m, op in operations(lambda op: "application/json" in
                                               op.get("requestBody", {}).get("content", {}))]


def test_every_json_route_refuses_deep_nesting(client, auth, mailbox_auth):
    case_id = open_case(client)
    routes = json_operations()
    assert len(routes) >= 3
    for depth in (2000, 100_000 // 2, 33):
        body = "[" * depth + "]" * depth
        for path, method in routes:
            r = client.open(concrete(path, case_id), method=method.upper(), data=body,
                            headers={"Content-Type": "application/json",
                                     **headers_for(path, method, auth, mailbox_auth)})
            assert r.status_code in (400, 413), (path, depth, r.status_code, r.json)
            if len(body) <= 64 * 1024:
                assert r.json["error"] == "json_too_deep", (path, r.json)
    # a shallow body of the right shape still works
    r = client.put(f"/api/operator/v1/cases/{case_id}/status", json={"status": "useful"}, headers=auth)
    assert r.status_code == 200


def test_nested_objects_inside_a_valid_body_are_refused(client, case_and_upload):
    case_id, item_id, data, hsize = case_and_upload
    deep = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    r = create_upload(client, case_id, item_id, data, hsize, CHUNK, extra=deep)
    assert r.status_code == 400 and r.json["error"] == "json_too_deep"


@pytest.fixture
def case_and_upload(client, test_keys):
    case_id = open_case(client)
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                     content=os.urandom(150_000))
    return case_id, item_id, data, result.header.size


def test_integers_beyond_64_bits_are_400_everywhere(client, auth, mailbox_auth, case_and_upload):
    case_id, item_id, data, hsize = case_and_upload
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).status_code == 201
    checked = 0
    for path, method, op in operations(lambda op: True):
        for param in op.get("parameters", []):
            schema = param.get("schema", {})
            if schema.get("type") != "integer":
                continue
            assert "maximum" in schema, f"{method} {path} {param['name']}: integers must be bounded"
            for value in (schema["maximum"] + 1, 2**63, 10**40, -1):
                url = path.replace("{case_id}", case_id).replace("{item_id}", item_id)
                if param["in"] == "path":
                    url = url.replace("{" + param["name"] + "}", str(value))
                else:
                    url = url.replace("{index}", "0") + f"?{param['name']}={value}"
                r = client.open(url, method=method.upper(), data=b"x" * CHUNK,
                                headers={"Content-Type": "application/octet-stream",
                                         "Content-Digest": "sha-256=:" + "A" * 43 + "=:",
                                         **headers_for(path, method, auth, mailbox_auth)})
                assert r.status_code == 400, (method, url, r.status_code, r.json)
                checked += 1
    assert checked >= 8
    # the boundary itself is fine
    r = client.get(f"/api/operator/v1/changes?since={MAX_INT64}", headers=auth)
    assert r.status_code == 200 and r.json["cursor"] == MAX_INT64


def test_every_integer_of_every_input_schema_is_bounded():
    """Any integer a client sends reaches the database within a BIGINT (a class-level check)."""
    from server.schemas import citizen, mailbox, operator  # noqa: F401  (every schema module)

    found = 0
    for module in (citizen, operator, mailbox):
        for name in dir(module):
            schema = getattr(module, name)
            if not (isinstance(schema, type) and issubclass(schema, schemas_base())):
                continue
            for field in schema().load_fields.values():
                if isinstance(field, fields.Integer) and not field.dump_only:
                    bounded = [v for v in field.validators if isinstance(v, validate.Range) and v.max is not None]
                    if "Query" in name or "Create" in name or "Update" in name:
                        assert bounded and bounded[0].max <= MAX_INT64, f"{name}.{field.name} has no maximum"
                        found += 1
    assert found >= 4


def schemas_base():
    from marshmallow import Schema

    assert schemas.__doc__
    return Schema


def test_body_integers_out_of_range_are_400(client, case_and_upload):
    case_id, item_id, data, hsize = case_and_upload
    for key in ("size", "chunk_size"):
        body = {"size": len(data), "chunk_size": CHUNK, "sha256": "0" * 64, "header": "AAAA", key: 2**64}
        r = client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}", json=body)
        assert r.status_code == 400 and r.json["error"] == "invalid_request", r.json


def test_allow_matches_the_documented_methods(client):
    case_id = open_case(client)
    spec = build_spec()
    for path, ops in spec["paths"].items():
        documented = {m.upper() for m in ops}
        allowed = documented | ({"HEAD"} if "GET" in documented else set())
        for method in {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"} - documented:
            r = client.open(concrete(path, case_id), method=method)
            assert r.status_code == 405, (method, path, r.status_code)
            assert set(r.headers["Allow"].split(", ")) == allowed, (method, path, r.headers["Allow"])
            assert r.json["error"] == "method_not_allowed"
    # an unknown API path is a JSON 404 whatever the method, never a 405 of the app's files
    for method in ("GET", "POST", "PUT"):
        r = client.open("/api/v1/nothing-here", method=method)
        assert r.status_code == 404 and r.json["error"] == "not_found"


def test_racing_puts_of_one_chunk_leave_no_loser_file(app, client, case_and_upload, monkeypatch):
    """Both racers rename their file into place before either records it: the loser's file goes."""
    case_id, item_id, data, hsize = case_and_upload
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).status_code == 201
    blobs = app.extensions["tipline"].blobs
    barrier = threading.Barrier(2, timeout=30)
    original = type(blobs).commit_chunk

    def commit_then_wait(self, spooled, item, index):
        original(self, spooled, item, index)
        barrier.wait()

    monkeypatch.setattr(type(blobs), "commit_chunk", commit_then_wait)
    last = chunks_of(data, CHUNK)[-1]
    other = os.urandom(len(last))
    results = {}

    def racer(name, body):
        with app.test_client() as c:
            results[name] = put_chunk(c, case_id, item_id, 2, body)

    threads = [threading.Thread(target=racer, args=(n, b)) for n, b in (("a", last), ("b", other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [201, 409], codes
    files = blobs.upload_files(item_id)
    assert len(files) == 1
    winner = next(r for r in results.values() if r.status_code == 201)
    assert files[0].name.endswith(winner.json["sha256"])
    assert not list(blobs.tmp_dir.iterdir())
