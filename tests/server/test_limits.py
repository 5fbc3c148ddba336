"""Configured limits: each breach is a clear 4xx and leaves nothing half-stored."""

import os

import pytest

from envelope.constants import Kind
from tests.server.test_citizen_api import store_state
from tests.support.api import envelope, open_case, put_item


@pytest.fixture
def settings_overrides():
    return {"max_direct_put_bytes": 64 * 1024, "max_items_per_case": 4, "max_case_bytes": 150 * 1024}


def test_limits_are_clear_4xx(app, client, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                content=os.urandom(70 * 1024))
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 413 and r.json["error"] == "item_too_large"
    for part in range(1, 5):
        i, d, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=part)
        assert put_item(client, case_id, i, d).status_code == 201
    i, d, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=5)
    r = put_item(client, case_id, i, d)
    assert r.status_code == 409 and r.json["error"] == "too_many_items"
    assert store_state(app) == (4, 4, 0)


def test_case_byte_quota(app, client, test_keys):
    case_id = open_case(client)
    for part in (1, 2, 3):
        i, d, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=part,
                           content=os.urandom(60 * 1024))
        r = put_item(client, case_id, i, d)
        expected = 201 if part < 3 else 413
        assert r.status_code == expected, r.json
    assert r.json["error"] == "case_too_large"
