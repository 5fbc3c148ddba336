import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from nacl.bindings import crypto_scalarmult_base
from nacl.signing import SigningKey

from envelope import bundle as kb
from envelope import errors
from envelope.manifest import AttachmentEntry, parse_manifest

ROOT = os.urandom(32)
ROOT_PK = bytes(SigningKey(ROOT).verify_key)
PK = crypto_scalarmult_base(os.urandom(32))
BACKUP = crypto_scalarmult_base(os.urandom(32))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ORIGIN = "https://signalement.example"


def signed(**kw):
    args = dict(origin=ORIGIN, sequence=3, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=30),
                recipients=[(PK, "primary"), (BACKUP, "backup")])
    args.update(kw)
    return kb.sign_bundle(kb.make_payload(**args), ROOT)


def test_sign_and_verify():
    b = kb.verify_bundle(json.dumps(signed()), ROOT_PK, origin=ORIGIN, now=NOW, min_sequence=2)
    assert b.public_keys == [PK, BACKUP]
    assert b.sequence == 3


@pytest.mark.parametrize("change, code", [
    (lambda d: {**d, "signature": kb.b64(bytes(64))}, "bundle_bad_signature"),
    (lambda d: {**d, "payload": d["payload"].replace("signalement", "signalemenx")}, "bundle_bad_signature"),
    (lambda d: {**d, "signer": "00" * 8}, "bundle_bad_signature"),
    (lambda d: {**d, "extra": 1}, "bundle_malformed"),
    (lambda d: {**d, "version": 2}, "bundle_malformed"),
    (lambda d: "not json", "bundle_malformed"),
    (lambda d: {**d, "version": True}, "bundle_malformed"),
    (lambda d: {**d, "version": 1.0}, "bundle_malformed"),
    # base64 has one spelling: what libsodium.js would refuse, Python refuses too
    (lambda d: {**d, "signature": "A" * 85 + "B=="}, "bundle_malformed"),  # unused bits set
    (lambda d: {**d, "signature": d["signature"] + "\n"}, "bundle_malformed"),
    (lambda d: {**d, "payload": d["payload"].replace('"issued":"2026-05-31T00:00:00Z"',
                                                       '"issued":"2026-5-31T0:0:0Z"')}, "bundle_bad_signature"),
])
def test_tampered_bundles(change, code):
    with pytest.raises(errors.BundleError) as info:
        kb.verify_bundle(change(signed()), ROOT_PK, origin=ORIGIN, now=NOW)
    assert info.value.code == code


def test_expired_wrong_origin_rollback_future():
    with pytest.raises(errors.BundleExpired):
        kb.verify_bundle(signed(expires=NOW), ROOT_PK, origin=ORIGIN, now=NOW)
    with pytest.raises(errors.BundleWrongOrigin):
        kb.verify_bundle(signed(), ROOT_PK, origin="https://other.example", now=NOW)
    with pytest.raises(errors.BundleSequenceRollback):
        kb.verify_bundle(signed(sequence=2), ROOT_PK, origin=ORIGIN, now=NOW, min_sequence=3)
    with pytest.raises(errors.BundleNotYetValid):
        kb.verify_bundle(signed(issued=NOW + timedelta(hours=2)), ROOT_PK, origin=ORIGIN, now=NOW)
    with pytest.raises(errors.BundleBadSignature):
        kb.verify_bundle(signed(), bytes(SigningKey(os.urandom(32)).verify_key), origin=ORIGIN, now=NOW)


@pytest.mark.parametrize("kw", [
    dict(recipients=[]),
    dict(recipients=[(PK, "backup")]),
    dict(recipients=[(PK, "primary"), (PK, "backup")]),
    dict(recipients=[(PK, "boss")]),
    dict(origin="https://Example.com/path"),
    dict(sequence=0),
    dict(expires=NOW - timedelta(days=2)),
])
def test_make_payload_refuses_what_phones_would_refuse(kw):
    with pytest.raises(errors.BundleMalformed):
        signed(**kw)


def test_root_key_document_round_trip():
    doc = kb.root_key_document(ROOT_PK)
    assert kb.parse_root_key_document(json.dumps(doc)) == ROOT_PK
    with pytest.raises(errors.BundleMalformed):
        kb.parse_root_key_document({**doc, "fingerprint": "AAAA"})


def entry(**kw):
    base = {"part": 1, "name": "a.jpg", "media_type": "image/jpeg", "length": 3, "sha256": "a" * 64,
            "header_hash": "b" * 64}
    base.update(kw)
    return base


@pytest.mark.parametrize("attachments", [
    "nope",
    [entry(part=0)],
    [entry(part=True)],
    [entry(length=-1)],
    [entry(sha256="A" * 64)],
    [entry(sha256="a" * 64 + "\n")],
    [entry(name="")],
    [entry(), entry()],
    [{k: v for k, v in entry().items() if k != "sha256"}],
])
def test_malformed_manifests(attachments):
    with pytest.raises(errors.ManifestInvalid):
        parse_manifest({"attachments": attachments})


def test_manifest_round_trip():
    entries = parse_manifest({"attachments": [entry(), entry(part=2, name="b.mp4")]})
    assert sorted(entries) == [1, 2]
    assert AttachmentEntry.from_json(entries[2].to_json()) == entries[2]
    assert parse_manifest({}) == {}
    # members a reader does not know are ignored (the app adds, e.g., what it stripped)
    assert parse_manifest({"attachments": [{**entry(), "removed": ["gps"]}]})[1] == AttachmentEntry.from_json(entry())
