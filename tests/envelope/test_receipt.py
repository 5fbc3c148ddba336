"""The receipt: the shared vectors (tests/vectors/receipt-v1.json, receipt-v2.json) and the parsing rules."""

import nacl.bindings
import pytest
from nacl.bindings import crypto_scalarmult_base, crypto_sign_ed25519_sk_to_pk

from envelope import errors
from envelope import receipt as rc
from envelope.keys import blake2b
from tests.support import vectors as tv

RV = tv.load("receipt-v1.json")
RV2 = tv.load("receipt-v2.json")


def test_parameters_are_the_documented_ones():
    p = RV["parameters"]
    assert rc.SALT == blake2b(p["salt_input"].encode())[:16]
    assert p["salt"] == rc.SALT.hex()
    assert (p["opslimit"], p["memlimit"], p["seed_size"]) == (3, 64 * 1024 * 1024, 32)
    assert p["kdf_context"] == rc.KDF_CONTEXT.decode() == "TIPRCPT1"
    assert p["subkeys"] == {"x25519": 1, "ed25519": 2, "mailbox": 3}


@pytest.mark.parametrize("vector", RV["receipts"], ids=[v["name"] for v in RV["receipts"]])
def test_receipt_vector(vector):
    raw = bytes.fromhex(vector["bytes"])
    assert rc.format_receipt_v1(raw) == vector["text"]
    assert rc.parse_receipt(vector["text"]) == raw  # a receipt shown before v2 still works
    assert rc.receipt_seed(raw).hex() == vector["seed"]
    keys = rc.derive_receipt_keys(raw)
    assert keys.x25519_secret.hex() == vector["x25519_secret_key"]
    assert keys.x25519_public.hex() == vector["x25519_public_key"]
    assert keys.ed25519_secret.hex() == vector["ed25519_secret_key"]
    assert keys.ed25519_public.hex() == vector["ed25519_public_key"]
    assert keys.mailbox_id == vector["mailbox_id"]
    # the pairs belong together
    assert crypto_scalarmult_base(keys.x25519_secret) == keys.x25519_public
    assert crypto_sign_ed25519_sk_to_pk(keys.ed25519_secret) == keys.ed25519_public


@pytest.mark.parametrize("case", RV["parse"], ids=[c["name"] for c in RV["parse"]])
def test_parse_case(case):
    if case["error"] is None:
        assert rc.parse_receipt(case["text"]).hex() == case["bytes"]
    else:
        with pytest.raises(errors.EnvelopeError) as info:
            rc.parse_receipt(case["text"])
        assert info.value.code == case["error"]


def test_argon2id_is_libsodiums_crypto_pwhash():
    """PyNaCl's argon2id.kdf must be crypto_pwhash(ALG_ARGON2ID13), which the phone calls."""
    raw = bytes.fromhex(RV["receipts"][2]["bytes"])
    direct = nacl.bindings.crypto_pwhash_alg(
        32, raw, rc.SALT, rc.OPSLIMIT, rc.MEMLIMIT, nacl.bindings.crypto_pwhash_ALG_ARGON2ID13
    )
    assert direct == rc.receipt_seed(raw)


def test_new_receipts_round_trip_through_their_text():
    seen = set()
    for _ in range(50):
        raw = rc.new_receipt()
        assert len(raw) == rc.RECEIPT_BYTES
        text = rc.format_receipt(raw)
        assert len(text) == 23 and text.count(" ") == 5 and all(len(g) == 3 for g in text.split(" "))
        assert rc.parse_receipt(text) == raw
        assert rc.parse_receipt(text.lower().replace(" ", "-")) == raw
        seen.add(raw)
    assert len(seen) == 50


def test_v2_parameters_are_the_documented_ones():
    from envelope import receipt_check as chk

    p = RV2["parameters"]
    assert (p["data_characters"], p["check_characters"], p["groups"], p["group_size"]) == (16, 2, 6, 3)
    assert p["field_polynomial_bits"] == chk.FIELD_POLYNOMIAL == 0b100101
    assert p["alpha"] == chk.ALPHA
    assert p["generator"] == {"g1": chk.G1, "g0": chk.G0}


@pytest.mark.parametrize("vector", RV2["receipts"], ids=[v["name"] for v in RV2["receipts"]])
def test_receipt_v2_vector(vector):
    raw = bytes.fromhex(vector["bytes"])
    assert rc.format_receipt(raw) == vector["text"]
    assert rc.format_receipt_v1(raw) == vector["v1_text"]
    assert rc.parse_receipt(vector["text"]) == rc.parse_receipt(vector["v1_text"]) == raw
    assert [rc.ALPHABET.index(c) for c in vector["text"].replace(" ", "")[16:]] == vector["checks"]


@pytest.mark.parametrize("case", RV2["parse"], ids=[c["name"] for c in RV2["parse"]])
def test_parse_v2_case(case):
    test_parse_case(case)


def test_every_character_value_decodes():
    text = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for start in (0, 16):
        raw = rc.parse_receipt(text[start : start + 16])
        assert rc.format_receipt_v1(raw).replace(" ", "") == text[start : start + 16]
        assert rc.format_receipt(raw).replace(" ", "")[:16] == text[start : start + 16]


def test_wrong_receipt_size_is_refused():
    with pytest.raises(ValueError):
        rc.format_receipt(bytes(9))
    with pytest.raises(ValueError):
        rc.derive_receipt_keys(bytes(11))
