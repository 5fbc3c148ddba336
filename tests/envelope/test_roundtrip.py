"""Round trips over random sizes and chunk boundaries, several recipients, and bounded memory."""

import hashlib
import io
import os
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envelope.constants import CHUNK_SIZE, Kind
from envelope.header import check_envelope_size, parse_header
from envelope.open import Identity, decrypt_bytes, decrypt_stream
from envelope.padding import padded_length
from envelope.seal import encrypt_bytes, encrypt_stream

ALICE, BOB = Identity(os.urandom(32)), Identity(os.urandom(32))
CASE = os.urandom(16)

# sizes around the floor and around chunk boundaries, where off-by-one errors live
boundaries = st.sampled_from([0, 1, 4087, 4088, 4089, 65527, 65528, 65529, 65536, 131064, 131072, 196600])
near_boundary = st.builds(lambda b, d: max(0, b + d), boundaries, st.integers(-3, 3))
sizes = st.one_of(near_boundary, st.integers(0, 300_000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes, kind=st.sampled_from(list(Kind)), two=st.booleans(), seed=st.binary(min_size=1, max_size=8))
def test_round_trip(size, kind, two, seed):
    content = (hashlib.sha256(seed).digest() * (size // 32 + 1))[:size]
    recipients = [ALICE.public_key, BOB.public_key] if two else [ALICE.public_key]
    part = 0 if kind is Kind.REPORT else 1 + size % 7
    data, sealed = encrypt_bytes(content, kind=kind, case_id=CASE, part_index=part, recipients=recipients)
    header = parse_header(data)
    check_envelope_size(header, len(data))
    assert header.padded_length == padded_length(size)
    assert header.padded_length <= max(4096, (size + 8) * 1.12 + 1)
    for ident in ([ALICE, BOB] if two else [ALICE]):
        out, opened = decrypt_bytes(data, [ident])
        assert out == content
        assert opened.header_hash == sealed.header_hash
        assert opened.content_sha256 == hashlib.sha256(content).digest() == sealed.content_sha256


@settings(max_examples=20, deadline=None)
@given(size=st.integers(0, 3 * CHUNK_SIZE), read_size=st.integers(1, 70_000))
def test_streaming_with_any_read_size(size, read_size):
    content = os.urandom(size)

    class Chunky(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(read_size, n) if n >= 0 else read_size)

    sink = io.BytesIO()
    encrypt_stream(Chunky(content), sink, content_length=size, kind=Kind.ATTACHMENT, case_id=CASE, part_index=1,
                   recipients=[ALICE.public_key])
    out = io.BytesIO()
    decrypt_stream(Chunky(sink.getvalue()), out, [ALICE])
    assert out.getvalue() == content


class Zeros(io.RawIOBase):
    """``size`` bytes produced on demand, never held whole."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


class Discard(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        return len(b)


def test_memory_stays_bounded_whatever_the_size(tmp_path):
    """Encrypt and decrypt 48 MiB through files: Python's peak allocation stays at a few chunks."""
    size = 48 * 1024 * 1024
    path = tmp_path / "big.env"
    tracemalloc.start()
    with open(path, "wb") as sink:
        encrypt_stream(io.BufferedReader(Zeros(size)), sink, content_length=size, kind=Kind.ATTACHMENT,
                       case_id=CASE, part_index=1, recipients=[ALICE.public_key])
    _, enc_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    with open(path, "rb") as src:
        result = decrypt_stream(src, Discard(), [ALICE])
    _, dec_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.content_length == size
    assert enc_peak < 1024 * 1024, enc_peak
    assert dec_peak < 1024 * 1024, dec_peak
