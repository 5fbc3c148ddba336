#!/usr/bin/env python3
"""Write the envelope v1 test vectors (docs/envelope.md, section 12). Deterministic.

    python tests/vectors/generate.py          # rewrite the JSON files here
    python tests/vectors/generate.py --check  # exit 1 if they differ from what this script makes
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nacl.bindings import crypto_scalarmult_base  # noqa: E402

from envelope import bundle as kb  # noqa: E402
from envelope.errors import EnvelopeError  # noqa: E402
from envelope.constants import Kind  # noqa: E402
from envelope.framing import chunk_nonce  # noqa: E402
from envelope.keys import blake2b, derive_subkey, fingerprint, key_id  # noqa: E402
from envelope.listing import KIND_NAMES as LISTING_KINDS, check_listing  # noqa: E402
from envelope.names import EXTENSIONS, FALLBACK, MAX_STEM_BYTES, MAX_STEM_CODE_POINTS  # noqa: E402
from envelope.names import detect_media_type, safe_name  # noqa: E402
from envelope.open import Identity, decrypt_bytes  # noqa: E402
from envelope.manifest import AttachmentEntry  # noqa: E402
from envelope.padding import padded_length, padme  # noqa: E402
from envelope import receipt as rc  # noqa: E402
from envelope.seal import Encryptor, encrypt_bytes  # noqa: E402

HERE = Path(__file__).resolve().parent
SEEDS = {
    "alice": "tipline test vector recipient alice",
    "bob": "tipline test vector recipient bob",
    "mallory": "tipline test vector recipient mallory",
}


def seeded(label: str, size: int = 32) -> bytes:
    return blake2b(label.encode("utf-8"), size=32)[:size]


def secret(name: str) -> bytes:
    return seeded(SEEDS[name])


def public(name: str) -> bytes:
    return crypto_scalarmult_base(secret(name))


def pattern(length: int) -> bytes:
    return bytes(i % 251 for i in range(length))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def content_json(content: bytes) -> dict:
    if content and content == pattern(len(content)):
        return {"pattern": "mod251", "length": len(content)}
    return {"hex": content.hex()}


def make_valid(name, *, kind, part, content, recipients, case="case one", note=""):
    inputs = {
        "kind": int(kind),
        "case_id": seeded(f"{case} id", 16),
        "envelope_id": seeded(f"{name} envelope id", 16),
        "part_index": part,
        "file_key": seeded(f"{name} file key"),
        "ephemeral_secrets": [seeded(f"{name} ephemeral {r}") for r in recipients],
    }
    envelope, result = encrypt_bytes(
        content,
        kind=kind,
        case_id=inputs["case_id"],
        envelope_id=inputs["envelope_id"],
        part_index=part,
        recipients=[public(r) for r in recipients],
        file_key=inputs["file_key"],
        ephemeral_secrets=inputs["ephemeral_secrets"],
    )
    vector = {
        "name": name,
        "note": note,
        "kind": int(kind),
        "case_id": inputs["case_id"].hex(),
        "envelope_id": inputs["envelope_id"].hex(),
        "part_index": part,
        "recipients": recipients,
        "file_key": inputs["file_key"].hex(),
        "ephemeral_secrets": [e.hex() for e in inputs["ephemeral_secrets"]],
        "content": content_json(content),
        "content_length": len(content),
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "padded_length": result.header.padded_length,
        "header_size": result.header.size,
        "header_hash": result.header_hash.hex(),
        "envelope_size": len(envelope),
        "envelope_sha256": hashlib.sha256(envelope).hexdigest(),
        "envelope": b64(envelope),
    }
    return vector, envelope, result


def primitives() -> dict:
    subkey_key = seeded("kdf test file key")
    return {
        "padme": [[n, padme(n)] for n in (2, 3, 8, 9, 100, 1000, 4096, 4097, 65544, 1000000, 123456789, 2**40 - 1)],
        "padded_length": [[n, padded_length(n)] for n in (0, 1, 4088, 4089, 65528, 65529, 1000000)],
        "keys": [
            {
                "name": name,
                "seed": seed,
                "public_key": public(name).hex(),
                "key_id": key_id(public(name)).hex(),
                "fingerprint": fingerprint(public(name)),
            }
            for name, seed in SEEDS.items()
        ],
        "kdf": {
            "file_key": subkey_key.hex(),
            "header_mac_key": derive_subkey(subkey_key, 1).hex(),
            "payload_key": derive_subkey(subkey_key, 2).hex(),
        },
        "nonces": [[i, last, chunk_nonce(i, last).hex()]
                   for i, last in ((0, False), (0, True), (1, False), (258, True))],
    }


def crafted_bad_padding() -> bytes:
    """A correctly sealed envelope whose length prefix is not canonical (claims 10 bytes in a 4352 pad)."""
    enc = Encryptor(
        kind=Kind.MESSAGE,
        case_id=seeded("case one id", 16),
        envelope_id=seeded("crafted envelope id", 16),
        part_index=7,
        content_length=4089,  # pads to 4352
        recipients=[public("alice")],
        file_key=seeded("crafted file key"),
        ephemeral_secrets=[seeded("crafted ephemeral")],
    )
    plain = (10).to_bytes(8, "big") + b"x" * 10
    plain += bytes(enc.padded_length - len(plain))
    return enc.header_bytes + enc.seal_chunk(0, plain)


def crafted_nonzero_padding() -> bytes:
    enc = Encryptor(
        kind=Kind.MESSAGE,
        case_id=seeded("case one id", 16),
        envelope_id=seeded("crafted2 envelope id", 16),
        part_index=8,
        content_length=10,
        recipients=[public("alice")],
        file_key=seeded("crafted2 file key"),
        ephemeral_secrets=[seeded("crafted2 ephemeral")],
    )
    plain = (10).to_bytes(8, "big") + b"y" * 10
    plain += bytes(enc.padded_length - len(plain) - 1) + b"\x01"
    return enc.header_bytes + enc.seal_chunk(0, plain)


def envelope_vectors():
    report_text = json.dumps(
        {"lieu": "place de l'Europe, devant le bâtiment X", "horaires": "tous les soirs 18:00-20:00"},
        ensure_ascii=False,
    ).encode("utf-8")
    specs = [
        ("report-small", dict(kind=Kind.REPORT, part=0, content=report_text, recipients=["alice"])),
        ("attachment-empty", dict(kind=Kind.ATTACHMENT, part=1, content=b"", recipients=["alice"])),
        ("message-floor-full", dict(kind=Kind.MESSAGE, part=1, content=pattern(4088), recipients=["alice"],
                                    note="content fills the 4096-byte floor exactly")),
        ("message-floor-plus-one", dict(kind=Kind.MESSAGE, part=2, content=pattern(4089), recipients=["alice"],
                                        note="first size above the floor: padme(4097) = 4352")),
        ("reply-two-recipients", dict(kind=Kind.REPLY, part=1, content=b"Merci, pouvez-vous preciser l'heure ?",
                                      recipients=["alice", "bob"])),
        ("attachment-one-full-chunk", dict(kind=Kind.ATTACHMENT, part=2, content=pattern(65528), recipients=["alice"],
                                           note="padded length 65536: exactly one full chunk")),
        ("attachment-two-chunks", dict(kind=Kind.ATTACHMENT, part=3, content=pattern(65536), recipients=["alice"],
                                       note="padded length 67584: a full chunk and a 2048-byte last chunk")),
        ("attachment-three-chunks", dict(kind=Kind.ATTACHMENT, part=4, content=pattern(135000),
                                         recipients=["alice", "bob"],
                                         note="padded length 139264: two full chunks and an 8192-byte last one")),
    ]
    valid, envs = [], {}
    for name, spec in specs:
        vector, env, _ = make_valid(name, **spec)
        valid.append(vector)
        envs[name] = env
    return valid, envs


def invalid_vectors(envs: dict) -> dict:
    crafted = {"bad-padding-prefix": crafted_bad_padding(), "nonzero-padding": crafted_nonzero_padding()}
    small = "report-small"
    three = "attachment-three-chunks"
    two = "attachment-two-chunks"
    hs = 88 + 88  # header size with one recipient
    hs2 = 88 + 88 * 2
    full = 65536 + 16

    def v(name, base, mutations, inspect_error, open_error, identity="alice"):
        return {
            "name": name,
            "base": base,
            "mutations": mutations,
            "identity": identity,
            "inspect_error": inspect_error,
            "open_error": open_error,
        }

    vectors = [
        v("plaintext-jpeg", small, [{"op": "set", "offset": 0, "hex": "ffd8ffe000104a464946"}],
          "bad_magic", "bad_magic"),
        v("magic-bit-flip", small, [{"op": "flip", "offset": 3, "bit": 0}], "bad_magic", "bad_magic"),
        v("version-2", small, [{"op": "set", "offset": 7, "hex": "02"}], "unsupported_version", "unsupported_version"),
        v("kind-9", small, [{"op": "set", "offset": 8, "hex": "09"}], "bad_kind", "bad_kind"),
        v("kind-changed-to-message", small, [{"op": "set", "offset": 8, "hex": "03"}], None, "header_mac_mismatch"),
        v("reserved-set", small, [{"op": "set", "offset": 10, "hex": "0001"}], "bad_reserved", "bad_reserved"),
        v("zero-recipients", small, [{"op": "set", "offset": 9, "hex": "00"}], "no_recipients", "no_recipients"),
        v("seventeen-recipients", small, [{"op": "set", "offset": 9, "hex": "11"}], "too_many_recipients",
          "too_many_recipients"),
        v("padded-length-over-limit", small, [{"op": "set", "offset": 48, "hex": "0000010000001000"}], "too_large",
          "too_large"),
        v("padded-length-not-canonical", small, [{"op": "set", "offset": 48, "hex": "0000000000001001"}], "bad_length",
          "bad_length"),
        v("report-as-part-1", small, [{"op": "set", "offset": 44, "hex": "00000001"}], "bad_part_index",
          "bad_part_index"),
        v("attachment-as-part-0", two, [{"op": "set", "offset": 44, "hex": "00000000"}], "bad_part_index",
          "bad_part_index"),
        v("case-id-changed", small, [{"op": "flip", "offset": 30, "bit": 5}], None, "header_mac_mismatch"),
        v("part-index-changed", two, [{"op": "set", "offset": 44, "hex": "00000009"}], None, "header_mac_mismatch"),
        v("padded-length-changed", two, [{"op": "set", "offset": 48, "hex": "0000000000011000"}], "truncated",
          "header_mac_mismatch"),
        v("mac-bit-flip", small, [{"op": "flip", "offset": hs - 1, "bit": 7}], None, "header_mac_mismatch"),
        v("key-id-bit-flip", small, [{"op": "flip", "offset": 56, "bit": 0}], None, "no_matching_recipient"),
        v("sealed-key-bit-flip", small, [{"op": "flip", "offset": 100, "bit": 3}], None, "unseal_failed"),
        v("wrong-key", small, [], None, "no_matching_recipient", identity="mallory"),
        v("second-recipient-opens", "reply-two-recipients", [], None, None, identity="bob"),
        v("payload-bit-flip", small, [{"op": "flip", "offset": hs + 20, "bit": 1}], None, "chunk_auth_failed"),
        v("tag-bit-flip", small, [{"op": "flip", "offset": len(envs[small]) - 1, "bit": 0}], None,
          "chunk_auth_failed"),
        v("truncated-in-header", small, [{"op": "truncate", "length": 100}], "truncated", "truncated"),
        v("truncated-fixed-header", small, [{"op": "truncate", "length": 20}], "truncated", "truncated"),
        v("truncated-in-payload", small, [{"op": "truncate", "length": hs + 1000}], "truncated", "truncated"),
        v("missing-final-chunk", three, [{"op": "truncate", "length": hs2 + 2 * full}], "truncated", "truncated"),
        v("final-chunk-dropped-earlier-kept", two, [{"op": "truncate", "length": hs + full}], "truncated",
          "truncated"),
        v("trailing-byte", small, [{"op": "append", "hex": "00"}], "trailing_data", "trailing_data"),
        v("extra-chunk", two, [{"op": "append", "hex": "00" * 2064}], "trailing_data", "trailing_data"),
        v("chunks-swapped", three, [{"op": "swap", "a": hs2, "b": hs2 + full, "length": full}], None,
          "chunk_auth_failed"),
        v("chunk-spliced-from-other-envelope", three,
          [{"op": "splice", "from": two, "src": hs, "dst": hs2, "length": full}], None, "chunk_auth_failed"),
        v("bad-padding-prefix", "bad-padding-prefix", [], None, "bad_padding"),
        v("nonzero-padding", "nonzero-padding", [], None, "bad_padding"),
    ]
    return {
        "crafted": [{"name": k, "envelope": b64(e)} for k, e in crafted.items()],
        "invalid": vectors,
    }


def bundle_vectors() -> dict:
    root_seed = seeded("tipline test vector root key")
    other_seed = seeded("tipline test vector other root key")
    root_pk = bytes(__import__("nacl.signing", fromlist=["SigningKey"]).SigningKey(root_seed).verify_key)
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    expires = datetime(2026, 4, 1, tzinfo=UTC)  # exactly the 90 days allowed
    origin = "https://signalement.example"
    recips = [(public("alice"), "primary"), (public("bob"), "backup")]
    payload = kb.make_payload(origin=origin, sequence=5, issued=issued, expires=expires, recipients=recips)
    good = kb.sign_bundle(payload, root_seed)

    def too_long(until: str, at_origin: str = origin) -> dict:
        """Signed by the right root, but valid for longer than a bundle may be (make_payload refuses)."""
        text = payload.decode().replace('"expires":"2026-04-01T00:00:00Z"', f'"expires":"{until}"')
        text = text.replace(f'"origin":"{origin}"', f'"origin":"{at_origin}"')
        assert text != payload.decode()
        return kb.sign_bundle(text.encode(), root_seed)

    # 16 keys: an envelope holds 16 stanzas, and a message or reply needs one for the receipt's key
    sixteen = [{"key_id": key_id(pk).hex(), "public_key": b64(pk), "role": "primary"}
               for pk in (crypto_scalarmult_base(seeded(f"bundle recipient {i}")) for i in range(16))]
    text = json.loads(payload)
    text["recipients"] = sixteen
    too_many = kb.sign_bundle(json.dumps(text, separators=(",", ":")).encode(), root_seed)
    by_other = kb.sign_bundle(payload, other_seed)
    forged_signer = dict(by_other, signer=good["signer"])
    tampered = dict(good, payload=payload.decode().replace('"sequence":5', '"sequence":9'))
    now = "2026-02-01T00:00:00Z"
    base = {"origin": origin, "now": now, "min_sequence": 0}
    cases = [
        ("valid", good, base, None),
        ("valid-same-sequence", good, dict(base, min_sequence=5), None),
        ("signed-by-other-root", by_other, base, "bundle_bad_signature"),
        ("other-root-claims-our-signer", forged_signer, base, "bundle_bad_signature"),
        ("payload-tampered", tampered, base, "bundle_bad_signature"),
        ("wrong-origin", good, dict(base, origin="https://evil.example"), "bundle_wrong_origin"),
        ("expired", good, dict(base, now="2026-04-01T00:00:00Z"), "bundle_expired"),
        ("last-second", good, dict(base, now="2026-03-31T23:59:59Z"), None),
        ("lifetime-one-second-too-long", too_long("2026-04-01T00:00:01Z"), base, "bundle_lifetime_too_long"),
        ("lifetime-one-year", too_long("2027-01-01T00:00:00Z"), base, "bundle_lifetime_too_long"),
        # the lifetime is part of the payload's check: before the origin, the dates and the sequence
        ("lifetime-checked-before-origin", too_long("2027-01-01T00:00:00Z", "https://evil.example"),
         dict(base, min_sequence=9), "bundle_lifetime_too_long"),
        ("not-yet-valid", good, dict(base, now="2025-12-31T22:59:59Z"), "bundle_not_yet_valid"),
        ("sequence-rollback", good, dict(base, min_sequence=6), "bundle_sequence_rollback"),
        ("missing-field", {k: v for k, v in good.items() if k != "signer"}, base, "bundle_malformed"),
        ("sixteen-recipients", too_many, base, "bundle_malformed"),
    ]
    return {
        "root": {"seed": "tipline test vector root key", "public_key": root_pk.hex(),
                 "root_key_document": kb.root_key_document(root_pk)},
        "signing_context": kb.SIGNING_CONTEXT.decode(),
        "max_lifetime_seconds": int(kb.MAX_LIFETIME.total_seconds()),
        "cases": [
            {"name": n, "bundle": doc, "verify": params, "error": err,
             "expect": None if err else {"sequence": 5, "origin": origin,
                                         "recipients": [[key_id(pk).hex(), role] for pk, role in recips]}}
            for n, doc, params, err in cases
        ],
    }


def manifest_vectors() -> dict:
    case = "manifest case"
    other = "other case"
    photo = pattern(5000)
    video = pattern(70000)
    a1, env1, r1 = make_valid("manifest-photo", kind=Kind.ATTACHMENT, part=1, content=photo, recipients=["alice"],
                              case=case)
    a2, env2, r2 = make_valid("manifest-video", kind=Kind.ATTACHMENT, part=2, content=video, recipients=["alice"],
                              case=case)
    # same bytes, part 1, but in another case: a replay must not pass as the case's photo
    a3, env3, r3 = make_valid("manifest-photo-other-case", kind=Kind.ATTACHMENT, part=1, content=photo,
                              recipients=["alice"], case=other)
    a4, env4, r4 = make_valid("manifest-photo-altered", kind=Kind.ATTACHMENT, part=1, content=photo[:-1] + b"\x00",
                              recipients=["alice"], case=case)
    entries = [
        AttachmentEntry.from_seal(r1, name="IMG_2041.jpg", media_type="image/jpeg").to_json(),
        AttachmentEntry.from_seal(r2, name="VID_0007.mp4", media_type="video/mp4").to_json(),
    ]
    report = {"lieu": "rue des Tilleuls", "attachments": entries}
    rep, env_r, _ = make_valid("manifest-report", kind=Kind.REPORT, part=0,
                               content=json.dumps(report, sort_keys=True).encode(), recipients=["alice"], case=case)
    return {
        "report": rep,
        "attachments": [a1, a2, a3, a4],
        "checks": [
            {"name": "complete", "attachments": ["manifest-photo", "manifest-video"], "error": None},
            {"name": "video-missing", "attachments": ["manifest-photo"], "error": "attachment_missing"},
            {"name": "photo-from-other-case", "attachments": ["manifest-photo-other-case", "manifest-video"],
             "error": "attachment_mismatch"},
            {"name": "photo-altered-before-encryption", "attachments": ["manifest-photo-altered", "manifest-video"],
             "error": "attachment_mismatch"},
            {"name": "unexpected-extra-part", "attachments": ["manifest-photo", "manifest-video", "extra-part-3"],
             "error": "attachment_unexpected"},
        ],
        "extra": make_valid("extra-part-3", kind=Kind.ATTACHMENT, part=3, content=b"extra", recipients=["alice"],
                            case=case)[0],
    }


KIND_NAMES = {int(k): v for k, v in LISTING_KINDS.items()}


def identity(name: str) -> Identity:
    return Identity(secret(name))


def apply_mutations(data: bytes, mutations: list[dict]) -> bytes:
    out = bytearray(data)
    for m in mutations:
        assert m["op"] == "set"
        raw = bytes.fromhex(m["hex"])
        out[m["offset"]:m["offset"] + len(raw)] = raw
    return bytes(out)


def listing_vectors() -> dict:
    """Envelopes and what a server could say of them: readers believe the opened header only."""
    case = "listing case"
    report, env_r, _ = make_valid("listing-report", kind=Kind.REPORT, part=0, content=b'{"attachments": []}',
                                  recipients=["alice"], case=case)
    photo, env_p, _ = make_valid("listing-attachment", kind=Kind.ATTACHMENT, part=2, content=pattern(3000),
                                 recipients=["alice"], case=case)
    message, env_m, _ = make_valid("listing-message", kind=Kind.MESSAGE, part=7, content=b'{"text": "bonjour"}',
                                   recipients=["alice"], case=case)
    ids = {v["name"]: {"item_id": v["envelope_id"], "case_id": v["case_id"], "kind": KIND_NAMES[v["kind"]],
                       "part_index": v["part_index"]} for v in (report, photo, message)}
    other_case = seeded("another case id", 16).hex()

    def entry(name, **changes):
        return {**ids[name], **changes}

    cases = [
        ("report-as-listed", "listing-report", [], entry("listing-report"), None, None),
        ("attachment-as-listed", "listing-attachment", [], entry("listing-attachment"), None, None),
        ("message-as-listed", "listing-message", [], entry("listing-message"), None, None),
        ("report-listed-as-attachment", "listing-report", [], entry("listing-report", kind="attachment"),
         None, "listing_mismatch"),
        ("attachment-listed-as-report", "listing-attachment", [], entry("listing-attachment", kind="report",
                                                                          part_index=0), None, "listing_mismatch"),
        ("message-listed-as-reply", "listing-message", [], entry("listing-message", kind="reply"),
         None, "listing_mismatch"),
        ("listed-under-another-case", "listing-attachment", [], entry("listing-attachment", case_id=other_case),
         None, "listing_mismatch"),
        ("listed-with-another-part", "listing-attachment", [], entry("listing-attachment", part_index=3),
         None, "listing_mismatch"),
        ("listed-under-another-id", "listing-attachment", [],
         entry("listing-attachment", item_id=seeded("another item id", 16).hex()), None, "listing_mismatch"),
        ("part-as-a-string", "listing-attachment", [], entry("listing-attachment", part_index="2"),
         None, "listing_mismatch"),
        ("unknown-kind-name", "listing-attachment", [], entry("listing-attachment", kind="photo"),
         None, "listing_mismatch"),
        # the server rewrites the header to agree with its listing: opening refuses it first
        ("header-altered-to-match", "listing-attachment", [{"op": "set", "offset": 44, "hex": "00000003"}],
         entry("listing-attachment", part_index=3), "header_mac_mismatch", None),
        ("case-altered-to-match", "listing-attachment", [{"op": "set", "offset": 28, "hex": other_case}],
         entry("listing-attachment", case_id=other_case), "header_mac_mismatch", None),
    ]
    for name, base, mutations, listed, open_error, error in cases:
        data = apply_mutations(base64.b64decode({"listing-report": report, "listing-attachment": photo,
                                                 "listing-message": message}[base]["envelope"]), mutations)
        try:
            _, opened = decrypt_bytes(data, [identity("alice")])
        except EnvelopeError as exc:
            assert exc.code == open_error, (name, exc.code)
            continue
        assert open_error is None, name
        try:
            check_listing(opened.header, listed)
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code)
        else:
            assert error is None, name
    return {
        "envelopes": [report, photo, message],
        "cases": [{"name": n, "envelope": b, "mutations": m, "identity": "alice", "listing": listed,
                   "open_error": oe, "error": e} for n, b, m, listed, oe, e in cases],
    }


NAME_CASES = [
    # (claimed name, detected media type, what it stands for)
    ("IMG_2041.jpg", "image/jpeg", "an ordinary name keeps its form"),
    ("IMG_2041.JPG", "image/jpeg", "the extension is the reader's, lower case"),
    ("photo.jpeg", "image/png", "the bytes win over the claimed extension"),
    ("photo\u202egpj.exe", "image/jpeg", "RIGHT-TO-LEFT OVERRIDE makes 'photo' + 'gpj.exe' look like 'photoexe.jpg'"),
    ("photo\u202egpj.exe", None, "the same, of no known type: no extension at all"),
    ("\u2067\u200fexe.\u2069jpg", None, "isolates and marks are removed"),
    ("holiday.jpg.exe", "image/jpeg", "a hidden second extension becomes part of the stem"),
    ("invoice.pdf\u2003\u2003\u2003\u2003\u2003\u2003.exe", "application/pdf", "an extension pushed out of sight"),
    ("invoice.pdf      .exe", None, "runs of spaces collapse"),
    ("../../etc/passwd", None, "only the last path component"),
    ("..\\..\\Windows\\System32\\cmd.exe", None, "backslashes are separators too"),
    ("C:\\Users\\Amina\\Pictures\\IMG_1.jpg", "image/jpeg", "a Windows path gives its file name"),
    ("/", None, "nothing left: the fallback"),
    ("..", None, "no dot is left"),
    (".", None, "a lone dot"),
    (".bashrc", None, "no hidden file"),
    (".jpg", "image/jpeg", "a name that is only an extension"),
    ("..\u2215..\u2215etc\u2215passwd", None, "slashes that only look like one become '_'"),
    ("a\uff0fb\uff3cc", None, "fullwidth solidus and reverse solidus"),
    ("a\u0000b.jpg", "image/jpeg", "NUL"),
    ("a\u001b[31mred\u0007.png", "image/png", "terminal escapes"),
    ("a\u0085b\u009bc", None, "C1 controls"),
    ("line\u2028break\u2029para", None, "line and paragraph separators"),
    ("a<b>c:d\"e|f?g*h", None, "what Windows forbids"),
    ("CON", "image/png", "a Windows device name"),
    ("con.txt", None, "in any case, with an extension"),
    ("Lpt9 .jpg", "image/jpeg", "with a trailing space"),
    ("COM\u00b9.jpg", "image/jpeg", "COM with a superscript digit"),
    ("CONOUT$.log", None, "console devices"),
    ("CONSOLE.jpg", "image/jpeg", "a longer name is no device"),
    ("name. ", None, "trailing dot and space"),
    ("  spaced  out  .jpg", "image/jpeg", "spaces at the ends go"),
    ("\u00a0\u3000wide\u2009space\u00a0.jpg", "image/jpeg", "every kind of space becomes one plain space"),
    ("pho\u200bto\u200d.jpg", "image/jpeg", "zero-width characters"),
    ("\ufeffphoto.jpg", "image/jpeg", "a byte order mark"),
    ("sof\u00adt.jpg", "image/jpeg", "a soft hyphen"),
    ("tag\U000e0041\U000e007f.jpg", "image/jpeg", "tag characters"),
    ("\u200b\u200b\u200b", None, "only invisible characters: the fallback"),
    ("   ", None, "only spaces: the fallback"),
    ("e\u0301cole.png", "image/png", "NFC: e + combining acute becomes one character"),
    ("e\u200b\u0301t\u00e9.png", "image/png", "NFC after the invisible character is gone"),
    ("\u1100\u1161\u11a8.jpg", "image/jpeg", "NFC composes Hangul jamo"),
    ("\ud83d.jpg", "image/jpeg", "a lone surrogate"),
    ("x\udc00y", None, "a lone low surrogate"),
    ("\ue000private\U000f0000.jpg", "image/jpeg", "private-use characters"),
    ("\ufdd0\uffff", None, "non-characters: U+FFFF becomes '_', U+FDD0 too"),
    ("\U0001f468\u200d\U0001f469\u200d\U0001f467.jpg", "image/jpeg", "an emoji sequence loses its joiners"),
    ("\u0635\u0648\u0631\u0629\u200f.jpg", "image/jpeg", "Arabic stays, its mark goes"),
    ("p\u0430yp\u0430l.jpg", "image/jpeg", "mixed scripts are kept as they are"),
    ("\u0416" * 120 + ".jpg", "image/jpeg", "long, two bytes a character: 100 characters"),
    ("\u6587" * 90, None, "three bytes a character: 66 characters (198 bytes)"),
    ("\U0001f600" * 80 + ".mp4", "video/mp4", "four bytes a character: 50 characters (200 bytes)"),
    ("a" * 99 + "\U0001f600" + "b" * 20, None, "cut at 100 code points"),
    ("a" * 99 + " " + "b", None, "a cut that ends in a space loses it"),
    ("report.documentation", None, "more than 10 characters after the dot is no extension"),
    ("archive.tar.gz", None, "only the last extension is the sender's"),
    ("clip", "video/quicktime", "no extension claimed"),
    ("VID_0007.mp4", "application/x-msdownload", "a type outside the table gives no extension"),
    ("VID_0007.mp4", "application/octet-stream", "nor does an unknown type"),
    ("photo.jpg", "audio/mp4", "M4A audio"),
]


def name_vectors() -> dict:
    heads = [
        ("jpeg", "ffd8ffe000104a464946", "image/jpeg"),
        ("png", "89504e470d0a1a0a0000000d49484452", "image/png"),
        ("webp", "52494646" + "24000000" + "57454250" + "5650384c", "image/webp"),
        ("avi-is-riff-but-not-webp", "52494646" + "24000000" + "41564920", None),
        ("heic", "00000018" + "66747970" + "68656963" + "00000000", "image/heic"),
        ("heic-sequence", "00000018" + "66747970" + "68657663", "image/heic-sequence"),
        ("heif-mif1", "00000018" + "66747970" + "6d696631", "image/heif"),
        ("avif", "0000001c" + "66747970" + "61766966", "image/avif"),
        ("quicktime", "00000014" + "66747970" + "71742020", "video/quicktime"),
        ("bare-quicktime", "00000008" + "77696465", "video/quicktime"),
        ("mp4", "00000020" + "66747970" + "69736f6d", "video/mp4"),
        ("3gp", "00000018" + "66747970" + "33677034", "video/3gpp"),
        ("m4a", "00000020" + "66747970" + "4d344120", "audio/mp4"),
        ("cr3", "00000018" + "66747970" + "63727820", "image/x-canon-cr3"),
        ("gif", "474946383961", "image/gif"),
        ("pdf", "255044462d312e37", "application/pdf"),
        ("tiff-little", "49492a00", "image/tiff"),
        ("tiff-big", "4d4d002a", "image/tiff"),
        ("jxl", "ff0a", "image/jxl"),
        ("jxl-container", "0000000c4a584c200d0a870a", "image/jxl"),
        ("webm", "1a45dfa3", "video/webm"),
        ("windows-executable", "4d5a90000300000004000000", None),
        ("elf", "7f454c46", None),
        ("zip-or-docx", "504b0304", None),
        ("html", "3c68746d6c3e", None),
        ("shell-script", "23212f62696e2f7368", None),
        ("svg", "3c3f786d6c", None),
        ("empty", "", None),
        ("short-jpeg", "ffd8", None),
    ]
    detect = []
    for name, head, expected in heads:
        assert detect_media_type(bytes.fromhex(head)) == expected, name
        detect.append({"name": name, "head": head, "media_type": expected})
    names = []
    for name, detected, note in NAME_CASES:
        names.append({"name": name, "detected_media_type": detected, "expected": safe_name(name, detected),
                      "note": note})
    return {
        "limits": {"stem_code_points": MAX_STEM_CODE_POINTS, "stem_utf8_bytes": MAX_STEM_BYTES,
                   "fallback": FALLBACK},
        "extensions": EXTENSIONS,
        "detect": detect,
        "names": names,
    }


def receipt_vectors() -> dict:
    example = "7K3M QX2P 9ZTA 4HCW"
    receipts = [
        ("zeros", bytes(10)),
        ("ones", b"\xff" * 10),
        ("example", rc.parse_receipt(example)),
        ("seeded", seeded("tipline test vector receipt", 10)),
    ]

    def derived(name: str, raw: bytes) -> dict:
        keys = rc.derive_receipt_keys(raw)
        return {
            "name": name,
            "bytes": raw.hex(),
            "text": rc.format_receipt_v1(raw),
            "seed": rc.receipt_seed(raw).hex(),
            "x25519_secret_key": keys.x25519_secret.hex(),
            "x25519_public_key": keys.x25519_public.hex(),
            "ed25519_secret_key": keys.ed25519_secret.hex(),
            "ed25519_public_key": keys.ed25519_public.hex(),
            "mailbox_id": keys.mailbox_id,
        }

    def parse_case(name: str, text: str, error: str | None = None) -> dict:
        if error is None:
            return {"name": name, "text": text, "bytes": rc.parse_receipt(text).hex(), "error": None}
        try:
            rc.parse_receipt(text)
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code)
            return {"name": name, "text": text, "bytes": None, "error": error}
        raise AssertionError(f"{name}: {text!r} parsed")

    return {
        "parameters": {
            "receipt_bytes": rc.RECEIPT_BYTES,
            "salt_input": "tipline receipt v1",
            "salt": rc.SALT.hex(),
            "algorithm": "argon2id13",
            "opslimit": rc.OPSLIMIT,
            "memlimit": rc.MEMLIMIT,
            "seed_size": 32,
            "kdf_context": rc.KDF_CONTEXT.decode(),
            "subkeys": {"x25519": rc.SUBKEY_X25519, "ed25519": rc.SUBKEY_ED25519, "mailbox": rc.SUBKEY_MAILBOX},
        },
        "receipts": [derived(name, raw) for name, raw in receipts],
        "parse": [
            parse_case("canonical", example),
            parse_case("lowercase", example.lower()),
            parse_case("no-separators", example.replace(" ", "")),
            parse_case("dashes", example.replace(" ", "-")),
            parse_case("look-alikes", "i0l1 o1Lo 4hcw 9zta"),
            parse_case("loose-separators", " 7k3m\tQX2P\u00a09ZTA \u2013 4HCW\n"),
            parse_case("empty", "", "receipt_bad_length"),
            parse_case("one-short", example[:-1], "receipt_bad_length"),
            parse_case("one-long", example + "0", "receipt_bad_length"),
            parse_case("letter-u", example[:-1] + "U", "receipt_bad_character"),
            parse_case("dots", example.replace(" ", "."), "receipt_bad_character"),
            parse_case("dotless-i", example[:-1] + "\u0131", "receipt_bad_character"),
            parse_case("bad-character-and-length", "7K3M QX2P 9ZTA 4H*", "receipt_bad_character"),
        ],
    }


def receipt_v2_vectors() -> dict:
    from envelope import receipt_check as chk

    example = rc.format_receipt(rc.parse_receipt("7K3M QX2P 9ZTA 4HCW"))
    compact = example.replace(" ", "")
    receipts = [
        ("zeros", bytes(10)),
        ("ones", b"\xff" * 10),
        ("example", rc.parse_receipt(example)),
        ("seeded", seeded("tipline test vector receipt", 10)),
    ] + [(f"seeded-{i}", seeded(f"tipline test vector receipt v2 {i}", 10)) for i in range(4)]

    def parse_case(name: str, text: str, error: str | None = None) -> dict:
        if error is None:
            return {"name": name, "text": text, "bytes": rc.parse_receipt(text).hex(), "error": None}
        try:
            rc.parse_receipt(text)
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code)
            return {"name": name, "text": text, "bytes": None, "error": error}
        raise AssertionError(f"{name}: {text!r} parsed")

    def changed(pos: int, char: str) -> str:
        return compact[:pos] + char + compact[pos + 1:]

    def swapped(pos: int) -> str:
        return compact[:pos] + compact[pos + 1] + compact[pos] + compact[pos + 2:]

    other = next(c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != compact[5])
    return {
        "parameters": {
            "data_characters": rc.RECEIPT_CHARACTERS,
            "check_characters": rc.CHECK_CHARACTERS,
            "field_polynomial": "x^5 + x^2 + 1",
            "field_polynomial_bits": chk.FIELD_POLYNOMIAL,
            "alpha": chk.ALPHA,
            "generator": {"g1": chk.G1, "g0": chk.G0},
            "groups": 6,
            "group_size": 3,
        },
        "receipts": [{"name": name, "bytes": raw.hex(), "text": rc.format_receipt(raw),
                      "v1_text": rc.format_receipt_v1(raw),
                      "checks": [rc.ALPHABET.index(c) for c in rc.receipt_characters(raw)[16:]]}
                     for name, raw in receipts],
        "parse": [
            parse_case("canonical", example),
            parse_case("lowercase", example.lower()),
            parse_case("no-separators", compact),
            parse_case("dashes-and-en-dash", example.replace(" ", "-", 3).replace(" ", "\u2013")),
            parse_case("groups-of-four", " ".join(compact[i:i + 4] for i in range(0, 18, 4))),
            parse_case("look-alikes", rc.format_receipt(rc.parse_receipt("10Z1 0000 1111 0000")).replace("1", "l")
                       .replace("0", "O")),
            parse_case("v1-still-accepted", "7K3M QX2P 9ZTA 4HCW"),
            parse_case("v1-without-separators", "7k3mqx2p9zta4hcw"),
            parse_case("substitution-in-data", changed(5, other), "receipt_bad_check"),
            parse_case("substitution-in-check", changed(17, "0" if compact[17] != "0" else "1"), "receipt_bad_check"),
            parse_case("adjacent-swap", swapped(2), "receipt_bad_check"),
            parse_case("swap-across-groups", swapped(8), "receipt_bad_check"),
            parse_case("check-characters-swapped", swapped(16) if compact[16] != compact[17] else swapped(15),
                       "receipt_bad_check"),
            parse_case("one-short", compact[:-1], "receipt_bad_length"),
            parse_case("one-long", compact + "0", "receipt_bad_length"),
            parse_case("fifteen", compact[:15], "receipt_bad_length"),
            parse_case("letter-u", compact[:-1] + "U", "receipt_bad_character"),
            parse_case("bad-character-and-check", compact[:-1] + "*", "receipt_bad_character"),
        ],
    }


def conversation_vectors() -> dict:
    """Messages and replies (section 17): valid items opened by every recipient, items every
    reader refuses, attachments held against their entries, display text."""
    from nacl.signing import SigningKey

    from envelope import conversation as cv
    from envelope.conversation_open import check_attachment, open_item
    from envelope.names import display_line, display_text

    receipt = seeded("tipline test vector receipt", 10)
    citizen = rc.derive_receipt_keys(receipt)
    citizen_identity = Identity(citizen.x25519_secret)
    other_signer = SigningKey(seeded("tipline test vector other signer"))
    case_id = seeded("conversation case id", 16)
    other_case = seeded("conversation other case id", 16)
    police = ["alice", "bob"]
    police_keys = [public(n) for n in police]
    readers = {"alice": [identity("alice")], "bob": [identity("bob")], "citizen": [citizen_identity],
               "mallory": [identity("mallory")]}
    verify_keys = {"citizen": citizen.ed25519_public, "other": bytes(other_signer.verify_key)}
    envelopes: dict[str, dict] = {}
    raw: dict[str, bytes] = {}
    results = {}

    def seal(name, *, kind, content, case=case_id, part=0, recipients=None):
        recipients = recipients or cv.conversation_recipients(
            Kind.REPLY if kind == Kind.REPLY else Kind.MESSAGE, police_keys, citizen.x25519_public)
        envelope_id = seeded(f"{name} envelope id", 16)
        env, result = encrypt_bytes(content, kind=kind, case_id=case, envelope_id=envelope_id, part_index=part,
                                    recipients=recipients, file_key=seeded(f"{name} file key"),
                                    ephemeral_secrets=[seeded(f"{name} ephemeral {i}") for i in range(len(recipients))])
        envelopes[name] = {"name": name, "kind": int(kind), "item_id": envelope_id.hex(), "case_id": case.hex(),
                           "part_index": part, "header_hash": result.header_hash.hex(),
                           "stanza_key_ids": [key_id(pk).hex() for pk in recipients], "envelope": b64(env)}
        raw[name], results[name] = env, result
        return envelope_id, result

    def body_bytes(obj) -> bytes:
        return obj if isinstance(obj, bytes) else json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    def message(name, obj, *, case=case_id, part=0, signer=None, sign_case=None, sign_id=None, signed=True):
        envelope_id = seeded(f"{name} envelope id", 16)
        body = body_bytes(obj)
        if signed:
            key = signer or SigningKey(citizen.ed25519_secret[:32])
            signature = key.sign(cv.SIGNATURE_CONTEXT + (sign_case or case) + (sign_id or envelope_id) + body).signature
            content = signature + body
        else:
            content = body
        return seal(name, kind=Kind.MESSAGE, content=content, case=case, part=part)

    def reply(name, obj, *, part=0, prefix=b""):
        return seal(name, kind=Kind.REPLY, content=prefix + body_bytes(obj), part=part)

    def attachment(name, content, part, *, case=case_id, kind=Kind.MESSAGE):
        _, result = seal(name, kind=Kind.ATTACHMENT, content=content, case=case, part=part,
                         recipients=cv.conversation_recipients(kind, police_keys, citizen.x25519_public))
        return result

    def entry(result, name, media_type, **changes):
        return {**AttachmentEntry.from_seal(result, name=name, media_type=media_type).to_json(), **changes}

    when = "2026-12-02T14:05Z"
    def msg(**kw):
        return {"v": 1, "type": "message", "text": "", "written_at": when, "attachments": [], **kw}

    def rep(**kw):
        return {"v": 1, "type": "reply", "text": "", "written_at": when, "attachments": [], **kw}

    # attachments of messages and replies, parts 1024 and up
    photo = bytes.fromhex("ffd8ffe000104a464946") + pattern(5000)
    video = pattern(6000)
    r_photo = attachment("conv-photo", photo, 1031)
    r_video = attachment("conv-video", video, 700001)
    attachment("conv-photo-other-case", photo, 1031, case=other_case)  # vectors of their own, used by name
    attachment("conv-photo-altered", photo[:-1] + b"\x00", 1031)
    r_reply_photo = attachment("conv-reply-photo", pattern(3000), 2**32 - 1, kind=Kind.REPLY)
    photo_entry = entry(r_photo, "IMG_0001.jpg", "image/jpeg")
    video_entry = entry(r_video, "VID_0002.mp4", "video/mp4")

    text = "Bonjour, c'\u00e9tait vers 22 h, entr\u00e9e B.\nIls sont deux."
    valid = [
        ("message-text", lambda n: message(n, msg(text=text)), ["alice", "bob", "citizen"]),
        ("message-with-photo-and-video", lambda n: message(n, msg(text="Voici les photos.",
                                                                  attachments=[photo_entry, video_entry])),
         ["alice", "citizen"]),
        ("message-attachment-only", lambda n: message(n, msg(attachments=[photo_entry])), ["bob"]),
        ("message-text-at-limit", lambda n: message(n, msg(text="\u00e9" * cv.MAX_TEXT_CODE_POINTS)), ["alice"]),
        ("message-unknown-member-ignored", lambda n: message(n, {**msg(text="ok"), "mood": "calm"}), ["alice"]),
        ("message-unicode", lambda n: message(n, msg(text="\U0001f697 bleue \u05e9\u05dc\u05d5\u05dd\r\nfin")),
         ["citizen"]),
        ("reply-text", lambda n: reply(n, rep(text="Merci. \u00c0 quelle heure exactement ?", author="Agent Dupont")),
         ["citizen", "alice", "bob"]),
        ("reply-with-photo", lambda n: reply(n, rep(text="Est-ce ce v\u00e9hicule ?",
                                                    attachments=[entry(r_reply_photo, "vehicule.png", "image/png")])),
         ["citizen", "bob"]),
        ("reply-without-author", lambda n: reply(n, rep(text="Bien re\u00e7u.")), ["citizen"]),
    ]
    long_author = "A" * (cv.MAX_AUTHOR_CODE_POINTS + 1)
    many = [entry(r_photo, "IMG.jpg", "image/jpeg", part=2000 + i) for i in range(cv.MAX_ATTACHMENTS + 1)]
    invalid = [
        # (name, make, listing changes, reader, verify key, error, note)
        ("message-part-7", lambda n: message(n, msg(text="x"), part=7), {}, "alice", "citizen", "message_invalid",
         "a message is part 0"),
        ("reply-part-1", lambda n: reply(n, rep(text="x"), part=1), {}, "citizen", None, "message_invalid",
         "a reply is part 0"),
        ("message-signed-by-another-key", lambda n: message(n, msg(text="x"), signer=other_signer), {}, "alice",
         "citizen", "message_bad_signature", "only the receipt's key signs the citizen's messages"),
        ("message-checked-with-another-key", lambda n: message(n, msg(text="x")), {}, "alice", "other",
         "message_bad_signature", "the mailbox's key is the report's, not any key"),
        ("message-signed-for-another-case", lambda n: message(n, msg(text="x"), sign_case=other_case), {}, "alice",
         "citizen", "message_bad_signature", "a signed body cannot be moved to another case"),
        ("message-signed-for-another-envelope",
         lambda n: message(n, msg(text="x"), sign_id=seeded("another envelope id", 16)), {}, "alice", "citizen",
         "message_bad_signature", "nor resealed under another envelope id"),
        ("message-unsigned", lambda n: message(n, msg(text="a message the server could have written" * 3),
                                               signed=False), {}, "alice", "citizen", "message_bad_signature",
         "knowing the case id and the police keys is not enough to write as the citizen"),
        ("message-shorter-than-signature", lambda n: seal(n, kind=Kind.MESSAGE, content=b"{}"), {}, "alice",
         "citizen", "message_invalid", ""),
        ("reply-with-a-signature", lambda n: reply(n, rep(text="x"), prefix=bytes(64)), {}, "citizen", None,
         "message_invalid", "a reply has no signature: its content is the body"),
        ("message-typed-reply", lambda n: message(n, rep(text="x")), {}, "alice", "citizen", "message_invalid",
         "the body's type must be the header's kind"),
        ("reply-typed-message", lambda n: reply(n, msg(text="x")), {}, "citizen", None, "message_invalid", ""),
        ("message-with-author", lambda n: message(n, msg(text="x", author="Agent")), {}, "alice", "citizen",
         "message_invalid", "only a reply has an author"),
        ("reply-author-too-long", lambda n: reply(n, rep(text="x", author=long_author)), {}, "citizen", None,
         "message_invalid", ""),
        ("reply-author-empty", lambda n: reply(n, rep(text="x", author="")), {}, "citizen", None, "message_invalid",
         ""),
        ("message-empty", lambda n: message(n, msg()), {}, "alice", "citizen", "message_invalid",
         "no text and no attachment"),
        ("message-text-too-long", lambda n: message(n, msg(text="e" * (cv.MAX_TEXT_CODE_POINTS + 1))), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-february-30", lambda n: message(n, msg(text="x", written_at="2026-02-30T10:00Z")), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-time-with-seconds", lambda n: message(n, msg(text="x", written_at="2026-12-02T14:05:00Z")), {},
         "alice", "citizen", "message_invalid", "to the minute, no more"),
        ("message-time-24h", lambda n: message(n, msg(text="x", written_at="2026-12-02T24:00Z")), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-no-written-at", lambda n: message(n, {k: v for k, v in msg(text="x").items() if k != "written_at"}),
         {}, "alice", "citizen", "message_invalid", ""),
        ("message-version-2", lambda n: message(n, msg(text="x", v=2)), {}, "alice", "citizen", "message_invalid", ""),
        ("message-version-as-float", lambda n: message(n, body_bytes(msg(text="x")).replace(b'"v":1', b'"v":1.0')),
         {}, "alice", "citizen", "message_invalid", "JavaScript would read 1.0 as 1: numbers are integers"),
        ("message-length-with-exponent",
         lambda n: message(n, body_bytes(msg(text="x", attachments=[photo_entry])).replace(
             f'"length":{len(photo)}'.encode(), b'"length":5.01e3')), {}, "alice", "citizen", "message_invalid", ""),
        ("message-nan", lambda n: message(n, body_bytes(msg(text="x")).replace(b'"v":1', b'"v":NaN')), {}, "alice",
         "citizen", "message_invalid", "not JSON"),
        ("message-attachment-report-part",
         lambda n: message(n, msg(text="x", attachments=[{**photo_entry, "part": 5}])),
         {}, "alice", "citizen", "message_invalid", "parts 1 to 1023 are the report's"),
        ("message-attachment-parts-twice",
         lambda n: message(n, msg(text="x", attachments=[photo_entry, {**video_entry, "part": 1031}])), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-too-many-attachments", lambda n: message(n, msg(text="x", attachments=many)), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-attachment-entry-incomplete",
         lambda n: message(n, msg(text="x", attachments=[{k: v for k, v in photo_entry.items() if k != "sha256"}])),
         {}, "alice", "citizen", "message_invalid", ""),
        ("message-not-utf8", lambda n: message(n, b'{"v":1,"type":"message","text":"\xff","written_at":"' +
                                               when.encode() + b'","attachments":[]}'), {}, "alice", "citizen",
         "message_invalid", ""),
        ("message-body-with-bom", lambda n: message(n, b"\xef\xbb\xbf" + body_bytes(msg(text="x"))), {}, "alice",
         "citizen", "message_invalid", ""),
        ("message-not-an-object", lambda n: message(n, b"[]"), {}, "alice", "citizen", "message_invalid", ""),
        ("message-too-large", lambda n: seal(n, kind=Kind.MESSAGE, content=bytes(cv.MAX_CONTENT_BYTES + 1)), {},
         "alice", "citizen", "too_large", "refused from its header, before any decryption"),
        ("message-listed-as-reply", lambda n: message(n, msg(text="x")), {"kind": "reply"}, "alice", "citizen",
         "listing_mismatch", "section 15"),
        ("message-listed-under-another-case", lambda n: message(n, msg(text="x")), {"case_id": other_case.hex()},
         "alice", "citizen", "listing_mismatch", ""),
        ("report-read-as-a-message", lambda n: seal(n, kind=Kind.REPORT, content=b'{"attachments":[]}'), {}, "alice",
         "citizen", "message_invalid", "a report is not part of the conversation"),
        ("message-for-someone-else", lambda n: message(n, msg(text="x")), {}, "mallory", "citizen",
         "no_matching_recipient", ""),
    ]
    # the server rewrites a message's header into a reply: the MAC refuses it
    mutated = [("message-kind-rewritten", "message-text", [{"op": "set", "offset": 8, "hex": "04"}],
                {"kind": "reply"}, "citizen", "citizen", "header_mac_mismatch")]

    def listing_of(name, **changes):
        e = envelopes[name]
        return {"item_id": e["item_id"], "case_id": e["case_id"], "kind": KIND_NAMES[e["kind"]],
                "part_index": e["part_index"], **changes}

    def expected(name, reader, verify):
        opened = open_item(raw[name], readers[reader], listed=listing_of(name), verify_key=verify_keys.get(verify))
        body = opened.body
        return {"kind": int(opened.kind), "type": body.type, "item_id": opened.item_id, "case_id": opened.case_id,
                "text": body.text, "written_at": body.written_at, "author": body.author,
                "attachments": [e.to_json() for e in body.attachments],
                "display_text": display_text(body.text),
                "display_author": None if body.author is None else display_line(body.author)}

    items = []
    for name, make, openers in valid:
        make(name)
        verify = "citizen" if envelopes[name]["kind"] == Kind.MESSAGE else None
        exp = [expected(name, r, verify) for r in openers]
        assert all(e == exp[0] for e in exp)
        items.append({"name": name, "open_with": openers, "verify_key": verify, "expected": exp[0]})

    refused = []
    for name, make, changes, reader, verify, error, note in invalid:
        make(name)
        data = raw[name]
        if error == "too_large":
            data = data[:results[name].header.size]  # the header is enough to refuse it
            envelopes[name]["envelope"] = b64(data)
        listed = listing_of(name, **changes)
        try:
            open_item(data, readers[reader], listed=listed, verify_key=verify_keys.get(verify))
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code, str(exc))
        else:
            raise AssertionError(f"{name} opened")
        refused.append({"name": name, "envelope": name, "mutations": [], "listing": listed, "open_with": reader,
                        "verify_key": verify, "error": error, "note": note})
    for name, base, mutations, changes, reader, verify, error in mutated:
        data = apply_mutations(raw[base], mutations)
        listed = listing_of(base, **changes)
        try:
            open_item(data, readers[reader], listed=listed, verify_key=verify_keys.get(verify))
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code)
        else:
            raise AssertionError(f"{name} opened")
        refused.append({"name": name, "envelope": base, "mutations": mutations, "listing": listed,
                        "open_with": reader, "verify_key": verify, "error": error, "note": ""})

    # a message whose entries name the right envelope but claim another part, another length
    message("message-entry-part-differs", msg(text="x", attachments=[{**photo_entry, "part": 1032}]))
    message("message-entry-length-differs", msg(text="x", attachments=[{**photo_entry, "length": len(photo) + 1}]))
    att_checks = [
        ("photo-found", "message-with-photo-and-video", 0, ["conv-photo", "conv-video"], None),
        ("video-found", "message-with-photo-and-video", 1, ["conv-video", "conv-photo-other-case"], None),
        ("video-not-arrived", "message-with-photo-and-video", 1, ["conv-photo"], "attachment_missing"),
        ("photo-replayed-from-another-case", "message-attachment-only", 0, ["conv-photo-other-case"],
         "attachment_missing"),
        ("photo-altered", "message-attachment-only", 0, ["conv-photo-altered"], "attachment_missing"),
        ("entry-part-differs", "message-entry-part-differs", 0, ["conv-photo"], "attachment_mismatch"),
        ("entry-length-differs", "message-entry-length-differs", 0, ["conv-photo"], "attachment_mismatch"),
        ("reply-photo-found", "reply-with-photo", 0, ["conv-reply-photo"], None),
    ]
    attachment_cases = []
    for name, item, index, candidates, error in att_checks:
        kind = Kind(envelopes[item]["kind"])
        opened = open_item(raw[item], [citizen_identity], listed=listing_of(item),
                           verify_key=citizen.ed25519_public if kind is Kind.MESSAGE else None)
        want = opened.body.attachments[index]
        found = [c for c in candidates if results[c].header_hash == want.header_hash]
        got = None
        if not found:
            got = "attachment_missing"
        else:
            _, res = decrypt_bytes(raw[found[0]], [citizen_identity])
            check_listing(res.header, listing_of(found[0]))
            try:
                check_attachment(want, res, case_id=case_id)
            except EnvelopeError as exc:
                got = exc.code
        assert got == error, (name, got)
        attachment_cases.append({"name": name, "item": item, "entry": index, "candidates": candidates,
                                 "open_with": "citizen", "error": error})

    display = []
    for sample in ["ligne 1\r\nligne 2\rligne 3", "tab\tok", "\x1b[31mrouge\x1b[0m", "photo\u202egpj.exe",
                   "\u2067isol\u00e9\u2069", "e\u0301t\u00e9", "\ud800 seul", "\u0085next\u2028line\u2029para",
                   "\ufdd0\uffff\U0010fffe", "\u200bzero\u200dwidth\ufeff", "\x00nul\x7fdel\x9fc1",
                   "  Agent \n Dupont  ", "\U0001f697\ufe0f bleue", "\u00a0espace ins\u00e9cable"]:
        display.append({"text": sample, "display_text": display_text(sample), "display_line": display_line(sample)})
    display.append({"text": "x" * 70, "display_text": "x" * 70, "display_line": display_line("x" * 70)})

    return {
        "parameters": {
            "signature_context": cv.SIGNATURE_CONTEXT.decode(),
            "signature_size": cv.SIGNATURE_SIZE,
            "max_padded_length": cv.MAX_PADDED_LENGTH,
            "max_content_bytes": cv.MAX_CONTENT_BYTES,
            "max_text_code_points": cv.MAX_TEXT_CODE_POINTS,
            "max_author_code_points": cv.MAX_AUTHOR_CODE_POINTS,
            "max_attachments": cv.MAX_ATTACHMENTS,
            "first_conversation_part": cv.FIRST_CONVERSATION_PART,
            "max_display_line": 64,
        },
        "police": police,
        "citizen": {"receipt": receipt.hex(), "receipt_text": rc.format_receipt(receipt),
                    "x25519_public_key": citizen.x25519_public.hex(),
                    "ed25519_public_key": citizen.ed25519_public.hex(), "mailbox_id": citizen.mailbox_id},
        "other_signer": {"seed": "tipline test vector other signer",
                         "public_key": bytes(other_signer.verify_key).hex()},
        "case_id": case_id.hex(),
        "envelopes": list(envelopes.values()),
        "items": items,
        "invalid": refused,
        "attachments": attachment_cases,
        "display": display,
    }


def notes_vectors() -> dict:
    """Internal notes (section 18): kind 5, sealed to the police bundle only; notes every officer
    opens alike, notes every reader refuses (the citizen among them)."""
    from envelope import notes as nt
    from envelope.notes_open import open_note

    receipt = seeded("tipline test vector receipt", 10)
    citizen = rc.derive_receipt_keys(receipt)
    case_id = seeded("notes case id", 16)
    police = ["alice", "bob"]
    police_keys = [public(n) for n in police]
    readers = {"alice": [identity("alice")], "bob": [identity("bob")], "citizen": [Identity(citizen.x25519_secret)],
               "mallory": [identity("mallory")]}
    envelopes: dict[str, dict] = {}
    raw: dict[str, bytes] = {}

    def seal(name, *, content, kind=Kind.NOTE, part=0, recipients=None):
        recipients = recipients or nt.note_recipients(police_keys)
        envelope_id = seeded(f"{name} envelope id", 16)
        env, result = encrypt_bytes(content, kind=kind, case_id=case_id, envelope_id=envelope_id, part_index=part,
                                    recipients=recipients, file_key=seeded(f"{name} file key"),
                                    ephemeral_secrets=[seeded(f"{name} ephemeral {i}") for i in range(len(recipients))])
        envelopes[name] = {"name": name, "kind": int(kind), "item_id": envelope_id.hex(), "case_id": case_id.hex(),
                           "part_index": part, "stanza_key_ids": [key_id(pk).hex() for pk in recipients],
                           "envelope": b64(env)}
        raw[name] = env
        return result

    def body(obj) -> bytes:
        return obj if isinstance(obj, bytes) else json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    when = "2026-12-02T14:05Z"

    def note(**kw):
        return {"v": 1, "type": "note", "text": "x", "written_at": when, "author": "Agent Dupont", **kw}

    valid = [
        ("note-text", note(text="Vu le v\u00e9hicule \u00e0 22 h, plaque partielle AB-12.\nRecouper avec le dossier 7."),
         ["alice", "bob"]),
        ("note-unknown-member-ignored", {**note(text="ok"), "pinned": True}, ["bob"]),
        ("note-text-at-limit", note(text="\u00e9" * nt.MAX_TEXT_CODE_POINTS), ["alice"]),
    ]
    invalid = [
        # (name, make, listing changes, reader, error, note)
        ("note-part-1", lambda n: seal(n, content=body(note()), part=1), {}, "alice", "note_invalid",
         "a note is part 0"),
        ("note-typed-reply", lambda n: seal(n, content=body(note(type="reply"))), {}, "alice", "note_invalid", ""),
        ("note-without-author", lambda n: seal(n, content=body({k: v for k, v in note().items() if k != "author"})),
         {}, "alice", "note_invalid", "every note names its author"),
        ("note-empty", lambda n: seal(n, content=body(note(text=""))), {}, "alice", "note_invalid", ""),
        ("note-text-too-long", lambda n: seal(n, content=body(note(text="e" * (nt.MAX_TEXT_CODE_POINTS + 1)))), {},
         "alice", "note_invalid", ""),
        ("note-author-too-long", lambda n: seal(n, content=body(note(author="A" * (nt.MAX_AUTHOR_CODE_POINTS + 1)))),
         {}, "alice", "note_invalid", ""),
        ("note-version-as-float", lambda n: seal(n, content=body(note()).replace(b'"v":1', b'"v":1.0')), {}, "alice",
         "note_invalid", ""),
        ("note-too-large", lambda n: seal(n, content=bytes(nt.MAX_CONTENT_BYTES + 1)), {}, "alice", "too_large",
         "refused from its header, before any decryption"),
        ("note-listed-as-reply", lambda n: seal(n, content=body(note())), {"kind": "reply"}, "alice",
         "listing_mismatch", "section 15"),
        ("reply-read-as-a-note", lambda n: seal(n, kind=Kind.REPLY, content=body(note())), {}, "alice",
         "note_invalid", "only kind 5 is a note"),
        ("note-not-for-the-citizen", lambda n: seal(n, content=body(note())), {}, "citizen", "no_matching_recipient",
         "a note is never sealed to the receipt's key"),
    ]

    def listing_of(name, **changes):
        e = envelopes[name]
        return {"item_id": e["item_id"], "case_id": e["case_id"], "kind": KIND_NAMES[e["kind"]],
                "part_index": e["part_index"], **changes}

    items = []
    for name, obj, openers in valid:
        seal(name, content=body(obj))
        exp = []
        for reader in openers:
            opened = open_note(raw[name], readers[reader], listed=listing_of(name))
            b = opened.body
            exp.append({"item_id": opened.item_id, "case_id": opened.case_id, "text": b.text,
                        "written_at": b.written_at, "author": b.author})
        assert all(e == exp[0] for e in exp)
        items.append({"name": name, "open_with": openers, "expected": exp[0]})

    refused = []
    for name, make, changes, reader, error, why in invalid:
        result = make(name)
        data = raw[name]
        if error == "too_large":
            data = data[:result.header.size]  # the header is enough to refuse it
            envelopes[name]["envelope"] = b64(data)
        listed = listing_of(name, **changes)
        try:
            open_note(data, readers[reader], listed=listed)
        except EnvelopeError as exc:
            assert exc.code == error, (name, exc.code, str(exc))
        else:
            raise AssertionError(f"{name} opened")
        refused.append({"name": name, "envelope": name, "mutations": [], "listing": listed, "open_with": reader,
                        "error": error, "note": why})
    # the server rewrites a note's kind byte into a reply's, to show it to the citizen: the MAC refuses it
    data = apply_mutations(raw["note-text"], [{"op": "set", "offset": 8, "hex": "04"}])
    try:
        open_note(data, readers["alice"], listed=listing_of("note-text", kind="reply"))
    except EnvelopeError as exc:
        assert exc.code == "header_mac_mismatch", exc.code
    else:
        raise AssertionError("a rewritten note opened")
    refused.append({"name": "note-kind-rewritten", "envelope": "note-text",
                    "mutations": [{"op": "set", "offset": 8, "hex": "04"}], "listing": listing_of("note-text",
                                                                                                  kind="reply"),
                    "open_with": "alice", "error": "header_mac_mismatch", "note": ""})
    return {
        "parameters": {"kind": int(Kind.NOTE), "max_padded_length": nt.MAX_PADDED_LENGTH,
                       "max_content_bytes": nt.MAX_CONTENT_BYTES, "max_text_code_points": nt.MAX_TEXT_CODE_POINTS,
                       "max_author_code_points": nt.MAX_AUTHOR_CODE_POINTS},
        "police": police,
        "citizen": {"receipt": receipt.hex(), "x25519_public_key": citizen.x25519_public.hex()},
        "case_id": case_id.hex(),
        "envelopes": list(envelopes.values()),
        "items": items,
        "invalid": refused,
    }


def build() -> dict[str, str]:
    valid, envs = envelope_vectors()
    files = {
        "envelope-v1.json": {
            "description": "Envelope v1 test vectors; see docs/envelope.md section 12. Test keys only: secret = "
                           "BLAKE2b-256(seed). Never use them for anything real.",
            "primitives": primitives(),
            "valid": valid,
        },
        "envelope-v1-invalid.json": {
            "description": "Envelopes every implementation must refuse, with the expected error codes.",
            **invalid_vectors(envs),
        },
        "key-bundle-v1.json": {"description": "Key bundle verification vectors.", **bundle_vectors()},
        "manifest-v1.json": {"description": "Report manifest binding vectors.", **manifest_vectors()},
        "receipt-v1.json": {"description": "Receipt text and the keys and mailbox id derived from it; see "
                                           "docs/envelope.md section 14. Test receipts only.", **receipt_vectors()},
        "receipt-v2.json": {"description": "Receipt v2 text: 16 data characters and 2 check characters (a "
                                           "Reed-Solomon code over GF(32)); see docs/envelope.md section 14. The "
                                           "keys come from the 10 bytes exactly as in receipt-v1.json.",
                            **receipt_v2_vectors()},
        "listing-v1.json": {"description": "Envelopes and what a server's listing says of them; readers open "
                                           "first, then refuse any difference (docs/envelope.md section 15).",
                            **listing_vectors()},
        "conversation-v1.json": {"description": "Messages (kind 3) and replies (kind 4): items every reader opens "
                                                "alike, items every reader refuses, attachments bound by header "
                                                "hash, display text (docs/envelope.md section 17). Test keys only; "
                                                "ASCII with JSON escapes.", **conversation_vectors()},
        "notes-v1.json": {"description": "Internal notes (kind 5), sealed to the police bundle only: notes every "
                                         "officer opens alike, notes every reader refuses, the citizen's receipt "
                                         "among them (docs/envelope.md section 18). Test keys only; ASCII with JSON "
                                         "escapes.", **notes_vectors()},
        "names-v1.json": {"description": "Attachment names from an anonymous sender and the names a reader saves "
                                         "them under; content types from first bytes (docs/envelope.md section 16). "
                                         "Every non-ASCII character is escaped, lone surrogates included.",
                          **name_vectors()},
    }
    # names-v1.json holds lone surrogates and invisible characters: ASCII escapes keep it valid and readable.
    ascii_only = ("names-v1.json", "conversation-v1.json", "notes-v1.json")
    return {name: json.dumps(obj, indent=1, ensure_ascii=name in ascii_only) + "\n"
            for name, obj in files.items()}


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, text in build().items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(text)} bytes)")
    if stale:
        print("stale test vectors: " + ", ".join(stale) + " (run python tests/vectors/generate.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
