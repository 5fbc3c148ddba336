// Signed key bundles (docs/envelope.md, section 10): which police keys the phone encrypts to.
// The signature covers the payload's exact ASCII bytes, so no JSON canonicalisation is needed.
// Checks run in the spec's order, so every implementation refuses a bundle with the same code.
import { MAX_BUNDLE_RECIPIENTS } from "./constants.js";
import { BundleError } from "./errors.js";
import { fingerprint, keyId } from "./keys.js";
import { readySodium } from "./sodium.js";

export const SIGNING_CONTEXT = "tipline key bundle v1\n";
const BUNDLE_TYPE = "tipline.key-bundle";
const ROOT_KEY_TYPE = "tipline.root-key";
const MAX_BUNDLE_BYTES = 16 * 1024;
const ROLES = ["primary", "backup"];
const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
// At most 90 days between issued and expires: how long a superseded bundle stays usable.
export const MAX_LIFETIME_MS = 90 * DAY_MS;
// Within this of expiry, the app fetches the bundle at every occasion and tells the citizen.
export const REFRESH_BEFORE_EXPIRY_MS = 14 * DAY_MS;
const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DOC_FIELDS = ["payload", "signature", "signer", "type", "version"];
const PAYLOAD_FIELDS = ["expires", "issued", "origin", "recipients", "sequence", "type", "version"];
const RECIPIENT_FIELDS = ["key_id", "public_key", "role"];

const malformed = (message) => new BundleError("bundle_malformed", message);

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasExactly(obj, fields) {
  const keys = Object.keys(obj).sort();
  return keys.length === fields.length && keys.every((k, i) => k === fields[i]);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(`${what} is not JSON`);
  }
}

/** Standard padded base64 (RFC 4648 section 4) of exactly `size` bytes. */
function unb64(text, size) {
  if (typeof text !== "string") throw malformed("expected a base64 string");
  let raw;
  try {
    const s = readySodium();
    raw = s.from_base64(text, s.base64_variants.ORIGINAL);
  } catch {
    throw malformed("invalid base64");
  }
  if (raw.length !== size) throw malformed(`expected ${size} bytes`);
  return raw;
}

/** "YYYY-MM-DDTHH:MM:SSZ" → Date; impossible dates (February 30) are refused. */
function parseTime(text) {
  const m = typeof text === "string" ? TIME.exec(text) : null;
  if (m === null) throw malformed("times are strings like 2026-01-31T12:00:00Z");
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (date.toISOString().slice(0, 19) + "Z" !== text) throw malformed(`bad time ${text}`);
  return date;
}

function loadDocument(document) {
  if (typeof document === "string") {
    if (document.length > MAX_BUNDLE_BYTES) throw malformed("the bundle is too large");
    document = parseJson(document, "the bundle");
  }
  if (!isObject(document) || !hasExactly(document, DOC_FIELDS)) {
    throw malformed(`a bundle has exactly the fields ${DOC_FIELDS.join(", ")}`);
  }
  if (document.type !== BUNDLE_TYPE || document.version !== 1) throw malformed("not a version 1 key bundle");
  if (typeof document.payload !== "string") throw malformed("payload must be a string");
  return document;
}

function parseRecipient(r) {
  if (!isObject(r) || !hasExactly(r, RECIPIENT_FIELDS)) {
    throw malformed("a recipient has exactly key_id, public_key and role");
  }
  const publicKey = unb64(r.public_key, 32);
  const id = readySodium().to_hex(keyId(publicKey));
  if (r.key_id !== id) throw malformed("a recipient's key_id does not match its public key");
  if (!ROLES.includes(r.role)) throw malformed(`role must be one of ${ROLES.join(", ")}`);
  return { keyId: id, publicKey, role: r.role };
}

function parsePayload(payload) {
  const obj = parseJson(payload, "the payload");
  if (!isObject(obj) || !hasExactly(obj, PAYLOAD_FIELDS)) {
    throw malformed(`the payload must have exactly the fields ${PAYLOAD_FIELDS.join(", ")}`);
  }
  if (obj.type !== BUNDLE_TYPE || obj.version !== 1) throw malformed("not a version 1 key bundle");
  if (!Number.isSafeInteger(obj.sequence) || obj.sequence < 1) {
    throw malformed("sequence must be an integer from 1 to 2^53-1");
  }
  const issued = parseTime(obj.issued);
  const expires = parseTime(obj.expires);
  if (expires <= issued) throw malformed("a bundle must expire after it is issued");
  if (!Array.isArray(obj.recipients) || obj.recipients.length < 1 || obj.recipients.length > MAX_BUNDLE_RECIPIENTS) {
    throw malformed(`a bundle names 1 to ${MAX_BUNDLE_RECIPIENTS} recipients`);
  }
  const recipients = obj.recipients.map(parseRecipient);
  if (new Set(recipients.map((r) => r.keyId)).size !== recipients.length) {
    throw malformed("a recipient is listed twice");
  }
  if (!recipients.some((r) => r.role === "primary")) throw malformed("a bundle needs at least one primary recipient");
  if (typeof obj.origin !== "string" || !ORIGIN.test(obj.origin)) {
    throw malformed("origin must be a lowercase scheme (http or https), host and optional port, no path");
  }
  if (expires.getTime() - issued.getTime() > MAX_LIFETIME_MS) {
    throw new BundleError("bundle_lifetime_too_long", "a bundle is valid for at most 90 days");
  }
  return { origin: obj.origin, sequence: obj.sequence, issued, expires, recipients };
}

/**
 * Verify a key bundle (JSON text or parsed object) against the pinned root key.
 * `origin` is the app's own origin (null skips the check, for tools that show any bundle),
 * `now` a Date or milliseconds since the epoch, `minSequence` the highest sequence seen so far.
 * Returns { origin, sequence, issued, expires, recipients, publicKeys (primary first), payload }.
 * @param {string | object} document
 * @param {Uint8Array} rootPublicKey
 * @param {{origin?: string | null, now?: Date | number, minSequence?: number}} [options] origin: required
 */
export function verifyBundle(document, rootPublicKey, { origin, now = new Date(), minSequence = 0 } = {}) {
  // A forgotten origin must not silently skip the check: only an explicit null does.
  if (origin !== null && typeof origin !== "string") throw new TypeError("origin must be a string or null");
  const s = readySodium();
  const doc = loadDocument(document);
  if (!/^\p{ASCII}*$/u.test(doc.payload)) throw malformed("the payload must be ASCII");
  const signature = unb64(doc.signature, 64);
  if (doc.signer !== s.to_hex(keyId(rootPublicKey))) {
    throw new BundleError("bundle_bad_signature", "the bundle is signed by another root key");
  }
  const signed = s.from_string(SIGNING_CONTEXT + doc.payload);
  if (!s.crypto_sign_verify_detached(signature, signed, rootPublicKey)) throw new BundleError("bundle_bad_signature");
  const bundle = parsePayload(doc.payload);
  if (origin !== null && bundle.origin !== origin) {
    throw new BundleError("bundle_wrong_origin", `the bundle is for ${bundle.origin}, not ${origin}`);
  }
  const nowMs = now instanceof Date ? now.getTime() : now;
  if (nowMs + MAX_CLOCK_SKEW_MS < bundle.issued.getTime()) throw new BundleError("bundle_not_yet_valid");
  if (nowMs >= bundle.expires.getTime()) {
    throw new BundleError("bundle_expired", `the bundle expired at ${bundle.expires.toISOString()}`);
  }
  if (bundle.sequence < minSequence) {
    const message = `sequence ${bundle.sequence} is below ${minSequence} already seen`;
    throw new BundleError("bundle_sequence_rollback", message);
  }
  // Encrypt to primary keys first, then backups (a stable sort keeps the bundle's order within a role).
  const ordered = [...bundle.recipients].sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  return { ...bundle, publicKeys: ordered.map((r) => r.publicKey), payload: doc.payload };
}

/** The root public key from keys/root-key.json (text or parsed), its key id and fingerprint checked. */
export function parseRootKeyDocument(document) {
  if (typeof document === "string") document = parseJson(document, "the root key file");
  if (!isObject(document) || document.type !== ROOT_KEY_TYPE || document.version !== 1) {
    throw malformed("not a version 1 root key file");
  }
  const publicKey = unb64(document.public_key, 32);
  if (document.key_id !== readySodium().to_hex(keyId(publicKey)) || document.fingerprint !== fingerprint(publicKey)) {
    throw malformed("the root key file's key id or fingerprint does not match its key");
  }
  return publicKey;
}
