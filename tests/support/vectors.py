"""Read the shared test vectors (tests/vectors/*.json) and apply their mutations."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from nacl.bindings import crypto_scalarmult_base

from envelope.keys import blake2b
from envelope.open import Identity

DIR = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str) -> dict:
    return json.loads((DIR / name).read_text(encoding="utf-8"))


def seeded_secret(seed: str) -> bytes:
    return blake2b(seed.encode("utf-8"))


def identities() -> dict[str, Identity]:
    keys = load("envelope-v1.json")["primitives"]["keys"]
    out = {k["name"]: Identity(seeded_secret(k["seed"])) for k in keys}
    for k in keys:
        assert crypto_scalarmult_base(out[k["name"]].secret_key).hex() == k["public_key"]
    return out


def content_of(vector: dict) -> bytes:
    spec = vector["content"]
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    assert spec["pattern"] == "mod251"
    return bytes(i % 251 for i in range(spec["length"]))


def envelopes() -> dict[str, bytes]:
    """Every base envelope by name: valid vectors, manifest vectors and crafted ones."""
    out = {v["name"]: base64.b64decode(v["envelope"]) for v in load("envelope-v1.json")["valid"]}
    for c in load("envelope-v1-invalid.json")["crafted"]:
        out[c["name"]] = base64.b64decode(c["envelope"])
    return out


def apply(base: bytes, mutations: list[dict], bases: dict[str, bytes]) -> bytes:
    data = bytearray(base)
    for m in mutations:
        op = m["op"]
        if op == "flip":
            data[m["offset"]] ^= 1 << m["bit"]
        elif op == "set":
            raw = bytes.fromhex(m["hex"])
            data[m["offset"]:m["offset"] + len(raw)] = raw
        elif op == "truncate":
            del data[m["length"]:]
        elif op == "append":
            data += bytes.fromhex(m["hex"])
        elif op == "swap":
            a, b, n = m["a"], m["b"], m["length"]
            first, second = bytes(data[a:a + n]), bytes(data[b:b + n])
            data[a:a + n], data[b:b + n] = second, first
        elif op == "splice":
            src = bases[m["from"]][m["src"]:m["src"] + m["length"]]
            data[m["dst"]:m["dst"] + m["length"]] = src
        else:
            raise ValueError(f"unknown mutation {op}")
    return bytes(data)
