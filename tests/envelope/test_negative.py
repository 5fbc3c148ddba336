"""Every way of damaging an envelope is refused with a specific error, never a crash."""

import os

import pytest

from envelope import errors
from envelope.constants import CHUNK_SIZE, FIXED_HEADER_SIZE, MAC_SIZE, STANZA_SIZE, TAG_SIZE, Kind
from envelope.header import check_envelope_size, parse_header
from envelope.open import Identity, decrypt_bytes
from envelope.seal import Encryptor, encrypt_bytes

ALICE, MALLORY = Identity(os.urandom(32)), Identity(os.urandom(32))
CASE = os.urandom(16)
HEADER = FIXED_HEADER_SIZE + STANZA_SIZE + MAC_SIZE
FULL = CHUNK_SIZE + TAG_SIZE


def seal(content: bytes, kind=Kind.ATTACHMENT, part=1, case=CASE):
    return encrypt_bytes(content, kind=kind, case_id=case, part_index=part, recipients=[ALICE.public_key])[0]


def refused(data: bytes, identity=ALICE) -> str:
    with pytest.raises(errors.EnvelopeError) as info:
        decrypt_bytes(data, [identity])
    assert type(info.value) is not errors.EnvelopeError  # always a specific subclass
    return info.value.code


def expected_for_offset(offset: int) -> set[str]:
    """Which errors a flipped bit at ``offset`` may cause (a single-recipient envelope)."""
    if offset < 7:
        return {"bad_magic"}
    if offset == 7:
        return {"unsupported_version"}
    if offset == 8:
        return {"bad_kind", "header_mac_mismatch"}
    if offset == 9:
        return {"too_many_recipients", "no_recipients", "truncated", "header_mac_mismatch"}
    if offset in (10, 11):
        return {"bad_reserved"}
    if 12 <= offset < 44:
        return {"header_mac_mismatch"}
    if 44 <= offset < 48:
        return {"header_mac_mismatch", "bad_part_index"}
    if 48 <= offset < 56:
        return {"too_large", "bad_length", "header_mac_mismatch"}
    if 56 <= offset < 64:
        return {"no_matching_recipient"}
    if 64 <= offset < HEADER - MAC_SIZE:
        return {"unseal_failed"}
    if offset < HEADER:
        return {"header_mac_mismatch"}
    return {"chunk_auth_failed"}


def test_every_single_bit_flip_is_refused():
    data = seal(b"precise place, 18:00-20:00")
    for offset in range(len(data)):
        for bit in (0, 5) if offset >= HEADER else range(8):
            damaged = bytearray(data)
            damaged[offset] ^= 1 << bit
            assert refused(bytes(damaged)) in expected_for_offset(offset), (offset, bit)


def test_truncation_at_every_chunk_boundary_and_inside():
    data = seal(os.urandom(2 * CHUNK_SIZE + 100))  # three chunks
    cuts = [0, 5, FIXED_HEADER_SIZE - 1, FIXED_HEADER_SIZE, HEADER - 1, HEADER, HEADER + 1, HEADER + FULL - 1,
            HEADER + FULL, HEADER + 2 * FULL, len(data) - 1]
    for cut in cuts:
        code = refused(data[:cut])
        assert code in ({"truncated"} if cut else {"truncated", "bad_magic"}), cut


def test_bytes_after_the_final_chunk():
    data = seal(b"x")
    assert refused(data + b"\x00") == "trailing_data"
    assert refused(data + data) == "trailing_data"
    with pytest.raises(errors.TrailingData):
        check_envelope_size(parse_header(data), len(data) + 1)


def test_reordered_duplicated_and_spliced_chunks():
    content = os.urandom(3 * CHUNK_SIZE)
    data = seal(content)
    c = [data[HEADER + i * FULL: HEADER + (i + 1) * FULL] for i in range(3)]
    tail = data[HEADER + 3 * FULL:]
    head = data[:HEADER]
    assert refused(head + c[1] + c[0] + c[2] + tail) == "chunk_auth_failed"
    assert refused(head + c[0] + c[0] + c[2] + tail) == "chunk_auth_failed"
    other = seal(content)  # same content, same case, other file key
    o = [other[HEADER + i * FULL: HEADER + (i + 1) * FULL] for i in range(3)]
    assert refused(head + c[0] + o[1] + c[2] + tail) == "chunk_auth_failed"
    # another envelope's header in front of our chunks
    assert refused(other[:HEADER] + data[HEADER:]) == "chunk_auth_failed"


def test_final_chunk_sealed_without_its_last_flag():
    """A chunk sealed as 'not last' in last position must fail (the age-style flag)."""
    enc = Encryptor(kind=Kind.MESSAGE, case_id=CASE, part_index=1, content_length=10, recipients=[ALICE.public_key])
    chunk = list(enc.padded_chunks(__import__("io").BytesIO(b"0123456789")))[0]
    from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

    from envelope.framing import chunk_nonce

    bad = crypto_aead_xchacha20poly1305_ietf_encrypt(chunk, enc.header_hash, chunk_nonce(0, False), enc._payload_key)
    assert refused(enc.header_bytes + bad) == "chunk_auth_failed"
    good = enc.seal_chunk(0, chunk)
    assert decrypt_bytes(enc.header_bytes + good, [ALICE])[0] == b"0123456789"


def test_wrong_key_and_no_key():
    data = seal(b"x")
    assert refused(data, MALLORY) == "no_matching_recipient"
    with pytest.raises(errors.NoMatchingRecipient):
        decrypt_bytes(data, [])


def test_oversized_counts_and_limits():
    data = bytearray(seal(b"x"))
    data[9] = 17
    assert refused(bytes(data)) == "too_many_recipients"
    data[9] = 255
    assert refused(bytes(data)) == "too_many_recipients"
    big = bytearray(seal(b"x"))
    big[48:56] = (1 << 41).to_bytes(8, "big")
    assert refused(bytes(big)) == "too_large"
    big[48:56] = (0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
    assert refused(bytes(big)) == "too_large"
    # an implementation limit below the format's
    with pytest.raises(errors.TooLarge):
        decrypt_bytes(seal(os.urandom(100_000)), [ALICE], max_padded_length=65536)
    with pytest.raises(errors.TooManyRecipients):
        Encryptor(kind=Kind.REPORT, case_id=CASE, part_index=0, content_length=1, recipients=[ALICE.public_key] * 17)
    with pytest.raises(errors.NoRecipients):
        Encryptor(kind=Kind.REPORT, case_id=CASE, part_index=0, content_length=1, recipients=[])


def test_encryptor_refuses_a_source_of_the_wrong_length():
    import io

    from envelope.seal import encrypt_stream

    for declared, actual in ((10, 9), (10, 11)):
        with pytest.raises(errors.InputLengthMismatch):
            encrypt_stream(io.BytesIO(b"x" * actual), io.BytesIO(), content_length=declared, kind=Kind.MESSAGE,
                           case_id=CASE, part_index=1, recipients=[ALICE.public_key])


def test_part_index_rules():
    with pytest.raises(errors.BadPartIndex):
        Encryptor(kind=Kind.REPORT, case_id=CASE, part_index=1, content_length=1, recipients=[ALICE.public_key])
    with pytest.raises(errors.BadPartIndex):
        Encryptor(kind=Kind.ATTACHMENT, case_id=CASE, part_index=0, content_length=1, recipients=[ALICE.public_key])
