// The report manifest (docs/envelope.md, section 9): how a report binds its attachments.
// The phone builds the entries from what sealing returned; parseManifest and verifyCase
// mirror envelope/manifest.py so the app's tests can check a case as the desk will.
import { EnvelopeError } from "./errors.js";
import { readySodium } from "./sodium.js";

const MAX_ATTACHMENTS = 1000;
// Parts 1024 and up belong to the attachments of messages and replies (section 17).
export const MAX_REPORT_PART = 1023;
const FIELDS = ["part", "name", "media_type", "length", "sha256", "header_hash"];
const HEX64 = /^[0-9a-f]{64}$/;

function invalid(message) {
  return new EnvelopeError("manifest_invalid", message);
}

// Python counts code points, JavaScript's .length counts UTF-16 units: count code points.
function isText(value) {
  if (typeof value !== "string") return false;
  const length = [...value].length;
  return length >= 1 && length <= 255;
}

/** Check one JSON entry; return { part, name, mediaType, length, sha256, headerHash } (hex). */
function parseEntry(obj) {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj) || !FIELDS.every((f) => Object.hasOwn(obj, f))) {
    throw invalid(`an attachment entry must have the fields ${FIELDS.join(", ")}`);
  }
  const { part, name, media_type: mediaType, length, sha256, header_hash: headerHash } = obj;
  if (!Number.isInteger(part) || part < 1 || part >= 2 ** 32) throw invalid("part must be an integer from 1 to 2^32-1");
  if (!isText(name)) throw invalid("name must be a string of 1 to 255 characters");
  if (!isText(mediaType)) throw invalid("media_type must be a string of 1 to 255 characters");
  if (!Number.isSafeInteger(length) || length < 0) throw invalid("length must be a non-negative integer");
  for (const [key, value] of [["sha256", sha256], ["header_hash", headerHash]]) {
    if (typeof value !== "string" || !HEX64.test(value)) throw invalid(`${key} must be 64 lowercase hex digits`);
  }
  return { part, name, mediaType, length, sha256, headerHash };
}

/** The manifest entry for an attachment, from sealStream's result. */
export function attachmentEntry(sealResult, { name, mediaType }) {
  const hex = readySodium().to_hex;
  const entry = {
    part: sealResult.header.partIndex,
    name,
    media_type: mediaType,
    length: sealResult.contentLength,
    sha256: hex(sealResult.contentSha256),
    header_hash: hex(sealResult.headerHash),
  };
  parseEntry(entry); // never send what the desk would refuse
  return entry;
}

/** The attachment entries of a decrypted report (a parsed JSON object), as a Map by part. */
export function parseManifest(report) {
  if (typeof report !== "object" || report === null || Array.isArray(report)) {
    throw invalid("a report is a JSON object");
  }
  const items = Object.hasOwn(report, "attachments") ? report.attachments : [];
  if (!Array.isArray(items)) throw invalid("attachments must be a list");
  if (items.length > MAX_ATTACHMENTS) throw invalid(`more than ${MAX_ATTACHMENTS} attachments`);
  const entries = new Map();
  for (const obj of items) {
    const entry = parseEntry(obj);
    if (entry.part > MAX_REPORT_PART) {
      throw invalid(`a report's attachments are parts 1 to ${MAX_REPORT_PART}, not ${entry.part}`);
    }
    if (entries.has(entry.part)) throw invalid(`part ${entry.part} is listed twice`);
    entries.set(entry.part, entry);
  }
  return entries;
}

/**
 * Check a whole case: `opened` maps part index to each attachment's open result
 * ({ headerHash, contentLength, contentSha256 }). Same order of checks as the desk.
 */
export function verifyCase(entries, opened) {
  const hex = readySodium().to_hex;
  const unexpected = [...opened.keys()].filter((part) => !entries.has(part)).sort((a, b) => a - b);
  if (unexpected.length > 0) {
    throw new EnvelopeError("attachment_unexpected", `part ${unexpected[0]} is not in the report's manifest`);
  }
  for (const entry of [...entries.values()].sort((a, b) => a.part - b.part)) {
    const result = opened.get(entry.part);
    if (result === undefined) {
      throw new EnvelopeError("attachment_missing", `part ${entry.part} (${entry.name}) has not arrived`);
    }
    if (hex(result.headerHash) !== entry.headerHash) {
      throw new EnvelopeError("attachment_mismatch", `part ${entry.part}: the header hash differs from the manifest`);
    }
    if (result.contentLength !== entry.length) {
      const message = `part ${entry.part}: ${result.contentLength} bytes, the manifest says ${entry.length}`;
      throw new EnvelopeError("attachment_mismatch", message);
    }
    if (hex(result.contentSha256) !== entry.sha256) {
      throw new EnvelopeError("attachment_mismatch", `part ${entry.part}: the SHA-256 differs from the manifest`);
    }
  }
}
