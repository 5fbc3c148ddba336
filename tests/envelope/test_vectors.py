"""The shared test vectors: this implementation must reproduce every byte of them."""

import base64
import hashlib
import io
import json
import subprocess
import sys

import pytest

from envelope import errors
from envelope.constants import Kind
from envelope.framing import chunk_nonce
from envelope.header import check_envelope_size, parse_header
from envelope.keys import derive_subkey, fingerprint, key_id
from envelope.manifest import parse_manifest, verify_case
from envelope.open import decrypt_bytes
from envelope.padding import padded_length, padme
from envelope.seal import encrypt_bytes
from tests.support import vectors as tv

VALID = tv.load("envelope-v1.json")["valid"]
INVALID = tv.load("envelope-v1-invalid.json")["invalid"]
IDS = tv.identities()
BASES = tv.envelopes()


def test_committed_vectors_are_what_the_generator_makes():
    done = subprocess.run([sys.executable, str(tv.DIR / "generate.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_primitives():
    p = tv.load("envelope-v1.json")["primitives"]
    assert [[n, padme(n)] for n, _ in p["padme"]] == p["padme"]
    assert [[n, padded_length(n)] for n, _ in p["padded_length"]] == p["padded_length"]
    for k in p["keys"]:
        pk = bytes.fromhex(k["public_key"])
        assert key_id(pk).hex() == k["key_id"]
        assert fingerprint(pk) == k["fingerprint"]
        assert k["fingerprint"].replace(" ", "").startswith(k["fingerprint"].replace(" ", "")[:12])
    kdf = p["kdf"]
    file_key = bytes.fromhex(kdf["file_key"])
    assert derive_subkey(file_key, 1).hex() == kdf["header_mac_key"]
    assert derive_subkey(file_key, 2).hex() == kdf["payload_key"]
    for index, last, nonce in p["nonces"]:
        assert chunk_nonce(index, last).hex() == nonce


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_valid_vector_encrypts_to_the_same_bytes(vector):
    recipients = [IDS[name].public_key for name in vector["recipients"]]
    content = tv.content_of(vector)
    data, result = encrypt_bytes(
        content, kind=Kind(vector["kind"]), case_id=bytes.fromhex(vector["case_id"]),
        envelope_id=bytes.fromhex(vector["envelope_id"]), part_index=vector["part_index"], recipients=recipients,
        file_key=bytes.fromhex(vector["file_key"]),
        ephemeral_secrets=[bytes.fromhex(e) for e in vector["ephemeral_secrets"]])
    assert data == base64.b64decode(vector["envelope"])
    assert hashlib.sha256(data).hexdigest() == vector["envelope_sha256"]
    assert len(data) == vector["envelope_size"]
    assert result.header_hash.hex() == vector["header_hash"]
    assert result.header.padded_length == vector["padded_length"]
    assert result.content_sha256.hex() == vector["content_sha256"]


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_valid_vector_opens_for_every_recipient(vector):
    data = base64.b64decode(vector["envelope"])
    header = parse_header(data)
    check_envelope_size(header, len(data))
    assert header.size == vector["header_size"]
    for name in vector["recipients"]:
        content, result = decrypt_bytes(data, [IDS[name]])
        assert content == tv.content_of(vector)
        assert result.header_hash.hex() == vector["header_hash"]
        assert result.key_id == IDS[name].key_id


def _inspect(data: bytes):
    header = parse_header(data)
    check_envelope_size(header, len(data))


@pytest.mark.parametrize("vector", INVALID, ids=[v["name"] for v in INVALID])
def test_invalid_vector_is_refused_with_its_error(vector):
    data = tv.apply(BASES[vector["base"]], vector["mutations"], BASES)
    if vector["inspect_error"] is None:
        _inspect(data)
    else:
        with pytest.raises(errors.EnvelopeError) as info:
            _inspect(data)
        assert info.value.code == vector["inspect_error"]
    if vector["open_error"] is None:
        decrypt_bytes(data, [IDS[vector["identity"]]])
    else:
        with pytest.raises(errors.EnvelopeError) as info:
            decrypt_bytes(data, [IDS[vector["identity"]]])
        assert info.value.code == vector["open_error"], str(info.value)


def test_manifest_vectors():
    mv = tv.load("manifest-v1.json")
    envs = {v["name"]: base64.b64decode(v["envelope"]) for v in [*mv["attachments"], mv["extra"], mv["report"]]}
    report_bytes, _ = decrypt_bytes(envs[mv["report"]["name"]], [IDS["alice"]])
    entries = parse_manifest(json.loads(report_bytes))
    for check in mv["checks"]:
        opened = {}
        for name in check["attachments"]:
            _, result = decrypt_bytes(envs[name], [IDS["alice"]])
            opened[result.header.part_index] = result
        if check["error"] is None:
            verify_case(entries, opened)
        else:
            with pytest.raises(errors.EnvelopeError) as info:
                verify_case(entries, opened)
            assert info.value.code == check["error"], check["name"]


def test_bundle_vectors():
    from datetime import datetime

    from envelope.bundle import parse_root_key_document, verify_bundle

    bv = tv.load("key-bundle-v1.json")
    root = parse_root_key_document(bv["root"]["root_key_document"])
    assert root.hex() == bv["root"]["public_key"]
    for case in bv["cases"]:
        params = case["verify"]
        now = datetime.strptime(params["now"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=__import__("datetime").UTC)
        call = lambda: verify_bundle(case["bundle"], root, origin=params["origin"], now=now,  # noqa: E731
                                     min_sequence=params["min_sequence"])
        if case["error"] is None:
            bundle = call()
            assert bundle.sequence == case["expect"]["sequence"]
            assert [[r.key_id.hex(), r.role] for r in bundle.recipients] == case["expect"]["recipients"]
        else:
            with pytest.raises(errors.BundleError) as info:
                call()
            assert info.value.code == case["error"], case["name"]


def test_decrypt_stream_reads_in_small_pieces():
    """A source that returns short reads (a socket, a pipe) must still work."""
    vector = next(v for v in VALID if v["name"] == "attachment-three-chunks")
    data = base64.b64decode(vector["envelope"])

    class Trickle(io.RawIOBase):
        def __init__(self):
            self.pos = 0

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), 777, len(data) - self.pos)
            b[:n] = data[self.pos:self.pos + n]
            self.pos += n
            return n

    from envelope.open import decrypt_stream

    sink = io.BytesIO()
    decrypt_stream(io.BufferedReader(Trickle(), buffer_size=100), sink, [IDS["bob"]])
    assert sink.getvalue() == tv.content_of(vector)


def test_listing_vectors():
    """Open first, then hold the header against the listing: never the listing alone."""
    from envelope.listing import check_listing

    lv = tv.load("listing-v1.json")
    envs = {v["name"]: base64.b64decode(v["envelope"]) for v in lv["envelopes"]}
    assert len(lv["cases"]) >= 10
    for case in lv["cases"]:
        data = tv.apply(envs[case["envelope"]], case["mutations"], envs)
        if case["open_error"] is not None:
            with pytest.raises(errors.EnvelopeError) as info:
                decrypt_bytes(data, [IDS[case["identity"]]])
            assert info.value.code == case["open_error"], case["name"]
            continue
        _, opened = decrypt_bytes(data, [IDS[case["identity"]]])
        if case["error"] is None:
            check_listing(opened.header, case["listing"])
        else:
            with pytest.raises(errors.EnvelopeError) as info:
                check_listing(opened.header, case["listing"])
            assert info.value.code == case["error"], case["name"]


def test_name_vectors():
    from envelope.names import EXTENSIONS, detect_media_type, safe_name

    nv = tv.load("names-v1.json")
    assert nv["extensions"] == EXTENSIONS
    for case in nv["detect"]:
        assert detect_media_type(bytes.fromhex(case["head"])) == case["media_type"], case["name"]
    for case in nv["names"]:
        got = safe_name(case["name"], case["detected_media_type"])
        assert got == case["expected"], case["note"]
        # what comes out is a plain, bounded file name, and sanitising it again changes nothing
        assert safe_name(got, case["detected_media_type"]) == got, case["note"]
        stem = got.rsplit(".", 1)[0] if "." in got else got
        assert len(stem) <= nv["limits"]["stem_code_points"] + 1
        assert len(stem.encode("utf-8")) <= nv["limits"]["stem_utf8_bytes"] + 1
        assert not set(got) & set('/\\\0<>:"|?*') and not got.startswith((".", " ")) and got.count(".") <= 1
