"""The OpenAPI document is valid, current and complete; the server serves only a good bundle."""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from envelope import bundle as kb
from server.app import create_app
from server.keybundle import KeyBundleUnavailable
from server.openapi import build_spec, render

REPO = Path(__file__).resolve().parents[2]


def test_openapi_is_valid_and_committed():
    spec = build_spec()
    validate(spec)
    committed = REPO / "docs" / "openapi.json"
    assert committed.read_text() == render(), \
        "docs/openapi.json is stale: run tipline-server openapi --out docs/openapi.json"


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_every_route_is_documented(app):
    spec = build_spec()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for conv in ("id:", "int:", "index:"):
            path = path.replace("<" + conv, "{")
        path = path.replace(">", "}")
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_openapi_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and json.loads(r.data)["openapi"] == "3.1.0"


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_no_bundle_means_503(settings, tmp_path):
    app = create_app(settings.__class__(**{**settings.__dict__, "keys_dir": tmp_path / "none"}))
    r = app.test_client().get("/api/v1/key-bundle")
    assert r.status_code == 503 and r.json["error"] == "no_key_bundle"
    app.extensions["tipline"].engine.dispose()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_refuses_to_start_with_a_bad_bundle(settings, test_keys, tmp_path):
    def attempt(**kw):
        keys = test_keys.write_bundle(tmp_path / os.urandom(4).hex(), **kw)
        return create_app(settings.__class__(**{**settings.__dict__, "keys_dir": keys}))

    with pytest.raises(KeyBundleUnavailable, match="another root"):
        attempt(seed=os.urandom(32))
    with pytest.raises(KeyBundleUnavailable, match="not https://signalement.test"):
        attempt(origin="https://elsewhere.test")
    # validly signed, but for longer than a bundle may be (a server must not serve it to phones)
    keys = test_keys.write_bundle(tmp_path / "long")
    document = json.loads((keys / "bundle.json").read_text())
    payload = json.loads(document["payload"])
    payload["expires"] = (kb.parse_time(payload["issued"]) + timedelta(days=90, seconds=1)).strftime(kb.TIME_FORMAT)
    long_payload = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    (keys / "bundle.json").write_text(json.dumps(kb.sign_bundle(long_payload, test_keys.root_seed)))
    with pytest.raises(KeyBundleUnavailable, match="at most 90 days"):
        create_app(settings.__class__(**{**settings.__dict__, "keys_dir": keys}))


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_rotated_bundle_is_served_without_restart_but_not_a_rollback(settings, test_keys, tmp_path):
    keys = test_keys.write_bundle(tmp_path / "keys", sequence=5)
    app = create_app(settings.__class__(**{**settings.__dict__, "keys_dir": keys}))
    client = app.test_client()

    def served_sequence():
        payload = json.loads(client.get("/api/v1/key-bundle").json["payload"])
        return payload["sequence"]

    assert served_sequence() == 5
    time.sleep(0.01)
    test_keys.write_bundle(keys, sequence=6)
    assert served_sequence() == 6
    time.sleep(0.01)
    test_keys.write_bundle(keys, sequence=4)
    assert served_sequence() == 6  # a lower sequence is refused, the last good one stays
    time.sleep(0.01)
    test_keys.write_bundle(keys, sequence=7, seed=os.urandom(32))
    assert served_sequence() == 6  # a bundle signed by another root too
    app.extensions["tipline"].engine.dispose()
