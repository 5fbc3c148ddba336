from hypothesis import given
from hypothesis import strategies as st

from envelope.constants import PAD_FLOOR
from envelope.keys import crockford_base32, fingerprint, key_id
from envelope.padding import is_canonical_padded_length, padded_length, padme


@given(st.integers(2, 1 << 40))
def test_padme_properties(n):
    p = padme(n)
    assert n <= p <= n * 1.12 + 1  # at most 12% overhead
    assert padme(p) == p  # idempotent: padded sizes are canonical
    assert is_canonical_padded_length(max(PAD_FLOOR, p))


@given(st.integers(0, 1 << 30))
def test_padded_length_is_canonical_and_holds_the_prefix(n):
    p = padded_length(n)
    assert p >= n + 8 and p >= PAD_FLOOR
    assert is_canonical_padded_length(p)


def test_short_contents_all_look_alike():
    assert {padded_length(n) for n in range(0, 4089)} == {PAD_FLOOR}


def test_non_canonical_lengths():
    assert not is_canonical_padded_length(4095)
    assert not is_canonical_padded_length(4097)
    assert is_canonical_padded_length(4352)


def test_crockford_and_fingerprints():
    assert crockford_base32(b"\x00" * 5) == "00000000"
    assert crockford_base32(b"\xff" * 5) == "ZZZZZZZZ"
    fp = fingerprint(bytes(32))
    groups = fp.split(" ")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert not set(fp.replace(" ", "")) & set("ILOU")
    # the fingerprint starts with the key id
    assert crockford_base32(key_id(bytes(32)))[:12] == fp.replace(" ", "")[:12]
