"""Envelope benchmarks: encrypt and decrypt throughput, and peak memory while decrypting.

Throughput: ``envelope.seal.encrypt_stream`` and ``envelope.open.decrypt_stream`` stream a
random input between real files in a temp dir. Both are reported as a ratio to the raw
libsodium primitive under them, ``crypto_aead_xchacha20poly1305_ietf_encrypt``, called on
64 KiB pieces of the same bytes in the same process (only the AEAD calls are timed). The
ratio is the share of the primitive's speed that survives the format and the Python code
around it: padding, SHA-256 of the content, file I/O, per-chunk work.

Components (same run, informational) explain the gap: the same encrypt and decrypt writing
to a sink that discards (no file write), raw AEAD decrypt, SHA-256 of the content, and a plain
read+write copy of the file in 64 KiB pieces. Page-cache write speed on a small VM depends a
lot on how much is already waiting to be written, so each writing step starts after an
untimed ``os.sync()``, into a fresh file.

Memory: a 1 GiB envelope (from a generator, never held in memory) is decrypted in a fresh
interpreter (bench.memprobe) to a discarding sink; the rise of ru_maxrss above its
after-import value is compared with the target.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_scalarmult_base,
)

from envelope.constants import Kind
from envelope.open import Identity, decrypt_stream
from envelope.padding import padded_length
from envelope.seal import encrypt_stream

from .common import PIECE, REPO, DiscardSink, MiB, RepeatingReader, Stopwatch, best, mb_per_s, write_random_file

MEMORY_TARGET_MIB = 64


def _aead_baseline(path: Path) -> tuple[float, float]:
    """Seconds spent in raw AEAD encrypt, and in raw AEAD decrypt, over the file's bytes in 64 KiB pieces."""
    key, nonce, ad = os.urandom(32), os.urandom(24), os.urandom(32)
    enc_s = dec_s = 0.0
    clock = time.perf_counter
    with open(path, "rb") as f:
        while piece := f.read(PIECE):
            t0 = clock()
            sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(piece, ad, nonce, key)
            t1 = clock()
            crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, ad, nonce, key)
            t2 = clock()
            enc_s += t1 - t0
            dec_s += t2 - t1
    return enc_s, dec_s


def _sha256_seconds(path: Path) -> float:
    """Seconds spent in SHA-256 (hashlib) over the file's bytes in 64 KiB pieces."""
    digest = hashlib.sha256()
    spent = 0.0
    clock = time.perf_counter
    with open(path, "rb") as f:
        while piece := f.read(PIECE):
            t0 = clock()
            digest.update(piece)
            spent += clock() - t0
    return spent


def _copy_seconds(src: Path, dst: Path) -> float:
    """Read ``src`` and write ``dst`` in 64 KiB pieces, as the streaming code does (no fsync)."""
    with Stopwatch() as sw:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            while piece := fin.read(PIECE):
                fout.write(piece)
    return sw.seconds


def _seal_to(path: Path, source, length: int, public_key: bytes):
    with open(path, "wb") as sink:
        return encrypt_stream(source, sink, content_length=length, kind=Kind.ATTACHMENT, case_id=os.urandom(16),
                              part_index=1, recipients=[public_key])


def throughput(tmp: Path, size: int, rounds: int, log) -> dict:
    secret = os.urandom(32)  # in memory only
    public = crypto_scalarmult_base(secret)
    identity = Identity(secret)
    plain = tmp / "plain.bin"
    log(f"envelope: writing a {size / MiB:g} MiB random input")
    write_random_file(plain, size)
    want_sha = hashlib.sha256()
    with open(plain, "rb") as f:
        while block := f.read(MiB):
            want_sha.update(block)
    want_sha = want_sha.digest()

    runs = {k: [] for k in ("aead_encrypt", "aead_decrypt", "encrypt", "decrypt", "encrypt_no_write",
                            "decrypt_no_write", "sha256", "io_copy")}
    envelope_size = None
    for r in range(rounds):
        log(f"envelope: round {r + 1}/{rounds}")
        # Fresh files every round: rewriting a file in place makes ext4 flush it on close
        # (auto_da_alloc), which would time the disk instead of the code.
        env, out, copy = tmp / f"sealed-{r}.env", tmp / f"opened-{r}.bin", tmp / f"copy-{r}.bin"
        enc_s, dec_s = _aead_baseline(plain)
        runs["aead_encrypt"].append(mb_per_s(size, enc_s))
        runs["aead_decrypt"].append(mb_per_s(size, dec_s))

        os.sync()  # untimed, before each step that writes: each starts with nothing waiting to be written
        with Stopwatch() as sw, open(plain, "rb") as source:
            sealed = _seal_to(env, source, size, public)
        runs["encrypt"].append(mb_per_s(size, sw.seconds))
        envelope_size = env.stat().st_size
        if sealed.content_sha256 != want_sha or envelope_size != sealed.envelope_size:
            raise RuntimeError("encrypt_stream did not seal the input it was given")

        os.sync()
        with Stopwatch() as sw, open(env, "rb") as source, open(out, "wb") as sink:
            opened = decrypt_stream(source, sink, [identity])
        runs["decrypt"].append(mb_per_s(size, sw.seconds))
        if opened.content_sha256 != want_sha or opened.content_length != size:
            raise RuntimeError("decrypt_stream did not give back the input")

        with Stopwatch() as sw, open(plain, "rb") as source:
            encrypt_stream(source, DiscardSink(), content_length=size, kind=Kind.ATTACHMENT,
                           case_id=os.urandom(16), part_index=1, recipients=[public])
        runs["encrypt_no_write"].append(mb_per_s(size, sw.seconds))
        with Stopwatch() as sw, open(env, "rb") as source:
            decrypt_stream(source, DiscardSink(), [identity])
        runs["decrypt_no_write"].append(mb_per_s(size, sw.seconds))

        runs["sha256"].append(mb_per_s(size, _sha256_seconds(plain)))
        os.sync()
        runs["io_copy"].append(mb_per_s(size, _copy_seconds(plain, copy)))
        for p in (env, out, copy):
            p.unlink()
    plain.unlink()

    b = {k: best(v) for k, v in runs.items()}
    return {
        "input_bytes": size,
        "padded_bytes": padded_length(size),
        "envelope_bytes": envelope_size,
        "rounds": rounds,
        "unit": "MB/s of input (10^6 bytes/s), best of the rounds; ratio = best / best baseline",
        "baseline": {"name": "raw crypto_aead_xchacha20poly1305_ietf_encrypt, 64 KiB pieces",
                     "mb_s": b["aead_encrypt"]},
        "encrypt": {"mb_s": b["encrypt"], "ratio": b["encrypt"] / b["aead_encrypt"],
                    "ratio_per_round": [e / a for e, a in zip(runs["encrypt"], runs["aead_encrypt"])]},
        "decrypt": {"mb_s": b["decrypt"], "ratio": b["decrypt"] / b["aead_encrypt"],
                    "ratio_per_round": [d / a for d, a in zip(runs["decrypt"], runs["aead_encrypt"])]},
        "components": {
            "encrypt_no_write_mb_s": b["encrypt_no_write"],
            "encrypt_no_write_ratio": b["encrypt_no_write"] / b["aead_encrypt"],
            "decrypt_no_write_mb_s": b["decrypt_no_write"],
            "decrypt_no_write_ratio": b["decrypt_no_write"] / b["aead_encrypt"],
            "aead_decrypt_mb_s": b["aead_decrypt"],
            "sha256_mb_s": b["sha256"],
            # raw AEAD then SHA-256 over the same bytes, one after the other (both are in each stream)
            "aead_plus_sha256_mb_s": 1 / (1 / b["aead_encrypt"] + 1 / b["sha256"]),
            "aead_plus_sha256_ratio": (1 / (1 / b["aead_encrypt"] + 1 / b["sha256"])) / b["aead_encrypt"],
            "io_copy_64k_mb_s": b["io_copy"],
        },
        "runs": runs,
    }


def memory(tmp: Path, size: int, log) -> dict:
    """Decrypt a ``size``-byte envelope in a fresh interpreter; ru_maxrss rise above the after-import value."""
    secret = os.urandom(32)  # goes to the child through a pipe, never to a file
    public = crypto_scalarmult_base(secret)
    length = size - 8 if padded_length(size - 8) == size else size  # an envelope of about ``size`` bytes
    path = tmp / "memory-probe.env"
    log(f"envelope: sealing a {size / MiB:g} MiB envelope from a generator for the memory probe")
    try:
        sealed = _seal_to(path, RepeatingReader(length), length, public)
        envelope_bytes = path.stat().st_size
        log("envelope: decrypting it in a fresh interpreter")
        limit = int(120 + size / (5 * MiB))
        command = [sys.executable, "-m", "bench.memprobe", str(path)]
        # Through `timeout`, which forks the probe: ru_maxrss survives exec, so a probe exec'd
        # straight from this (bigger) process would start from our peak (see bench.memprobe).
        wrapper = shutil.which("timeout")
        if wrapper:
            command = [wrapper, "--kill-after=10", str(limit), *command]
        done = subprocess.run(command, input=secret.hex() + "\n", capture_output=True, text=True, cwd=REPO,
                              timeout=limit + 30)
    finally:
        path.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"the memory probe failed:\n{done.stderr}")
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    if probe["content_sha256"] != sealed.content_sha256.hex() or probe["content_bytes"] != length:
        raise RuntimeError("the memory probe did not decrypt the envelope it was given")
    kib = 1024
    delta_mib = probe["delta_kib"] / kib
    return {
        "nominal_bytes": size,
        "envelope_bytes": envelope_bytes,
        "content_bytes": length,
        "baseline_mib": probe["baseline_maxrss_kib"] / kib,
        "peak_mib": probe["peak_maxrss_kib"] / kib,
        "delta_mib": delta_mib,
        "target_mib": MEMORY_TARGET_MIB,
        "met": delta_mib < MEMORY_TARGET_MIB,
        # cross-checks: the raw after-import ru_maxrss (no reset), and the peak above it
        "after_imports_maxrss_mib": probe["after_imports_maxrss_kib"] / kib,
        "delta_vs_unreset_mib": (probe["peak_maxrss_kib"] - probe["after_imports_maxrss_kib"]) / kib,
        "high_water_mark_reset": probe["high_water_mark_reset"],
        "started_through_timeout": wrapper is not None,
        "end_vmrss_mib": (probe["end_vmrss_kib"] or 0) / kib,
        "decrypt_mb_s": mb_per_s(length, probe["seconds"]),
        "method": "ru_maxrss of a fresh interpreter started through `timeout`: after imports, with the "
                  "high-water mark reset to the current RSS (baseline), and after decrypting to a discarding sink",
    }


def run(tmp: Path, *, size: int, decrypt_size: int, rounds: int, log) -> dict:
    work = tmp / "envelope"
    work.mkdir()
    return {"throughput": throughput(work, size, rounds, log), "memory": memory(work, decrypt_size, log)}
