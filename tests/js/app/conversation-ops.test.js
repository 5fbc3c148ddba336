// The crypto worker's conversation operations with real libsodium: a typed receipt checked
// without its bytes leaving, the keys it derives, a signed challenge the server can verify, a
// citizen message sealed into the outbox that the police AND the receipt open, and items whose
// header disagrees with the listing refused.
import { beforeAll, describe, expect, it } from "vitest";
import { Kind } from "../../../pwa/src/crypto/constants.js";
import { openEnvelope } from "../../../pwa/src/crypto/open.js";
import { deriveReceiptKeys, formatReceipt, newReceipt, parseReceipt } from "../../../pwa/src/crypto/receipt.js";
import { conversationAttachmentEntry, openConversationItem, sealReply } from "../../../pwa/src/crypto/conversation.js";
import { sealBytes } from "../../../pwa/src/crypto/seal.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";
import { openOutbox } from "../../../pwa/src/outbox/db.js";
import { readRange } from "../../../pwa/src/outbox/reader.js";
import { STATES } from "../../../pwa/src/outbox/store.js";
import { checkReceiptText, conversationOps } from "../../../pwa/src/worker/conversation-ops.js";

let s;
let receiptText;
let keys; // as the worker hands them to the page (base64)
let police;
const hex = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
const b64 = (bytes) => s.to_base64(bytes, s.base64_variants.ORIGINAL);

beforeAll(async () => {
  s = await sodium();
  receiptText = formatReceipt(newReceipt());
  keys = await conversationOps["receipt-keys"]({ text: receiptText.toLowerCase().replace(/ /g, "-") });
  const { publicKey, privateKey } = s.crypto_box_keypair();
  police = { publicKey, secretKey: privateKey };
});

describe("receipt check", () => {
  it("says what is wrong without the receipt's bytes", () => {
    expect(checkReceiptText(receiptText)).toEqual({ ok: true, length: 18 });
    expect(checkReceiptText(` ${receiptText.toLowerCase()} `).ok).toBe(true);
    const typo = receiptText.replace(/^./, (c) => (c === "7" ? "8" : "7"));
    expect(checkReceiptText(typo)).toMatchObject({ ok: false, code: "receipt_bad_check", length: 18 });
    expect(checkReceiptText(receiptText.slice(0, 10))).toMatchObject({ ok: false, code: "receipt_bad_length", length: 8 });
    expect(checkReceiptText("7K3 MQU")).toEqual({ ok: false, code: "receipt_bad_character", length: 6,
      character: "U", position: 6 });
    for (const result of [checkReceiptText(receiptText), checkReceiptText(typo)]) {
      expect(JSON.stringify(result)).not.toContain(receiptText.replace(/ /g, "").slice(0, 6));
    }
  });
});

describe("receipt keys and the challenge", () => {
  it("derives the same keys as the receipt module, however typed", () => {
    const direct = deriveReceiptKeys(parseReceipt(receiptText));
    expect(keys.mailboxId).toBe(direct.mailboxId);
    expect(keys.x25519.publicKey).toBe(b64(direct.x25519.publicKey));
    expect(keys.ed25519.publicKey).toBe(b64(direct.ed25519.publicKey));
  });

  it("signs the challenge as the server checks it", async () => {
    const { signature } = await conversationOps["sign-challenge"]({ challenge: "abc.123", secretKey: keys.ed25519.secretKey });
    const message = s.from_string("tipline-mailbox-v1\nabc.123");
    const verifyKey = s.from_base64(keys.ed25519.publicKey, s.base64_variants.ORIGINAL);
    expect(s.crypto_sign_verify_detached(s.from_base64(signature, s.base64_variants.ORIGINAL), message, verifyKey))
      .toBe(true);
    expect(s.crypto_sign_verify_detached(s.from_base64(signature, s.base64_variants.ORIGINAL),
      s.from_string("tipline-mailbox-v1\nabc.124"), verifyKey)).toBe(false);
  });
});

describe("messages", () => {
  it("seals a message into the outbox that the police and the receipt both open", async () => {
    const caseId = hex(16);
    const itemId = hex(16);
    const text = "CANARY-MESSAGE l'entrée B, vers 19 h";
    const entry = { part: 4242, name: "photo.jpg", media_type: "image/jpeg", length: 1200, sha256: "a".repeat(64),
      header_hash: "b".repeat(64) };
    await conversationOps["seal-message"]({ caseId, itemId, text, attachments: [{ ...entry, removed: ["gps"] }],
      writtenAt: "2026-12-02T11:07Z", recipients: [b64(police.publicKey)], keys });
    const db = await openOutbox();
    const item = await db.get("items", itemId);
    expect(item).toMatchObject({ caseId, kind: "message", part: 0, state: STATES.DRAFT });
    const bytes = await readRange(db, item, 0, item.size);
    expect(new TextDecoder().decode(bytes)).not.toContain("CANARY-MESSAGE");
    // the police read it with their key, signed by the receipt's
    const opened = await openEnvelope(bytes, [police]);
    expect(opened.header.kind).toBe(Kind.MESSAGE);
    const verifyKey = s.from_base64(keys.ed25519.publicKey, s.base64_variants.ORIGINAL);
    const listed = { item_id: itemId, case_id: caseId, kind: "message", part_index: 0 };
    const read = await openConversationItem(bytes, [police], { listed, verifyKey });
    expect(read).toMatchObject({ text, writtenAt: "2026-12-02T11:07Z", attachments: [entry] });
    // and so does the receipt (another phone): from the outbox and as the server serves it
    const [local] = await conversationOps["open-outbox-items"]({ caseId, keys, itemIds: [itemId] });
    expect(local).toMatchObject({ id: itemId, ok: true, kind: "message", text, writtenAt: "2026-12-02T11:07Z" });
    expect(local.attachments).toEqual([{ part: 4242, name: "photo.jpg", mediaType: "image/jpeg", length: 1200,
      sha256: entry.sha256, headerHash: entry.header_hash }]);
    const [served] = await conversationOps["open-items"]({ caseId, keys,
      items: [{ id: itemId, kind: 3, bytes }] });
    expect(served).toMatchObject({ ok: true, text });
  });

  it("opens a reply and refuses one the listing describes otherwise", async () => {
    const caseId = hex(16);
    const itemId = hex(16);
    const hexToBytes = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
    const x25519 = s.from_base64(keys.x25519.publicKey, s.base64_variants.ORIGINAL);
    const reply = (citizenX25519) => sealReply({ caseId: hexToBytes(caseId), text: "Quelle entrée ?", author: "Agent 12",
      writtenAt: "2026-12-02T11:09Z", bundle: [police.publicKey], citizenX25519, envelopeId: hexToBytes(itemId) });
    const { envelope } = await reply(x25519);
    const open = (listed) => conversationOps["open-items"]({ caseId: listed.caseId ?? caseId, keys,
      items: [{ id: listed.id ?? itemId, kind: listed.kind ?? 4, bytes: envelope }] }).then((r) => r[0]);
    expect(await open({})).toMatchObject({ ok: true, kind: "reply", text: "Quelle entrée ?", author: "Agent 12",
      writtenAt: "2026-12-02T11:09Z" });
    expect(await open({ kind: 3 })).toMatchObject({ ok: false, code: "listing_mismatch" });
    expect(await open({ id: hex(16) })).toMatchObject({ ok: false, code: "listing_mismatch" });
    expect(await open({ caseId: hex(16) })).toMatchObject({ ok: false, code: "listing_mismatch" });
    // a reply sealed to another receipt: nothing readable, nothing shown
    const { envelope: foreign } = await reply(s.crypto_box_keypair().publicKey);
    const [refused] = await conversationOps["open-items"]({ caseId, keys,
      items: [{ id: itemId, kind: 4, bytes: foreign }] });
    expect(refused).toEqual({ id: itemId, ok: false, code: "no_matching_recipient" });
    void sealBytes;
  });

  it("refuses a citizen message not signed by the receipt (a case id alone writes nothing)", async () => {
    const caseId = hex(16);
    const itemId = hex(16);
    const other = await conversationOps["receipt-keys"]({ text: formatReceipt(newReceipt()) });
    // the other receipt signs, but it is sealed to ours: the signature is checked with our key
    await conversationOps["seal-message"]({ caseId, itemId, text: "faux", writtenAt: "2026-12-02T11:07Z",
      recipients: [b64(police.publicKey)], keys: { ...other, x25519: keys.x25519 } });
    const db = await openOutbox();
    const item = await db.get("items", itemId);
    const bytes = await readRange(db, item, 0, item.size);
    const [result] = await conversationOps["open-items"]({ caseId, keys, items: [{ id: itemId, kind: 3, bytes }] });
    expect(result).toEqual({ id: itemId, ok: false, code: "message_bad_signature" });
  });

  it("opens a file of a reply only if it is the one the reply names", async () => {
    const caseId = hex(16);
    const itemId = hex(16);
    const hexToBytes = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
    const photo = new Uint8Array(70_000);
    for (let i = 0; i < photo.length; i += 65536) crypto.getRandomValues(photo.subarray(i, i + 65536));
    const x25519 = s.from_base64(keys.x25519.publicKey, s.base64_variants.ORIGINAL);
    const sealed = await sealBytes(photo, { kind: Kind.ATTACHMENT, caseId: hexToBytes(caseId), partIndex: 5000,
      recipients: [x25519, police.publicKey], envelopeId: hexToBytes(itemId) });
    const raw = conversationAttachmentEntry(sealed, { name: "voiture.jpg", mediaType: "image/jpeg" });
    const entry = { part: raw.part, name: raw.name, mediaType: raw.media_type, length: raw.length, sha256: raw.sha256,
      headerHash: raw.header_hash };
    const open = (changes = {}, id = itemId) => conversationOps["open-attachment"]({ caseId, keys, itemId: id,
      bytes: sealed.envelope, entry: { ...entry, ...changes } });
    const ok = await open();
    expect(ok.ok).toBe(true);
    expect(Buffer.compare(Buffer.from(ok.bytes), Buffer.from(photo))).toBe(0);
    expect(ok.mediaType).toBe("image/jpeg");
    expect(await open({ sha256: "0".repeat(64) })).toEqual({ ok: false, code: "attachment_mismatch" });
    expect(await open({ part: 5001 })).toEqual({ ok: false, code: "listing_mismatch" });
    expect(await open({}, hex(16))).toEqual({ ok: false, code: "listing_mismatch" });
  });
});
