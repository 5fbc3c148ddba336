"""The receipt's check characters (docs/envelope.md section 14): a Reed-Solomon code over GF(32).

Characters are elements of GF(32) = GF(2)[x]/(x^5 + x^2 + 1), a character's base32 value read
as the polynomial's bits. The 18 characters v_0 .. v_17 of a v2 receipt are the coefficients of
C(x) = sum v_i x^(17-i), highest first, and the two check characters are the ones that make
C(alpha) = C(alpha^2) = 0, alpha = x. The code's minimum distance is 3: every change to one
or two characters (a typo, two typos, any two characters swapped) leaves C(alpha) or C(alpha^2)
non-zero. tests/envelope/test_receipt_check.py tries every such change.
"""

from __future__ import annotations

from collections.abc import Sequence

FIELD_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1, primitive
ALPHA = 0b00010  # x
# g(x) = (x - alpha)(x - alpha^2) = x^2 + g1 x + g0 (minus is plus in characteristic 2)


def gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= FIELD_POLYNOMIAL
    return product


ALPHA2 = gf_mul(ALPHA, ALPHA)
G1 = ALPHA ^ ALPHA2
G0 = gf_mul(ALPHA, ALPHA2)


def evaluate(values: Sequence[int], point: int) -> int:
    """C(point) by Horner's rule, values highest degree first."""
    acc = 0
    for v in values:
        acc = gf_mul(acc, point) ^ v
    return acc


def check_symbols(data: Sequence[int]) -> list[int]:
    """The two check characters of ``data``: D(x) x^2 mod g(x), highest degree first."""
    r1 = r0 = 0
    for v in data:
        if not 0 <= v < 32:
            raise ValueError("characters are 0 to 31")
        feedback = v ^ r1
        r1 = r0 ^ gf_mul(feedback, G1)
        r0 = gf_mul(feedback, G0)
    return [r1, r0]


def syndromes(values: Sequence[int]) -> tuple[int, int]:
    return evaluate(values, ALPHA), evaluate(values, ALPHA2)


def is_codeword(values: Sequence[int]) -> bool:
    return syndromes(values) == (0, 0)
