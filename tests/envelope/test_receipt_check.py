"""The receipt's check characters catch every single substitution and every transposition.

The code is linear over GF(32): a change e to a receipt's characters goes unseen exactly when e
is itself a codeword (both syndromes zero), whatever the receipt. So trying every error
pattern once proves the property for every receipt; the parse tests below then run real
receipts through the whole path (normalisation, check, decoding).
"""

import itertools

import pytest

from envelope import errors
from envelope import receipt as rc
from envelope import receipt_check as chk
from envelope.keys import blake2b

N = rc.RECEIPT_V2_CHARACTERS


def _pattern(changes: dict[int, int]) -> list[int]:
    out = [0] * N
    for pos, delta in changes.items():
        out[pos] = delta
    return out


def test_the_field_is_gf32_with_a_primitive_polynomial():
    # alpha generates all 31 non-zero elements: the evaluation points alpha^(17-i) are distinct
    powers, x = [], 1
    for _ in range(31):
        powers.append(x)
        x = chk.gf_mul(x, chk.ALPHA)
    assert sorted(powers) == list(range(1, 32)) and x == 1
    for a, b in itertools.product(range(32), repeat=2):
        assert chk.gf_mul(a, b) == chk.gf_mul(b, a) < 32


def test_every_single_substitution_is_an_error_pattern_the_check_sees():
    seen = 0
    for pos in range(N):
        for delta in range(1, 32):
            assert chk.syndromes(_pattern({pos: delta})) != (0, 0), (pos, delta)
            seen += 1
    assert seen == 18 * 31


def test_every_change_to_two_characters_is_seen_so_every_transposition_is():
    # swapping characters a != b at positions i and j adds (a ^ b) at both: a two-position
    # pattern with equal deltas; every two-position pattern is tried (153 pairs x 31 x 31)
    seen = 0
    for i, j in itertools.combinations(range(N), 2):
        for d1 in range(1, 32):
            for d2 in range(1, 32):
                assert chk.syndromes(_pattern({i: d1, j: d2})) != (0, 0), (i, j, d1, d2)
                seen += 1
    assert seen == 153 * 31 * 31


def test_three_changes_can_go_unseen_which_is_why_the_claim_stops_at_two():
    # the bound is tight (distance 3): some three-character change is a codeword
    found = any(
        chk.syndromes(_pattern({0: d0, 1: d1, 2: d2})) == (0, 0)
        for d0, d1, d2 in itertools.product(range(1, 32), repeat=3)
    )
    assert found


RECEIPTS = [bytes(10), b"\xff" * 10] + [blake2b(f"receipt check {i}".encode())[:10] for i in range(6)]


@pytest.mark.parametrize("raw", RECEIPTS, ids=lambda r: r.hex())
def test_every_typo_and_adjacent_swap_of_real_receipts_is_refused_before_any_derivation(raw):
    text = rc.receipt_characters(raw)
    assert rc.parse_receipt(text) == raw
    refused = 0
    for pos in range(N):
        for c in rc.ALPHABET:
            if c == text[pos]:
                continue
            typo = text[:pos] + c + text[pos + 1 :]
            with pytest.raises(errors.ReceiptBadCheck):
                rc.parse_receipt(typo)
            refused += 1
    for pos in range(N - 1):
        if text[pos] == text[pos + 1]:
            continue  # swapping equal characters changes nothing
        swapped = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        with pytest.raises(errors.ReceiptBadCheck):
            rc.parse_receipt(swapped)
        refused += 1
    assert refused >= 18 * 31


def test_look_alikes_are_normalised_before_the_check():
    raw = rc.parse_receipt("7K3M QX2P 9ZTA 4HCW")
    text = rc.format_receipt(raw)
    assert rc.parse_receipt(text.lower().replace(" ", "\u2013")) == raw
    candidates = (rc.receipt_characters(blake2b(bytes([i]))[:10]) for i in range(256))
    both = next(t for t in candidates if "1" in t and "0" in t)
    typed = both.replace("1", "l").replace("0", "O")
    assert typed != both and rc.parse_receipt(typed) == rc.parse_receipt(both)


def test_a_v1_receipt_still_parses_and_opens_the_same_mailbox_bytes():
    raw = blake2b(b"v1 and v2")[:10]
    assert rc.parse_receipt(rc.format_receipt_v1(raw)) == raw
    assert rc.parse_receipt(rc.format_receipt(raw)) == raw
    assert rc.format_receipt(raw).replace(" ", "")[:16] == rc.format_receipt_v1(raw).replace(" ", "")


@pytest.mark.parametrize("length", [0, 1, 15, 17, 19, 20, 32])
def test_other_lengths_are_refused(length):
    with pytest.raises(errors.ReceiptBadLength):
        rc.parse_receipt("0" * length)
