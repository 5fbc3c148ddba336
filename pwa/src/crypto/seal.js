// Encryption to recipients' public keys: the phone's side of envelope v1 (docs/envelope.md).
//
// Sealing is per chunk and stateless given the chunk index, so the app can rebuild any chunk
// after a crash. sealStream never holds more than one chunk of content: a 2 GB video goes
// through in 64 KiB pieces.
import {
  CHUNK_SIZE,
  FILE_KEY_SIZE,
  ID_SIZE,
  LENGTH_PREFIX_SIZE,
  MAC_SIZE,
  MAX_PADDED_LENGTH,
  MAX_RECIPIENTS,
  SUBKEY_HEADER_MAC,
  SUBKEY_PAYLOAD,
} from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { chunkNonce, chunkPlainSize, payloadSize } from "./framing.js";
import {
  checkKind,
  checkPartIndex,
  hashHeader,
  headerBody,
  headerSize,
  parseHeader,
  serializeHeader,
} from "./header.js";
import { blake2b, deriveSubkey, keyId } from "./keys.js";
import { paddedLength } from "./padding.js";
import { readySodium, sodium } from "./sodium.js";
import { Sha256 } from "./sha256.js";
import { bytesSource, readExactly } from "./source.js";

function checkBytes(value, size, what) {
  if (!(value instanceof Uint8Array) || value.length !== size) throw new TypeError(`${what} must be ${size} bytes`);
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * crypto_box_seal(fileKey, publicKey). With `ephemeralSecret` the sealed box is built from its
 * definition, epk || crypto_box_easy(m, BLAKE2b-192(epk || pk), pk, esk), which gives the
 * same bytes deterministically: for test vectors only (envelope/seal.py seal_file_key).
 */
export function sealFileKey(fileKey, publicKey, ephemeralSecret = null) {
  const s = readySodium();
  if (ephemeralSecret === null) return s.crypto_box_seal(fileKey, publicKey);
  checkBytes(ephemeralSecret, 32, "an ephemeral secret key");
  const epk = s.crypto_scalarmult_base(ephemeralSecret);
  const nonce = blake2b(concat(epk, publicKey), 24);
  return concat(epk, s.crypto_box_easy(fileKey, nonce, publicKey, ephemeralSecret));
}

/** Builds one envelope's header and seals its chunks. Await sodium() before constructing. */
export class Encryptor {
  #payloadKey;

  constructor({ kind, caseId, partIndex, contentLength, recipients, envelopeId, fileKey, ephemeralSecrets }) {
    const s = readySodium();
    checkKind(kind);
    if (!Array.isArray(recipients) || recipients.length === 0) throw new EnvelopeError("no_recipients");
    if (recipients.length > MAX_RECIPIENTS) throw new EnvelopeError("too_many_recipients");
    recipients.forEach((pk) => checkBytes(pk, 32, "a recipient public key"));
    checkBytes(caseId, ID_SIZE, "the case id");
    if (envelopeId !== undefined) checkBytes(envelopeId, ID_SIZE, "the envelope id");
    if (fileKey !== undefined) checkBytes(fileKey, FILE_KEY_SIZE, "the file key");
    if (ephemeralSecrets !== undefined && ephemeralSecrets.length !== recipients.length) {
      throw new TypeError("one ephemeral secret per recipient");
    }
    if (!Number.isInteger(partIndex) || partIndex < 0 || partIndex >= 2 ** 32) {
      throw new EnvelopeError("bad_part_index", "part index must fit in 32 bits");
    }
    checkPartIndex(kind, partIndex);
    const padded = paddedLength(contentLength);
    if (padded > MAX_PADDED_LENGTH) throw new EnvelopeError("too_large", `${contentLength} bytes is above the limit`);

    const key = fileKey ?? s.randombytes_buf(FILE_KEY_SIZE);
    const stanzas = recipients.map((pk, i) => ({
      keyId: keyId(pk),
      sealedKey: sealFileKey(key, pk, ephemeralSecrets?.[i] ?? null),
    }));
    const bytes = serializeHeader({
      kind,
      envelopeId: envelopeId ?? s.randombytes_buf(ID_SIZE),
      caseId,
      partIndex,
      paddedLength: padded,
      stanzas,
      mac: new Uint8Array(MAC_SIZE),
    });
    // Parsing what was just built yields the header object readers see (and checks it).
    const unsigned = parseHeader(bytes);
    bytes.set(blake2b(headerBody(unsigned), 32, deriveSubkey(key, SUBKEY_HEADER_MAC)), bytes.length - MAC_SIZE);

    this.header = parseHeader(bytes);
    this.headerBytes = this.header.bytes;
    this.headerHash = hashHeader(this.header);
    this.contentLength = contentLength;
    this.paddedLength = padded;
    this.chunkCount = this.header.chunkCount;
    this.envelopeSize = this.header.envelopeSize;
    this.#payloadKey = deriveSubkey(key, SUBKEY_PAYLOAD);
  }

  /** Seal chunk `index` of the padded plaintext (exactly its plaintext size). */
  sealChunk(index, paddedPlaintext) {
    const size = chunkPlainSize(this.paddedLength, index);
    if (paddedPlaintext.length !== size) throw new RangeError(`chunk ${index} is ${size} bytes`);
    const nonce = chunkNonce(index, index === this.chunkCount - 1);
    return readySodium().crypto_aead_xchacha20poly1305_ietf_encrypt(
      paddedPlaintext,
      this.headerHash,
      null,
      nonce,
      this.#payloadKey,
    );
  }
}

/**
 * Encrypt the content of `source` ({ size, read(offset, length) }) and hand the envelope to
 * `sink` piece by piece (the header, then each sealed chunk). `options` are the Encryptor's,
 * without contentLength (it is source.size). Returns what the manifest and the upload need.
 */
export async function sealStream(source, sink, options) {
  await sodium();
  const enc = new Encryptor({ ...options, contentLength: source.size });
  const contentHash = new Sha256();
  const envelopeHash = new Sha256();
  try {
    envelopeHash.update(enc.headerBytes);
    await sink(enc.headerBytes);
    // One reusable buffer for the chunks that are not pure content: the first (length
    // prefix) and the last (zero padding). Chunks in between are sealed as read.
    const scratch = new Uint8Array(Math.min(CHUNK_SIZE, enc.paddedLength));
    new DataView(scratch.buffer).setBigUint64(0, BigInt(source.size));
    let offset = 0;
    for (let i = 0; i < enc.chunkCount; i++) {
      const room = chunkPlainSize(enc.paddedLength, i);
      const head = i === 0 ? LENGTH_PREFIX_SIZE : 0;
      const want = Math.min(room - head, source.size - offset);
      const data = await readExactly(source, offset, want);
      if (data.length !== want) {
        const message = `the source ended ${source.size - offset - data.length} bytes early`;
        throw new EnvelopeError("input_length_mismatch", message);
      }
      contentHash.update(data);
      offset += want;
      let plain = data;
      if (head !== 0 || want !== room) {
        scratch.set(data, head);
        scratch.fill(0, head + want, room);
        plain = scratch.subarray(0, room);
      }
      const sealed = enc.sealChunk(i, plain);
      envelopeHash.update(sealed);
      await sink(sealed);
    }
    return {
      header: enc.header,
      headerBytes: enc.headerBytes,
      headerHash: enc.headerHash,
      envelopeSize: enc.envelopeSize,
      contentLength: source.size,
      contentSha256: contentHash.digest(),
      envelopeSha256: envelopeHash.digest(),
    };
  } finally {
    contentHash.dispose();
    envelopeHash.dispose();
  }
}

/** Encrypt content already in memory (messages, replies): the envelope and sealStream's result. */
export async function sealBytes(content, options) {
  await sodium();
  const envelope = new Uint8Array(headerSize(options.recipients.length) + payloadSize(paddedLength(content.length)));
  let filled = 0;
  const result = await sealStream(bytesSource(content), async (bytes) => {
    envelope.set(bytes, filled);
    filled += bytes.length;
  }, options);
  return { envelope, ...result };
}
