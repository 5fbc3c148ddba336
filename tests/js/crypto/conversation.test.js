// Messages and replies (docs/envelope.md section 17): conversation-v1.json read by the phone's
// code exactly as envelope/conversation.py reads it, then fresh sealing both ways with Python.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kind, MAX_BUNDLE_RECIPIENTS, MAX_RECIPIENTS } from "../../../pwa/src/crypto/constants.js";
import {
  buildBody,
  checkConversationAttachment,
  conversationAttachmentEntry,
  conversationRecipients,
  FIRST_CONVERSATION_PART,
  MAX_ATTACHMENTS,
  MAX_AUTHOR_CODE_POINTS,
  MAX_CONTENT_BYTES,
  MAX_PADDED_LENGTH,
  MAX_TEXT_CODE_POINTS,
  newAttachmentPart,
  openConversationItem,
  parseBody,
  sealMessage,
  sealReply,
  SIGNATURE_CONTEXT,
  writtenAt,
} from "../../../pwa/src/crypto/conversation.js";
import { hashHeader, parseHeader } from "../../../pwa/src/crypto/header.js";
import { keyId } from "../../../pwa/src/crypto/keys.js";
import { checkListing } from "../../../pwa/src/crypto/listing.js";
import { parseManifest } from "../../../pwa/src/crypto/manifest.js";
import { displayLine, displayText } from "../../../pwa/src/crypto/names.js";
import { openEnvelope } from "../../../pwa/src/crypto/open.js";
import { deriveReceiptKeys, newReceipt } from "../../../pwa/src/crypto/receipt.js";
import { sealStream } from "../../../pwa/src/crypto/seal.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { bytesSource } from "../../../pwa/src/crypto/source.js";
import { applyMutations, hex, identities, load, PYTHON, REPO, unb64, unhex } from "./vectors.js";

const CV = load("conversation-v1.json");
const ENVELOPES = Object.fromEntries(CV.envelopes.map((e) => [e.name, e]));
const KIND_NAMES = { 1: "report", 2: "attachment", 3: "message", 4: "reply" };
let s;
let readers;
let verifyKeys;
let dir;

const envelope = (name) => unb64(ENVELOPES[name].envelope);
const listing = (name, changes = {}) => {
  const e = ENVELOPES[name];
  return { item_id: e.item_id, case_id: e.case_id, kind: KIND_NAMES[e.kind], part_index: e.part_index, ...changes };
};

function codeOf(error) {
  if (error?.name !== "EnvelopeError" && error?.name !== "BundleError") throw error;
  return error.code;
}

async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    return codeOf(error);
  }
  return null;
}

beforeAll(async () => {
  s = await sodium();
  const ids = await identities();
  const citizen = deriveReceiptKeys(unhex(CV.citizen.receipt));
  expect(hex(citizen.x25519.publicKey)).toBe(CV.citizen.x25519_public_key);
  expect(hex(citizen.ed25519.publicKey)).toBe(CV.citizen.ed25519_public_key);
  readers = { ...Object.fromEntries(Object.entries(ids).map(([n, i]) => [n, [i]])), citizen: [citizen.x25519] };
  verifyKeys = { citizen: citizen.ed25519.publicKey, other: unhex(CV.other_signer.public_key) };
  dir = mkdtempSync(join(tmpdir(), "tipline-conversation-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("conversation parameters", () => {
  it("are the vectors' ones", () => {
    const p = CV.parameters;
    expect([SIGNATURE_CONTEXT, MAX_PADDED_LENGTH, MAX_CONTENT_BYTES]).toEqual([p.signature_context,
      p.max_padded_length, p.max_content_bytes]);
    expect([MAX_TEXT_CODE_POINTS, MAX_AUTHOR_CODE_POINTS, MAX_ATTACHMENTS, FIRST_CONVERSATION_PART]).toEqual([
      p.max_text_code_points, p.max_author_code_points, p.max_attachments, p.first_conversation_part]);
  });
});

describe.each(CV.items.map((i) => [i.name, i]))("item %s", (_, item) => {
  it(`reads the same for ${item.open_with.join(", ")}`, async () => {
    const want = item.expected;
    for (const reader of item.open_with) {
      const opened = await openConversationItem(envelope(item.name), readers[reader], {
        listed: listing(item.name), verifyKey: item.verify_key ? verifyKeys[item.verify_key] : undefined });
      expect([opened.kind, opened.type, opened.itemId, opened.caseId]).toEqual([want.kind, want.type, want.item_id,
        want.case_id]);
      expect([opened.text, opened.writtenAt, opened.author]).toEqual([want.text, want.written_at, want.author]);
      expect(opened.attachments).toEqual(want.attachments);
      expect(displayText(opened.text)).toBe(want.display_text);
      expect(opened.author === null ? null : displayLine(opened.author)).toBe(want.display_author);
    }
  });
});

describe.each(CV.invalid.map((c) => [c.name, c]))("refused item %s", (_, c) => {
  it(`is refused with ${c.error}`, async () => {
    const data = applyMutations(envelope(c.envelope), c.mutations, {});
    const code = await refusal(openConversationItem(data, readers[c.open_with], {
      listed: c.listing, verifyKey: c.verify_key ? verifyKeys[c.verify_key] : undefined }));
    expect(code).toBe(c.error);
  });
});

describe.each(CV.attachments.map((c) => [c.name, c]))("attachment check %s", (_, c) => {
  it(c.error ? `ends in ${c.error}` : "finds and verifies the attachment", async () => {
    const item = ENVELOPES[c.item];
    const opened = await openConversationItem(envelope(c.item), readers.citizen, { listed: listing(c.item),
      verifyKey: item.kind === Kind.MESSAGE ? verifyKeys.citizen : undefined });
    const entry = opened.attachments[c.entry];
    // the header hash needs no key: the envelope is found before anything is opened
    const found = c.candidates.filter((name) => hex(hashHeader(parseHeader(envelope(name)))) === entry.header_hash);
    if (found.length === 0) {
      expect(c.error).toBe("attachment_missing");
      return;
    }
    const att = await openEnvelope(envelope(found[0]), readers.citizen);
    checkListing(att.header, listing(found[0]));
    let code = null;
    try {
      checkConversationAttachment(entry, att, unhex(opened.caseId));
    } catch (error) {
      code = codeOf(error);
    }
    expect(code).toBe(c.error);
  });
});

describe("display text", () => {
  it("matches every vector and is idempotent", () => {
    for (const c of CV.display) {
      expect(displayText(c.text)).toBe(c.display_text);
      expect(displayLine(c.text)).toBe(c.display_line);
      expect(displayText(c.display_text)).toBe(c.display_text);
    }
  });
});

describe("recipients", () => {
  it("name the bundle and the receipt in the vectors' order", async () => {
    const ids = await identities();
    const police = CV.police.map((n) => ids[n].publicKey);
    const citizen = unhex(CV.citizen.x25519_public_key);
    for (const [name, kind] of [["message-text", Kind.MESSAGE], ["reply-text", Kind.REPLY],
      ["conv-photo", Kind.MESSAGE], ["conv-reply-photo", Kind.REPLY]]) {
      const want = conversationRecipients(kind, police, citizen).map((pk) => hex(keyId(pk)));
      expect(ENVELOPES[name].stanza_key_ids).toEqual(want);
      expect(parseHeader(envelope(name)).stanzas.map((st) => hex(st.keyId))).toEqual(want);
    }
  });

  it("fit 16 stanzas only with a bundle of at most 15", () => {
    const citizen = s.randombytes_buf(32);
    const full = Array.from({ length: MAX_BUNDLE_RECIPIENTS }, () => s.randombytes_buf(32));
    expect(conversationRecipients(Kind.REPLY, { publicKeys: full }, citizen)).toHaveLength(MAX_RECIPIENTS);
    expect(() => conversationRecipients(Kind.REPLY, [...full, s.randombytes_buf(32)], citizen)).toThrow(
      expect.objectContaining({ code: "too_many_recipients" }));
    expect(() => conversationRecipients(Kind.MESSAGE, [], citizen)).toThrow(
      expect.objectContaining({ code: "no_recipients" }));
    expect(() => conversationRecipients(Kind.REPORT, full, citizen)).toThrow(
      expect.objectContaining({ code: "message_invalid" }));
  });
});

describe("writers", () => {
  it("refuse what readers would", () => {
    const when = "2026-12-02T10:00Z";
    const code = (fn) => {
      try {
        fn();
      } catch (error) {
        return codeOf(error);
      }
      return null;
    };
    expect(code(() => buildBody(Kind.MESSAGE, { text: "", writtenAt: when }))).toBe("message_invalid");
    expect(code(() => buildBody(Kind.MESSAGE, { text: "x".repeat(4001), writtenAt: when }))).toBe("message_invalid");
    expect(code(() => buildBody(Kind.MESSAGE, { text: "x", writtenAt: when, author: "A" }))).toBe("message_invalid");
    expect(code(() => buildBody(Kind.REPLY, { text: "x", writtenAt: "2026-12-02 10:00" }))).toBe("message_invalid");
    expect(code(() => buildBody(Kind.REPLY, { text: "x", writtenAt: "0099-12-02T10:00Z" }))).toBe(null);
    expect(code(() => buildBody(Kind.REPLY, { text: "x", writtenAt: "2026-02-29T10:00Z" }))).toBe("message_invalid");
    expect(code(() => buildBody(Kind.REPLY, { text: "x", writtenAt: "2028-02-29T10:00Z" }))).toBe(null);
    // code points, not UTF-16 units: 4000 emoji are 8000 units and still allowed
    expect(code(() => buildBody(Kind.REPLY, { text: "\u{1f600}".repeat(4000), writtenAt: when }))).toBe(null);
    expect(writtenAt(new Date(Date.UTC(2026, 11, 2, 9, 7, 59)))).toBe("2026-12-02T09:07Z");
    const body = buildBody(Kind.REPLY, { text: "ok", writtenAt: when, author: "Agent" });
    expect(parseBody(Kind.REPLY, body)).toMatchObject({ text: "ok", author: "Agent", writtenAt: when });
  });

  it("draw attachment parts above the report's, at random", () => {
    const parts = new Set(Array.from({ length: 200 }, () => newAttachmentPart()));
    expect(parts.size).toBe(200);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...parts)).toBeLessThan(2 ** 32);
  });

  it("keep a report's manifest below part 1024", () => {
    const entry = { part: 1024, name: "a.jpg", media_type: "image/jpeg", length: 1, sha256: "0".repeat(64),
      header_hash: "0".repeat(64) };
    expect(() => parseManifest({ attachments: [entry] }))
      .toThrow(expect.objectContaining({ code: "manifest_invalid" }));
    expect(parseManifest({ attachments: [{ ...entry, part: 1023 }] }).has(1023)).toBe(true);
  });
});

const OPEN_IN_PYTHON = `
import json, sys
from envelope.conversation_open import open_item
from envelope.open import Identity
data = open(sys.argv[1], "rb").read()
listed = json.loads(sys.argv[2])
verify = bytes.fromhex(sys.argv[4]) if sys.argv[4] else None
item = open_item(data, [Identity(bytes.fromhex(sys.argv[3]))], listed=listed, verify_key=verify)
print(json.dumps({"kind": int(item.kind), "text": item.body.text, "written_at": item.body.written_at,
                  "author": item.body.author, "attachments": [e.to_json() for e in item.body.attachments]}))
`;

const SEAL_REPLY_IN_PYTHON = `
import json, os, sys
from envelope import conversation as cv
from envelope.constants import Kind
police, citizen, case_id = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
body = cv.build_body(Kind.REPLY, text=sys.argv[5], written_at="2026-12-02T14:06Z", author="Agent Dupont")
env, r = cv.seal_item(kind=Kind.REPLY, case_id=case_id, body=body,
                      recipients=cv.conversation_recipients(Kind.REPLY, [police], citizen))
open(sys.argv[4], "wb").write(env)
print(json.dumps({"item_id": r.header.envelope_id.hex()}))
`;

describe("Python and JavaScript", () => {
  it("a message the phone seals (with an attachment) is read by Python with a police key", async () => {
    const police = { secretKey: s.randombytes_buf(32) };
    police.publicKey = s.crypto_scalarmult_base(police.secretKey);
    const receiptKeys = deriveReceiptKeys(newReceipt());
    const caseId = s.randombytes_buf(16);
    const recipients = conversationRecipients(Kind.MESSAGE, [police.publicKey], receiptKeys.x25519.publicKey);
    const photo = Uint8Array.from([0xff, 0xd8, 0xff, ...s.randombytes_buf(3000)]);
    const pieces = [];
    const sealed = await sealStream(bytesSource(photo), async (b) => pieces.push(b.slice()), {
      kind: Kind.ATTACHMENT, caseId, partIndex: newAttachmentPart(), recipients });
    const entry = conversationAttachmentEntry(sealed, { name: "IMG_1.jpg", mediaType: "image/jpeg" });
    const text = "Une voiture grise, plaque AB-123-CD. \u{1f697}";
    const message = await sealMessage({ caseId, text, attachments: [entry], bundle: { publicKeys: [police.publicKey] },
      receiptKeys });
    const path = join(dir, "message.env");
    writeFileSync(path, message.envelope);
    const listed = { item_id: message.itemId, case_id: hex(caseId), kind: "message", part_index: 0 };
    const out = JSON.parse(execFileSync(PYTHON, ["-c", OPEN_IN_PYTHON, path, JSON.stringify(listed),
      hex(police.secretKey), hex(receiptKeys.ed25519.publicKey)], { cwd: REPO, encoding: "utf8" }));
    expect(out).toMatchObject({ kind: 3, text, author: null, attachments: [entry] });
    // and the citizen reads its own message back, on any phone, with the receipt alone
    const mine = await openConversationItem(message.envelope, receiptKeys, { listed });
    expect(mine.text).toBe(text);
    // a police key alone cannot read a message without the mailbox key to verify it
    await expect(openConversationItem(message.envelope, [police], { listed })).rejects.toThrow(TypeError);
  });

  it("a reply Python seals is read by the phone with the receipt's keys", async () => {
    const police = s.crypto_scalarmult_base(s.randombytes_buf(32));
    const receiptKeys = deriveReceiptKeys(newReceipt());
    const caseId = s.randombytes_buf(16);
    const path = join(dir, "reply.env");
    const text = "Merci. \u00c0 quelle heure ?";
    const { item_id: itemId } = JSON.parse(execFileSync(PYTHON, ["-c", SEAL_REPLY_IN_PYTHON, hex(police),
      hex(receiptKeys.x25519.publicKey), hex(caseId), path, text], { cwd: REPO, encoding: "utf8" }));
    const data = new Uint8Array(execFileSync("cat", [path]));
    const listed = { item_id: itemId, case_id: hex(caseId), kind: "reply", part_index: 0 };
    const reply = await openConversationItem(data, receiptKeys, { listed });
    expect(reply).toMatchObject({ kind: Kind.REPLY, text, author: "Agent Dupont", writtenAt: "2026-12-02T14:06Z" });
    expect(await refusal(openConversationItem(data, receiptKeys, { listed: { ...listed, kind: "message" } })))
      .toBe("listing_mismatch");
    // sealReply in JavaScript makes the same kind of item
    const again = await sealReply({ caseId, text, author: "Agent Dupont", bundle: [police],
      citizenX25519: receiptKeys.x25519.publicKey });
    expect((await openConversationItem(again.envelope, receiptKeys, {
      listed: { ...listed, item_id: again.itemId } })).text).toBe(text);
  });
});
