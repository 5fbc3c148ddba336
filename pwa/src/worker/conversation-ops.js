// The crypto worker's part of the conversation (docs/conversation.md): checking a typed
// receipt, deriving its keys (Argon2id: run in a throwaway worker), signing the server's
// challenge, sealing a citizen message into the outbox and opening the items of a mailbox.
// The receipt's secret keys come in with each call and are never stored by the worker.
import { firstInvalidBase32, normaliseBase32 } from "../crypto/base32.js";
import { Kind } from "../crypto/constants.js";
import { checkConversationAttachment, openConversationItem, sealMessage } from "../crypto/conversation.js";
import { checkListing } from "../crypto/listing.js";
import { openEnvelope } from "../crypto/open.js";
import { deriveReceiptKeys, parseReceipt } from "../crypto/receipt.js";
import { readySodium } from "../crypto/sodium.js";
import { openOutbox } from "../outbox/db.js";
import { readRange } from "../outbox/reader.js";
import { STATES } from "../outbox/store.js";
import { OutboxWriter } from "../outbox/writer.js";

const b64 = {
  from: (text) => readySodium().from_base64(text, readySodium().base64_variants.ORIGINAL),
  to: (bytes) => readySodium().to_base64(bytes, readySodium().base64_variants.ORIGINAL),
};
const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
const SIGNING_PREFIX = "tipline-mailbox-v1\n";

/** What is wrong with a typed receipt, without its bytes: {ok} or {ok: false, code, character?}. */
export function checkReceiptText(text) {
  try {
    parseReceipt(text);
    return { ok: true, length: normaliseBase32(text).length };
  } catch (error) {
    if (!error?.code) throw error;
    const clean = normaliseBase32(text);
    const bad = firstInvalidBase32(clean);
    return { ok: false, code: error.code, length: clean.length,
      ...(error.code === "receipt_bad_character" && bad >= 0 ? { character: clean[bad], position: bad + 1 } : {}) };
  }
}

/** The receipt's keys as the crypto modules take them, from the page's base64. */
function receiptKeys({ x25519, ed25519 }) {
  return {
    x25519: { publicKey: b64.from(x25519.publicKey), secretKey: b64.from(x25519.secretKey) },
    ed25519: { publicKey: b64.from(ed25519.publicKey),
      ...(ed25519.secretKey ? { secretKey: b64.from(ed25519.secretKey) } : {}) },
  };
}

const KIND_NAMES = { [Kind.REPORT]: "report", [Kind.ATTACHMENT]: "attachment", [Kind.MESSAGE]: "message",
  [Kind.REPLY]: "reply" };

/**
 * Open one mailbox item with the receipt's keys. What it is comes from its authenticated header
 * (docs/envelope.md sections 15 and 17): a header that disagrees with what the server listed is
 * refused, never shown; a citizen message must carry the receipt's signature.
 */
export async function openItem(bytes, { id, kind, caseId, partIndex = 0 }, keys) {
  const listed = { item_id: id, case_id: caseId, kind: KIND_NAMES[kind], part_index: partIndex };
  try {
    if (kind === Kind.REPORT) {
      const { header, content } = await openEnvelope(bytes, [keys.x25519], { maxPaddedLength: 16 * 1024 * 1024 });
      checkListing(header, listed);
      const report = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
      return { id, ok: true, kind: "report", report: summaryOf(report) };
    }
    const item = await openConversationItem(bytes, keys, { listed });
    return { id, ok: true, kind: item.type, text: item.text, writtenAt: item.writtenAt, author: item.author,
      attachments: item.attachments.map((a) => ({ part: a.part, name: a.name, mediaType: a.media_type,
        length: a.length, sha256: a.sha256, headerHash: a.header_hash })) };
  } catch (error) {
    return { id, ok: false, code: error?.code ?? "unreadable" };
  }
}

/** The few report fields the conversation screen recalls (if the report was sealed to the receipt). */
function summaryOf(report) {
  const text = (v) => (typeof v === "string" ? v.slice(0, 300) : null);
  return { place: text(report?.place?.text), seenAt: text(report?.when?.seen_at), writtenAt: text(report?.written_at),
    details: text(report?.details), attachments: Array.isArray(report?.attachments) ? report.attachments.length : 0 };
}

export const conversationOps = {
  /** A typed receipt checked at once (characters, length, check characters): no Argon2id here. */
  async "check-receipt"({ text }) {
    return checkReceiptText(text);
  },

  /** The receipt's keys (Argon2id, ~1 s, 64 MiB): call through callOnce, a worker of its own. */
  async "receipt-keys"({ text }) {
    const bytes = parseReceipt(text);
    const keys = deriveReceiptKeys(bytes);
    readySodium().memzero(bytes);
    return {
      mailboxId: keys.mailboxId,
      x25519: { publicKey: b64.to(keys.x25519.publicKey), secretKey: b64.to(keys.x25519.secretKey) },
      ed25519: { publicKey: b64.to(keys.ed25519.publicKey), secretKey: b64.to(keys.ed25519.secretKey) },
    };
  },

  /** The server's challenge signed with the receipt's Ed25519 key (docs/conversation.md). */
  async "sign-challenge"({ challenge, secretKey }) {
    const s = readySodium();
    const message = s.from_string(SIGNING_PREFIX + challenge);
    return { signature: b64.to(s.crypto_sign_detached(message, b64.from(secretKey))) };
  },

  /**
   * A citizen message sealed into the outbox as a draft item (kind 3, part 0), signed with the
   * receipt's Ed25519 key and sealed to the police bundle's keys and to the receipt's own X25519
   * key (so the same receipt on another phone reads it back). `attachments` are the entries of
   * its files, sealed already to the same recipients.
   */
  async "seal-message"({ caseId, itemId, text, attachments = [], writtenAt, recipients, keys }) {
    const sealed = await sealMessage({ caseId: hexToBytes(caseId), text: String(text ?? "").trim(), writtenAt,
      attachments: attachments.map(({ part, name, media_type, length, sha256, header_hash }) => ({ part, name,
        media_type, length, sha256, header_hash })),
      bundle: recipients.map(b64.from), receiptKeys: receiptKeys(keys), envelopeId: hexToBytes(itemId) });
    const writer = new OutboxWriter({ itemId, caseId, kind: "message", part: 0 });
    try {
      await writer.write(sealed.envelope);
      const item = await writer.finish({ headerBytes: sealed.headerBytes, envelopeSize: sealed.envelopeSize,
        envelopeSha256: readySodium().to_hex(sealed.envelopeSha256), state: STATES.DRAFT });
      return { itemId: item.itemId, size: item.size };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  },

  /** Mailbox items fetched from the server: [{id, kind, bytes}] opened with the receipt's key. */
  async "open-items"({ caseId, keys, items }) {
    const opener = receiptKeys(keys);
    const out = [];
    for (const item of items) {
      out.push(await openItem(item.bytes, { id: item.id, kind: item.kind, caseId, partIndex: item.partIndex ?? 0 },
        opener));
    }
    return out;
  },

  /**
   * One file of a message or reply, to show on the phone: opened with the receipt's key and
   * checked against its entry in the (authenticated) message, never trusted from the listing.
   * Resolves to {ok, bytes, mediaType} (the bytes are handed over, not copied) or {ok: false, code}.
   */
  async "open-attachment"({ caseId, keys, itemId, bytes, entry }) {
    // (not `id`: that name carries the call's own number between the page and the worker)
    const listed = { item_id: itemId, case_id: caseId, kind: "attachment", part_index: entry.part };
    try {
      const opened = await openEnvelope(bytes, [receiptKeys(keys).x25519]);
      checkListing(opened.header, listed);
      checkConversationAttachment({ part: entry.part, length: entry.length, sha256: entry.sha256,
        header_hash: entry.headerHash }, opened, hexToBytes(caseId));
      return { ok: true, bytes: opened.content, mediaType: entry.mediaType };
    } catch (error) {
      return { ok: false, code: error?.code ?? "unreadable" };
    }
  },

  /** The citizen's own messages still in the outbox (not delivered yet), opened the same way. */
  async "open-outbox-items"({ caseId, keys, itemIds }) {
    const opener = receiptKeys(keys);
    const db = await openOutbox();
    const out = [];
    for (const itemId of itemIds) {
      const item = await db.get("items", itemId);
      if (!item || item.caseId !== caseId || item.kind !== "message") continue;
      try {
        const bytes = await readRange(db, item, 0, item.size);
        out.push(await openItem(bytes, { id: itemId, kind: Kind.MESSAGE, caseId }, opener));
      } catch (error) {
        out.push({ id: itemId, ok: false, code: error?.code ?? "unreadable" });
      }
    }
    return out;
  },
};
