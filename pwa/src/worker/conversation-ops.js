// The crypto worker's part of the conversation (docs/conversation.md): checking a typed
// receipt, deriving its keys (Argon2id: run in a throwaway worker), signing the server's
// challenge, sealing a citizen message into the outbox and opening the items of a mailbox.
// The receipt's secret keys come in with each call and are never stored by the worker.
import { Kind } from "../crypto/constants.js";
import { firstInvalidBase32, normaliseBase32 } from "../crypto/base32.js";
import { openEnvelope } from "../crypto/open.js";
import { deriveReceiptKeys, parseReceipt } from "../crypto/receipt.js";
import { sealStream } from "../crypto/seal.js";
import { readySodium } from "../crypto/sodium.js";
import { bytesSource } from "../crypto/source.js";
import { openOutbox } from "../outbox/db.js";
import { readRange } from "../outbox/reader.js";
import { STATES } from "../outbox/store.js";
import { OutboxWriter } from "../outbox/writer.js";
import { buildMessagePayload, readConversationPayload } from "./message-payload.js";

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

function identity(keys) {
  return { publicKey: b64.from(keys.publicKey), secretKey: b64.from(keys.secretKey) };
}

const KIND_OF = { [Kind.REPORT]: "report", [Kind.ATTACHMENT]: "attachment", [Kind.MESSAGE]: "message",
  [Kind.REPLY]: "reply" };

/**
 * Open one mailbox item with the receipt's X25519 key. What it is comes from its authenticated
 * header (docs/envelope.md section 15): a header that disagrees with what the server listed
 * (id, case, kind, part 0) is refused, never shown.
 */
export async function openItem(bytes, { id, kind, caseId }, x25519) {
  const s = readySodium();
  let opened;
  try {
    opened = await openEnvelope(bytes, [identity(x25519)], { maxPaddedLength: 16 * 1024 * 1024 });
  } catch (error) {
    return { id, ok: false, code: error?.code ?? "unreadable" };
  }
  const { header, content } = opened;
  if (s.to_hex(header.envelopeId) !== id || s.to_hex(header.caseId) !== caseId || header.kind !== kind) {
    return { id, ok: false, code: "listing_mismatch" };
  }
  if (header.kind === Kind.REPORT) {
    try {
      const report = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
      return { id, ok: true, kind: "report", report: summaryOf(report) };
    } catch {
      return { id, ok: false, code: "payload_invalid" };
    }
  }
  if (header.partIndex !== 0) return { id, ok: false, code: "listing_mismatch" };
  try {
    return { id, ok: true, ...readConversationPayload(content, KIND_OF[header.kind]) };
  } catch (error) {
    return { id, ok: false, code: error?.code ?? "payload_invalid" };
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
   * A citizen message sealed into the outbox as a draft item (kind 3, part 0), to the police
   * bundle's keys and to the receipt's own X25519 key (so the same receipt on another phone
   * reads it back). `attachments` are the manifest entries of its files, sealed already.
   */
  async "seal-message"({ caseId, itemId, text, attachments = [], writtenAt, recipients, citizenX25519 }) {
    const payload = buildMessagePayload({ text, attachments, writtenAt });
    const writer = new OutboxWriter({ itemId, caseId, kind: "message", part: 0 });
    const options = { kind: Kind.MESSAGE, caseId: hexToBytes(caseId), partIndex: 0,
      recipients: [...recipients, citizenX25519].map(b64.from), envelopeId: hexToBytes(itemId) };
    try {
      const result = await sealStream(bytesSource(payload), (bytes) => writer.write(bytes), options);
      const item = await writer.finish({ headerBytes: result.headerBytes, envelopeSize: result.envelopeSize,
        envelopeSha256: readySodium().to_hex(result.envelopeSha256), state: STATES.DRAFT });
      return { itemId: item.itemId, size: item.size };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  },

  /** Mailbox items fetched from the server: [{id, kind, bytes}] opened with the receipt's key. */
  async "open-items"({ caseId, x25519, items }) {
    const out = [];
    for (const item of items) out.push(await openItem(item.bytes, { id: item.id, kind: item.kind, caseId }, x25519));
    return out;
  },

  /** The citizen's own messages still in the outbox (not delivered yet), opened the same way. */
  async "open-outbox-items"({ caseId, x25519, itemIds }) {
    const db = await openOutbox();
    const out = [];
    for (const itemId of itemIds) {
      const item = await db.get("items", itemId);
      if (!item || item.caseId !== caseId || item.kind !== "message") continue;
      try {
        const bytes = await readRange(db, item, 0, item.size);
        out.push(await openItem(bytes, { id: itemId, kind: Kind.MESSAGE, caseId }, x25519));
      } catch (error) {
        out.push({ id: itemId, ok: false, code: error?.code ?? "unreadable" });
      }
    }
    return out;
  },
};
