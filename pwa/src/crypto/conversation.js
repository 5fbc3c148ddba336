// Messages and replies (docs/envelope.md, section 17), the twin of envelope/conversation.py and
// envelope/conversation_open.py; tests/vectors/conversation-v1.json binds both.
//
// A message (kind 3, citizen to police) or reply (kind 4, police to citizen) is an envelope of
// part 0 whose content is a small UTF-8 JSON body:
//   {"v": 1, "type": "message"|"reply", "text", "written_at": "YYYY-MM-DDTHH:MMZ",
//    "attachments": [report-manifest entries, parts 1024 and up], "author" (replies only)}
// A message's content starts with a 64-byte Ed25519 signature by the receipt's key over the
// case id, the envelope id and the body: knowing a case id (as the server does) is not enough
// to write in the citizen's name. Both kinds are sealed to every key of the police bundle and
// to the receipt's X25519 key, so the receipt on another phone reads the whole thread.
import { Kind, MAX_RECIPIENTS } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { checkListing } from "./listing.js";
import { openEnvelope } from "./open.js";
import { paddedLength } from "./padding.js";
import { sealBytes } from "./seal.js";
import { readySodium, sodium } from "./sodium.js";

export const BODY_VERSION = 1;
export const SIGNATURE_CONTEXT = "tipline message v1\n";
export const SIGNATURE_SIZE = 64;
export const MAX_PADDED_LENGTH = 65536; // one chunk
export const MAX_CONTENT_BYTES = MAX_PADDED_LENGTH - 8;
export const MAX_TEXT_CODE_POINTS = 4000;
export const MAX_AUTHOR_CODE_POINTS = 64;
export const MAX_ATTACHMENTS = 20;
export const FIRST_CONVERSATION_PART = 1024; // report attachments are 1 to 1023
const LAST_PART = 2 ** 32 - 1;
const TYPES = { [Kind.MESSAGE]: "message", [Kind.REPLY]: "reply" };
const ENTRY_FIELDS = ["part", "name", "media_type", "length", "sha256", "header_hash"];
const HEX64 = /^[0-9a-f]{64}$/;
const WRITTEN_AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})Z$/;

const invalid = (message) => new EnvelopeError("message_invalid", message);
const codePoints = (text) => [...text].length;
const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

function checkKind(kind) {
  if (!Object.hasOwn(TYPES, kind)) throw invalid(`kind ${kind} is not a message or a reply`);
  return kind;
}

/** `date` (default now) in the body's form: UTC, to the minute, "2026-12-02T14:05Z". */
export function writtenAt(date = new Date()) {
  return `${date.toISOString().slice(0, 16)}Z`;
}

function checkWrittenAt(value) {
  const m = typeof value === "string" ? WRITTEN_AT.exec(value) : null;
  if (m === null) throw invalid("written_at must look like 2026-12-02T14:05Z");
  const [year, month, day, hour, minute] = m.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0 to 99 as 1900 to 1999
  date.setUTCHours(hour, minute, 0, 0);
  const same = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
    date.getUTCHours() === hour && date.getUTCMinutes() === minute;
  if (year < 1 || !same) throw invalid(`written_at ${value} is not a time`);
  return value;
}

/** One attachment entry of a body (section 9's six members; others are ignored), checked. */
function parseEntry(obj) {
  if (!isObject(obj) || !ENTRY_FIELDS.every((f) => Object.hasOwn(obj, f))) {
    throw invalid(`an attachment entry must have the fields ${ENTRY_FIELDS.join(", ")}`);
  }
  const { part, name, media_type: mediaType, length, sha256, header_hash: headerHash } = obj;
  if (!Number.isInteger(part) || part < FIRST_CONVERSATION_PART || part > LAST_PART) {
    throw invalid(`an attachment of a message or reply has a part from ${FIRST_CONVERSATION_PART} to 2^32-1`);
  }
  for (const [key, value] of [["name", name], ["media_type", mediaType]]) {
    if (typeof value !== "string" || codePoints(value) < 1 || codePoints(value) > 255) {
      throw invalid(`an attachment entry: ${key} must be a string of 1 to 255 characters`);
    }
  }
  if (!Number.isSafeInteger(length) || length < 0) throw invalid("an attachment's length must be below 2^53");
  for (const [key, value] of [["sha256", sha256], ["header_hash", headerHash]]) {
    if (typeof value !== "string" || !HEX64.test(value)) throw invalid(`${key} must be 64 lowercase hex digits`);
  }
  return { part, name, media_type: mediaType, length, sha256, header_hash: headerHash };
}

function checkBody(kind, { text, written_at: when, attachments, author }) {
  if (typeof text !== "string" || codePoints(text) > MAX_TEXT_CODE_POINTS) {
    throw invalid(`text must be a string of at most ${MAX_TEXT_CODE_POINTS} characters`);
  }
  checkWrittenAt(when);
  if (!Array.isArray(attachments) || attachments.length > MAX_ATTACHMENTS) {
    throw invalid(`attachments must be a list of at most ${MAX_ATTACHMENTS} entries`);
  }
  const entries = attachments.map(parseEntry);
  if (new Set(entries.map((e) => e.part)).size !== entries.length) throw invalid("two attachments have the same part");
  if (text === "" && entries.length === 0) throw invalid("a message or reply has text, attachments or both");
  if (author !== undefined) {
    if (kind !== Kind.REPLY) throw invalid("only a reply has an author");
    if (typeof author !== "string" || codePoints(author) < 1 || codePoints(author) > MAX_AUTHOR_CODE_POINTS) {
      throw invalid(`author must be a string of 1 to ${MAX_AUTHOR_CODE_POINTS} characters`);
    }
  }
  return { kind, type: TYPES[kind], text, writtenAt: when, attachments: entries, author: author ?? null };
}

/**
 * The body's bytes (compact UTF-8 JSON), checked as a reader will check them.
 * @param {number} kind
 * @param {{ text: string, writtenAt?: string, attachments?: any[], author?: string }} content `author`: replies only
 */
export function buildBody(kind, { text, writtenAt: when = writtenAt(), attachments = [], author }) {
  checkKind(kind);
  const body = checkBody(kind, { text, written_at: when, attachments, author });
  const obj = { v: BODY_VERSION, type: body.type, text, written_at: when, attachments: body.attachments };
  if (author !== undefined) obj.author = author;
  return new TextEncoder().encode(JSON.stringify(obj));
}

/**
 * Whether every number in a JSON text is written as an integer (no fraction, no exponent).
 * JSON.parse reads 1.0 as 1; Python reads it as a float: the spec refuses it so both agree.
 */
function integersOnly(text) {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text[j])) j++;
      if (/[.eE]/.test(text.slice(i, j))) return false;
      i = j - 1;
    }
  }
  return true;
}

/** Check and read a body: message_invalid for anything section 17 does not allow. */
export function parseBody(kind, raw) {
  checkKind(kind);
  let obj;
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
    obj = JSON.parse(text);
  } catch {
    throw invalid("the body is not UTF-8 JSON");
  }
  if (!integersOnly(text)) throw invalid("numbers in a body are integers, written without fraction or exponent");
  if (!isObject(obj)) throw invalid("the body is not a JSON object");
  if (obj.v !== BODY_VERSION) throw invalid("the body is not version 1");
  if (obj.type !== TYPES[kind]) throw invalid(`the body's type is ${JSON.stringify(obj.type)}, not ${TYPES[kind]}`);
  for (const member of ["text", "written_at", "attachments"]) {
    if (!Object.hasOwn(obj, member)) throw invalid(`the body has no ${member}`);
  }
  return checkBody(kind, obj);
}

function signedBytes(caseId, envelopeId, body) {
  const context = readySodium().from_string(SIGNATURE_CONTEXT);
  if (caseId.length !== 16 || envelopeId.length !== 16) throw new TypeError("case and envelope ids are 16 bytes");
  const out = new Uint8Array(context.length + 32 + body.length);
  out.set(context);
  out.set(caseId, context.length);
  out.set(envelopeId, context.length + 16);
  out.set(body, context.length + 32);
  return out;
}

/** A message's content: the signature by the receipt's Ed25519 secret key (64 bytes), then the body. */
export function messageContent(body, { caseId, envelopeId, signingKey }) {
  const signature = readySodium().crypto_sign_detached(signedBytes(caseId, envelopeId, body), signingKey);
  const out = new Uint8Array(SIGNATURE_SIZE + body.length);
  out.set(signature);
  out.set(body, SIGNATURE_SIZE);
  return out;
}

/** The body of a message's content once its signature by `verifyKey` holds for this case and envelope. */
export function verifyMessage(content, { caseId, envelopeId, verifyKey }) {
  if (content.length < SIGNATURE_SIZE) throw invalid("a message is shorter than its signature");
  const body = content.subarray(SIGNATURE_SIZE);
  const ok = readySodium().crypto_sign_verify_detached(content.subarray(0, SIGNATURE_SIZE),
    signedBytes(caseId, envelopeId, body), verifyKey);
  if (!ok) throw new EnvelopeError("message_bad_signature");
  return body;
}

/**
 * Who a message or reply (and each of its attachments) is sealed to: every key of the police
 * bundle (`bundle.publicKeys` of verifyBundle, or an array of keys) and the receipt's X25519
 * public key. A message lists the bundle first, a reply the citizen. At most 16 in all.
 */
export function conversationRecipients(kind, bundle, citizenX25519) {
  checkKind(kind);
  const police = Array.isArray(bundle) ? bundle : bundle?.publicKeys;
  if (!Array.isArray(police) || police.length === 0) throw new EnvelopeError("no_recipients", "no police key");
  const hex = readySodium().to_hex;
  const ordered = kind === Kind.MESSAGE ? [...police, citizenX25519] : [citizenX25519, ...police];
  const seen = new Set();
  const out = ordered.filter((pk) => {
    if (!(pk instanceof Uint8Array) || pk.length !== 32) throw new TypeError("public keys are 32 bytes");
    const id = hex(pk);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (out.length > MAX_RECIPIENTS) {
    const message = `a bundle used for the conversation names at most ${MAX_RECIPIENTS - 1}`;
    throw new EnvelopeError("too_many_recipients", message);
  }
  return out;
}

/** A part for an attachment of a message or reply: at random from 1024 to 2^32-1, not in `used`. */
export function newAttachmentPart(used = new Set()) {
  const s = readySodium();
  for (;;) {
    // a uniform u32, drawn again below 1024 (randombytes_uniform takes no bound this large)
    const part = new DataView(s.randombytes_buf(4).buffer).getUint32(0);
    if (part >= FIRST_CONVERSATION_PART && !used.has(part)) return part;
  }
}

/** The body entry of an attachment sealed (kind 2, part from newAttachmentPart) with sealStream. */
export function conversationAttachmentEntry(sealResult, { name, mediaType }) {
  const hex = readySodium().to_hex;
  if (sealResult.header.kind !== Kind.ATTACHMENT) throw new TypeError("not an attachment's seal result");
  return parseEntry({
    part: sealResult.header.partIndex,
    name,
    media_type: mediaType,
    length: sealResult.contentLength,
    sha256: hex(sealResult.contentSha256),
    header_hash: hex(sealResult.headerHash),
  });
}

/**
 * @param {number} kind
 * @param {{ caseId: any, body: Uint8Array, recipients: any[], signingKey?: Uint8Array, envelopeId?: any,
 *   fileKey?: any, ephemeralSecrets?: any }} item `signingKey`: messages only (the mailbox's Ed25519 key)
 */
async function sealItem(kind, { caseId, body, recipients, signingKey, envelopeId, fileKey, ephemeralSecrets }) {
  const s = await sodium();
  parseBody(kind, body); // the reader's checks, before anything leaves
  const id = envelopeId ?? s.randombytes_buf(16);
  const content = kind === Kind.MESSAGE ? messageContent(body, { caseId, envelopeId: id, signingKey }) : body;
  if (paddedLength(content.length) > MAX_PADDED_LENGTH) {
    const message = `${content.length} bytes: a message or reply holds at most ${MAX_CONTENT_BYTES}`;
    throw new EnvelopeError("too_large", message);
  }
  const sealed = await sealBytes(content, { kind, caseId, partIndex: 0, recipients, envelopeId: id, fileKey,
    ephemeralSecrets });
  return { ...sealed, itemId: s.to_hex(id) };
}

/**
 * Seal a citizen's message. `receiptKeys` is deriveReceiptKeys' result (its Ed25519 key signs,
 * its X25519 key is a recipient); `bundle` the verified police bundle (or an array of its keys);
 * `attachments` the entries of conversationAttachmentEntry, their envelopes sealed first to
 * conversationRecipients(Kind.MESSAGE, …). Returns sealBytes' result plus `itemId` (hex).
 * @param {{ caseId: any, text?: string, attachments?: any[], bundle: any, receiptKeys: any, writtenAt?: string,
 *   envelopeId?: any, fileKey?: any, ephemeralSecrets?: any }} message `fileKey`, `ephemeralSecrets`: for test vectors
 */
export async function sealMessage({ caseId, text = "", attachments = [], bundle, receiptKeys, writtenAt: when,
  envelopeId, fileKey, ephemeralSecrets }) {
  await sodium();
  const body = buildBody(Kind.MESSAGE, { text, writtenAt: when, attachments });
  const recipients = conversationRecipients(Kind.MESSAGE, bundle, receiptKeys.x25519.publicKey);
  return sealItem(Kind.MESSAGE, { caseId, body, recipients, signingKey: receiptKeys.ed25519.secretKey, envelopeId,
    fileKey, ephemeralSecrets });
}

/** Seal an operator's reply (the desk does this in Python; here for tests and tools). */
export async function sealReply({ caseId, text = "", attachments = [], author, bundle, citizenX25519,
  writtenAt: when, envelopeId, fileKey, ephemeralSecrets }) {
  await sodium();
  const body = buildBody(Kind.REPLY, { text, writtenAt: when, attachments, author });
  const recipients = conversationRecipients(Kind.REPLY, bundle, citizenX25519);
  return sealItem(Kind.REPLY, { caseId, body, recipients, envelopeId, fileKey, ephemeralSecrets });
}

/**
 * Open and check a message or reply. `keys` is deriveReceiptKeys' result (the citizen: its
 * X25519 key opens, its Ed25519 public key verifies messages) or an array of X25519 identities
 * { publicKey, secretKey } (then pass `verifyKey` to read messages). `listed` is what the server
 * said of the item: { item_id, case_id, kind, part_index }. Order of checks as section 17 gives.
 * Returns { kind, type, itemId, caseId, headerHash, text, writtenAt, attachments, author }.
 * @param {Uint8Array} envelope
 * @param {any} keys
 * @param {{ listed?: object, verifyKey?: Uint8Array }} [options]
 */
export async function openConversationItem(envelope, keys, { listed, verifyKey } = {}) {
  const s = await sodium();
  const identities = Array.isArray(keys) ? keys : [keys.x25519];
  const mailboxKey = verifyKey ?? (Array.isArray(keys) ? undefined : keys.ed25519.publicKey);
  const { header, headerHash, content } = await openEnvelope(envelope, identities, {
    maxPaddedLength: MAX_PADDED_LENGTH });
  checkListing(header, listed);
  if (!Object.hasOwn(TYPES, header.kind)) throw invalid("not a message or a reply");
  if (header.partIndex !== 0) throw invalid(`a message or reply is part 0, not ${header.partIndex}`);
  let body = content;
  if (header.kind === Kind.MESSAGE) {
    if (mailboxKey === undefined) throw new TypeError("a message is verified with the mailbox's Ed25519 key");
    body = verifyMessage(content, { caseId: header.caseId, envelopeId: header.envelopeId, verifyKey: mailboxKey });
  }
  const parsed = parseBody(header.kind, body);
  return { ...parsed, itemId: s.to_hex(header.envelopeId), caseId: s.to_hex(header.caseId), headerHash };
}

/**
 * An opened attachment ({ header, headerHash, contentLength, contentSha256 }) against its entry
 * in a message or reply of case `caseId` (bytes): attachment_mismatch on any difference.
 * Check the header hash before decrypting too (hashHeader of the parsed header) when you can.
 */
export function checkConversationAttachment(entry, opened, caseId) {
  const s = readySodium();
  const mismatch = (why) => new EnvelopeError("attachment_mismatch", `part ${entry.part}: ${why}`);
  if (s.to_hex(opened.headerHash) !== entry.header_hash) throw mismatch("the header hash differs from the entry");
  const { header } = opened;
  if (header.kind !== Kind.ATTACHMENT || !s.memcmp(header.caseId, caseId) || header.partIndex !== entry.part) {
    throw mismatch("not this case's attachment of that part");
  }
  if (opened.contentLength !== entry.length) {
    throw mismatch(`${opened.contentLength} bytes, the entry says ${entry.length}`);
  }
  if (s.to_hex(opened.contentSha256) !== entry.sha256) throw mismatch("the SHA-256 differs from the entry");
}
