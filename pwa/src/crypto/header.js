// The envelope header: layout, parsing and serialisation, and the structural check of
// docs/envelope.md section 7, in the order the spec gives. No secret is needed here.
import {
  FIXED_HEADER_SIZE,
  ID_SIZE,
  KEY_ID_SIZE,
  Kind,
  MAC_SIZE,
  MAGIC,
  MAX_PADDED_LENGTH,
  MAX_RECIPIENTS,
  STANZA_SIZE,
  VERSION,
} from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { chunkCount, payloadSize } from "./framing.js";
import { blake2b } from "./keys.js";
import { isCanonicalPaddedLength } from "./padding.js";
import { readExactly } from "./source.js";

// Field offsets in the fixed part (section 4).
const AT = { magic: 0, version: 7, kind: 8, count: 9, reserved: 10, envelopeId: 12, caseId: 28, part: 44, padded: 48 };
const KINDS = new Set(Object.values(Kind));

export function headerSize(recipientCount) {
  return FIXED_HEADER_SIZE + STANZA_SIZE * recipientCount + MAC_SIZE;
}

export function checkKind(kind) {
  if (!KINDS.has(kind)) throw new EnvelopeError("bad_kind", `unknown kind ${kind}`);
}

export function checkPartIndex(kind, partIndex) {
  if (kind === Kind.REPORT && partIndex !== 0) throw new EnvelopeError("bad_part_index", "a report is always part 0");
  if (kind === Kind.ATTACHMENT && partIndex === 0) {
    throw new EnvelopeError("bad_part_index", "attachments are parts 1 and up");
  }
}

function startsLikeMagic(data) {
  const present = Math.min(data.length, MAGIC.length);
  for (let i = 0; i < present; i++) if (data[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * Check the 56-byte fixed part (section 7, items 1 and 2); return the recipient count and
 * the fields. `maxPaddedLength` is this reader's own limit, never above the format's.
 */
export function parseFixed(data, { maxPaddedLength = MAX_PADDED_LENGTH } = {}) {
  // Short data that does not even begin the magic is not an envelope cut short: bad_magic.
  if (!startsLikeMagic(data)) throw new EnvelopeError("bad_magic");
  if (data.length < FIXED_HEADER_SIZE) {
    throw new EnvelopeError("truncated", "the envelope is shorter than its fixed header");
  }
  const view = new DataView(data.buffer, data.byteOffset, FIXED_HEADER_SIZE);
  const version = data[AT.version];
  const kind = data[AT.kind];
  const count = data[AT.count];
  if (version !== VERSION) {
    throw new EnvelopeError("unsupported_version", `envelope version ${version} is not supported`);
  }
  checkKind(kind);
  if (view.getUint16(AT.reserved) !== 0) throw new EnvelopeError("bad_reserved");
  if (count === 0) throw new EnvelopeError("no_recipients");
  if (count > MAX_RECIPIENTS) {
    throw new EnvelopeError("too_many_recipients", `${count} recipients, at most ${MAX_RECIPIENTS}`);
  }
  // u64 may exceed 2^53: compare as BigInt before it becomes a Number.
  const padded = view.getBigUint64(AT.padded);
  if (padded > BigInt(Math.min(maxPaddedLength, MAX_PADDED_LENGTH))) {
    throw new EnvelopeError("too_large", `padded length ${padded} is above the limit`);
  }
  const paddedLength = Number(padded);
  if (!isCanonicalPaddedLength(paddedLength)) {
    throw new EnvelopeError("bad_length", `padded length ${paddedLength} is not a padding size`);
  }
  const partIndex = view.getUint32(AT.part);
  checkPartIndex(kind, partIndex);
  const fields = {
    kind,
    envelopeId: data.slice(AT.envelopeId, AT.envelopeId + ID_SIZE),
    caseId: data.slice(AT.caseId, AT.caseId + ID_SIZE),
    partIndex,
    paddedLength,
  };
  return { count, fields };
}

/** Parse a header from the start of `data` (bytes after it are ignored). */
export function parseHeader(data, options) {
  const { count, fields } = parseFixed(data, options);
  const size = headerSize(count);
  if (data.length < size) throw new EnvelopeError("truncated", "the envelope is shorter than its header");
  const bytes = data.slice(0, size); // a copy: the header must not pin a large buffer
  const stanzas = [];
  for (let pos = FIXED_HEADER_SIZE; pos < size - MAC_SIZE; pos += STANZA_SIZE) {
    stanzas.push({
      keyId: bytes.subarray(pos, pos + KEY_ID_SIZE),
      sealedKey: bytes.subarray(pos + KEY_ID_SIZE, pos + STANZA_SIZE),
    });
  }
  return Object.freeze({
    ...fields,
    stanzas,
    mac: bytes.subarray(size - MAC_SIZE),
    size,
    chunkCount: chunkCount(fields.paddedLength),
    envelopeSize: size + payloadSize(fields.paddedLength),
    bytes,
  });
}

/** Read and parse the header at the start of a `{ size, read }` source. */
export async function readHeader(source, options) {
  const fixed = await readExactly(source, 0, FIXED_HEADER_SIZE);
  const { count } = parseFixed(fixed, options);
  return parseHeader(await readExactly(source, 0, headerSize(count)), options);
}

/**
 * Header bytes for these fields, the MAC included. The Encryptor passes a zero MAC, then
 * writes the real one over it: the MAC is computed over every byte before it.
 */
export function serializeHeader({ kind, envelopeId, caseId, partIndex, paddedLength, stanzas, mac }) {
  const size = headerSize(stanzas.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, AT.magic);
  out[AT.version] = VERSION;
  out[AT.kind] = kind;
  out[AT.count] = stanzas.length;
  out.set(envelopeId, AT.envelopeId);
  out.set(caseId, AT.caseId);
  view.setUint32(AT.part, partIndex);
  view.setBigUint64(AT.padded, BigInt(paddedLength));
  stanzas.forEach(({ keyId, sealedKey }, i) => {
    const pos = FIXED_HEADER_SIZE + i * STANZA_SIZE;
    out.set(keyId, pos);
    out.set(sealedKey, pos + KEY_ID_SIZE);
  });
  out.set(mac, size - MAC_SIZE);
  return out;
}

/** The bytes the MAC covers: every header byte before it. */
export function headerBody(header) {
  return header.bytes.subarray(0, header.size - MAC_SIZE);
}

/** BLAKE2b-256 of the whole header: the payload's additional data and the manifest's binding. */
export function hashHeader(header) {
  return blake2b(header.bytes);
}

/** Section 7 item 4: the total size must be exactly header + payload (the server's framing check). */
export function checkEnvelopeSize(header, totalSize) {
  if (totalSize < header.envelopeSize) {
    throw new EnvelopeError("truncated", `${totalSize} bytes, the header announces ${header.envelopeSize}`);
  }
  if (totalSize > header.envelopeSize) {
    throw new EnvelopeError("trailing_data", `${totalSize} bytes, the header announces ${header.envelopeSize}`);
  }
}
