"""Messages and replies (docs/envelope.md section 17): tests/vectors/conversation-v1.json, then
what the vectors cannot show (sealing with fresh randomness, limits, recipients)."""

import base64
import io
import os

import pytest
from nacl.signing import SigningKey

from envelope import conversation as cv
from envelope import errors
from envelope import receipt as rc
from envelope.constants import MAX_BUNDLE_RECIPIENTS, MAX_RECIPIENTS, Kind
from envelope.conversation_open import check_attachment, check_attachment_header, open_item
from envelope.header import parse_header
from envelope.keys import key_id
from envelope.listing import KIND_NAMES, check_listing
from envelope.manifest import AttachmentEntry, parse_manifest
from envelope.names import display_line, display_text
from envelope.open import Identity, decrypt_bytes
from tests.support import vectors as tv

CV = tv.load("conversation-v1.json")
ENVELOPES = {e["name"]: e for e in CV["envelopes"]}


@pytest.fixture(scope="module")
def readers():
    ids = tv.identities()
    citizen = rc.derive_receipt_keys(bytes.fromhex(CV["citizen"]["receipt"]))
    assert citizen.x25519_public.hex() == CV["citizen"]["x25519_public_key"]
    assert citizen.ed25519_public.hex() == CV["citizen"]["ed25519_public_key"]
    assert citizen.mailbox_id == CV["citizen"]["mailbox_id"]
    return {**{n: [i] for n, i in ids.items()}, "citizen": [Identity(citizen.x25519_secret)]}


VERIFY = {"citizen": bytes.fromhex(CV["citizen"]["ed25519_public_key"]),
          "other": bytes.fromhex(CV["other_signer"]["public_key"]), None: None}


def envelope(name: str) -> bytes:
    return base64.b64decode(ENVELOPES[name]["envelope"])


def listing(name: str, **changes) -> dict:
    e = ENVELOPES[name]
    return {"item_id": e["item_id"], "case_id": e["case_id"], "kind": KIND_NAMES[Kind(e["kind"])],
            "part_index": e["part_index"], **changes}


def test_parameters_are_the_modules():
    p = CV["parameters"]
    assert p["signature_context"].encode() == cv.SIGNATURE_CONTEXT
    assert (p["max_padded_length"], p["max_content_bytes"]) == (cv.MAX_PADDED_LENGTH, cv.MAX_CONTENT_BYTES)
    assert (p["max_text_code_points"], p["max_author_code_points"], p["max_attachments"]) == (
        cv.MAX_TEXT_CODE_POINTS, cv.MAX_AUTHOR_CODE_POINTS, cv.MAX_ATTACHMENTS)
    assert p["first_conversation_part"] == cv.FIRST_CONVERSATION_PART == 1024


@pytest.mark.parametrize("item", CV["items"], ids=[i["name"] for i in CV["items"]])
def test_every_recipient_reads_the_same_item(item, readers):
    want = item["expected"]
    for reader in item["open_with"]:
        opened = open_item(envelope(item["name"]), readers[reader], listed=listing(item["name"]),
                           verify_key=VERIFY[item["verify_key"]])
        body = opened.body
        assert (int(opened.kind), body.type, opened.item_id, opened.case_id) == (
            want["kind"], want["type"], want["item_id"], want["case_id"])
        assert (body.text, body.written_at, body.author) == (want["text"], want["written_at"], want["author"])
        assert [e.to_json() for e in body.attachments] == want["attachments"]
        assert display_text(body.text) == want["display_text"]
        assert (None if body.author is None else display_line(body.author)) == want["display_author"]


@pytest.mark.parametrize("case", CV["invalid"], ids=[c["name"] for c in CV["invalid"]])
def test_every_reader_refuses_the_same_way(case, readers):
    data = tv.apply(envelope(case["envelope"]), case["mutations"], {})
    with pytest.raises(errors.EnvelopeError) as info:
        open_item(data, readers[case["open_with"]], listed=case["listing"], verify_key=VERIFY[case["verify_key"]])
    assert info.value.code == case["error"], str(info.value)


@pytest.mark.parametrize("case", CV["attachments"], ids=[c["name"] for c in CV["attachments"]])
def test_attachments_are_found_by_header_hash_and_checked(case, readers):
    item = case["item"]
    kind = Kind(ENVELOPES[item]["kind"])
    opened = open_item(envelope(item), readers["citizen"], listed=listing(item),
                       verify_key=VERIFY["citizen"] if kind is Kind.MESSAGE else None)
    entry = opened.body.attachments[case["entry"]]
    # the header hash needs no key: find the envelope before opening anything
    found = [c for c in case["candidates"] if parse_header(envelope(c)).hash == entry.header_hash]
    if not found:
        assert case["error"] == "attachment_missing"
        return
    check_attachment_header(entry, parse_header(envelope(found[0])).hash)
    _, result = decrypt_bytes(envelope(found[0]), readers["citizen"])
    check_listing(result.header, listing(found[0]))
    if case["error"] is None:
        check_attachment(entry, result, case_id=bytes.fromhex(opened.case_id))
    else:
        with pytest.raises(errors.EnvelopeError) as info:
            check_attachment(entry, result, case_id=bytes.fromhex(opened.case_id))
        assert info.value.code == case["error"]


def test_stanzas_name_the_bundle_and_the_receipt_in_the_documented_order():
    police = [bytes.fromhex(k["public_key"]) for k in tv.load("envelope-v1.json")["primitives"]["keys"]
              if k["name"] in CV["police"]]
    citizen = bytes.fromhex(CV["citizen"]["x25519_public_key"])
    for name in ("message-text", "reply-text", "conv-photo", "conv-reply-photo"):
        e = ENVELOPES[name]
        kind = Kind.REPLY if name.startswith(("reply", "conv-reply")) else Kind.MESSAGE
        want = [key_id(pk).hex() for pk in cv.conversation_recipients(kind, police, citizen)]
        assert e["stanza_key_ids"] == want
        assert [s.key_id.hex() for s in parse_header(envelope(name)).stanzas] == want


@pytest.mark.parametrize("case", CV["display"], ids=range(len(CV["display"])))
def test_display_text(case):
    assert display_text(case["text"]) == case["display_text"]
    assert display_line(case["text"]) == case["display_line"]
    assert display_text(case["display_text"]) == case["display_text"]  # idempotent


# --- beyond the vectors: fresh keys and randomness ---------------------------------------------
@pytest.fixture(scope="module")
def people():
    police = [Identity(os.urandom(32)) for _ in range(2)]
    receipt = rc.new_receipt()
    return police, rc.derive_receipt_keys(receipt)


def test_a_citizen_message_with_an_attachment_round_trips_for_police_and_citizen(people):
    police, citizen = people
    case_id = os.urandom(16)
    bundle = [p.public_key for p in police]
    recipients = cv.conversation_recipients(Kind.MESSAGE, bundle, citizen.x25519_public)
    photo = b"\xff\xd8\xff" + os.urandom(70000)  # two chunks
    sink = io.BytesIO()
    part = cv.new_attachment_part()
    entry, _ = cv.seal_attachment(io.BytesIO(photo), sink, content_length=len(photo), case_id=case_id,
                                  recipients=recipients, part=part, name="IMG_1.jpg", media_type="image/jpeg")
    body = cv.build_body(Kind.MESSAGE, text="Le voici.", written_at=cv.written_at(), attachments=[entry])
    env, result = cv.seal_item(kind=Kind.MESSAGE, case_id=case_id, body=body, recipients=recipients,
                               signing_key=citizen.ed25519_secret)
    listed = {"item_id": result.header.envelope_id.hex(), "case_id": case_id.hex(), "kind": "message", "part_index": 0}
    for reader in [[police[0]], [police[1]], [Identity(citizen.x25519_secret)]]:
        opened = open_item(env, reader, listed=listed, verify_key=citizen.ed25519_public)
        assert opened.body.text == "Le voici." and opened.body.attachments == (entry,)
        content, att = decrypt_bytes(sink.getvalue(), reader)
        check_attachment(opened.body.attachments[0], att, case_id=case_id)
        assert content == photo
    # the message is sealed to no one else, and a stranger's key does not open it
    with pytest.raises(errors.NoMatchingRecipient):
        open_item(env, [Identity(os.urandom(32))], listed=listed, verify_key=citizen.ed25519_public)


def test_a_reply_is_unsigned_and_a_message_must_be_signed(people):
    police, citizen = people
    bundle = [p.public_key for p in police]
    body = cv.build_body(Kind.REPLY, text="Merci.", written_at="2026-12-02T10:00Z", author="Agent Dupont")
    recipients = cv.conversation_recipients(Kind.REPLY, bundle, citizen.x25519_public)
    with pytest.raises(ValueError):
        cv.seal_item(kind=Kind.REPLY, case_id=os.urandom(16), body=body, recipients=recipients,
                     signing_key=citizen.ed25519_secret)
    message = cv.build_body(Kind.MESSAGE, text="x", written_at="2026-12-02T10:00Z")
    with pytest.raises(ValueError):
        cv.seal_item(kind=Kind.MESSAGE, case_id=os.urandom(16), body=message, recipients=recipients)
    with pytest.raises(ValueError):  # a 64-byte key whose second half is not its public key
        cv.seal_item(kind=Kind.MESSAGE, case_id=os.urandom(16), body=message, recipients=recipients,
                     signing_key=citizen.ed25519_secret[:32] + bytes(32))
    # a reader without the mailbox key cannot read a message at all
    env, result = cv.seal_item(kind=Kind.MESSAGE, case_id=os.urandom(16), body=message, recipients=recipients,
                               signing_key=citizen.ed25519_secret)
    listed = {"item_id": result.header.envelope_id.hex(), "case_id": result.header.case_id.hex(), "kind": "message",
              "part_index": 0}
    with pytest.raises(ValueError):
        open_item(env, [police[0]], listed=listed, verify_key=None)


def test_writers_refuse_what_readers_would():
    when = "2026-12-02T10:00Z"
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.MESSAGE, text="", written_at=when)
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.MESSAGE, text="x" * 4001, written_at=when)
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.MESSAGE, text="x", written_at=when, author="Agent")
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.REPORT, text="x", written_at=when)
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.REPLY, text="x", written_at="2026-12-02 10:00")
    entry = AttachmentEntry(5, "a.jpg", "image/jpeg", 1, bytes(32), bytes(32))
    with pytest.raises(errors.MessageInvalid):
        cv.build_body(Kind.REPLY, text="x", written_at=when, attachments=[entry])
    with pytest.raises(errors.BadPartIndex):
        cv.seal_attachment(io.BytesIO(b"x"), io.BytesIO(), content_length=1, case_id=bytes(16),
                           recipients=[os.urandom(32)], part=1023, name="a", media_type="b")
    # a body just too big for one chunk: the text limit alone keeps honest bodies far below it
    big = cv.build_body(Kind.REPLY, text="\U0001f600" * 4000, written_at=when)
    assert len(big) < cv.MAX_CONTENT_BYTES


def test_recipients_fit_the_envelope_only_with_a_bundle_of_at_most_15():
    citizen = os.urandom(32)
    full = [os.urandom(32) for _ in range(MAX_BUNDLE_RECIPIENTS)]
    assert len(cv.conversation_recipients(Kind.REPLY, full, citizen)) == MAX_RECIPIENTS
    with pytest.raises(errors.TooManyRecipients):
        cv.conversation_recipients(Kind.REPLY, full + [os.urandom(32)], citizen)
    with pytest.raises(errors.NoRecipients):
        cv.conversation_recipients(Kind.MESSAGE, [], citizen)
    # the citizen's key is not doubled if a bundle ever held it
    assert cv.conversation_recipients(Kind.MESSAGE, [citizen], citizen) == [citizen]


def test_attachment_parts_are_random_above_the_reports():
    parts = {cv.new_attachment_part() for _ in range(200)}
    assert len(parts) == 200 and min(parts) >= 1024 and max(parts) < 2**32
    assert cv.new_attachment_part(used=set(range(1024, 2**20))) >= 1024


def test_a_report_manifest_keeps_parts_below_1024():
    entry = {"part": 1024, "name": "a.jpg", "media_type": "image/jpeg", "length": 1, "sha256": "0" * 64,
             "header_hash": "0" * 64}
    with pytest.raises(errors.ManifestInvalid):
        parse_manifest({"attachments": [entry]})
    assert 1023 in parse_manifest({"attachments": [{**entry, "part": 1023}]})


def test_a_signature_is_over_case_envelope_and_body():
    key = SigningKey(os.urandom(32))
    body, case_id, envelope_id = b'{"x":1}', os.urandom(16), os.urandom(16)
    content = cv.message_content(body, case_id=case_id, envelope_id=envelope_id, signing_key=bytes(key))
    assert cv.verify_message(content, case_id=case_id, envelope_id=envelope_id,
                             verify_key=bytes(key.verify_key)) == body
    for changed in (dict(case_id=os.urandom(16), envelope_id=envelope_id),
                    dict(case_id=case_id, envelope_id=os.urandom(16))):
        with pytest.raises(errors.MessageBadSignature):
            cv.verify_message(content, verify_key=bytes(key.verify_key), **changed)
    with pytest.raises(errors.MessageBadSignature):
        cv.verify_message(content[:-2] + b"2}", case_id=case_id, envelope_id=envelope_id,
                          verify_key=bytes(key.verify_key))
