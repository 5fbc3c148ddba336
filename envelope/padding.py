"""PADMÉ padding with a floor (docs/envelope.md, "Padding").

PADMÉ (Nikitin et al., PoPETs 2019) leaks O(log log L) bits of the length with at most
12% overhead; the floor makes every short report the same size on the wire.
"""

from .constants import LENGTH_PREFIX_SIZE, PAD_FLOOR


def padme(n: int) -> int:
    """Round ``n`` up so that only its top ~log2(log2(n)) bits may be non-zero."""
    if n < 0:
        raise ValueError("length must be non-negative")
    if n < 2:
        return n
    e = n.bit_length() - 1  # floor(log2 n)
    s = e.bit_length()  # floor(log2 e) + 1
    mask = (1 << (e - s)) - 1
    return (n + mask) & ~mask


def padded_length(content_length: int) -> int:
    """Size of the padded plaintext (length prefix, content, zeros) for ``content_length``."""
    return max(PAD_FLOOR, padme(content_length + LENGTH_PREFIX_SIZE))


def is_canonical_padded_length(p: int) -> bool:
    """True when some content length pads to exactly ``p`` (checkable without keys)."""
    return p >= PAD_FLOOR and padme(p) == p
