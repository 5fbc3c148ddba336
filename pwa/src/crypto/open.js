// Decryption with X25519 private keys (docs/envelope.md, section 8): the citizen opens the
// operators' replies with the receipt's key; tests open what the phone seals.
import { LENGTH_PREFIX_SIZE, MAX_PADDED_LENGTH, SUBKEY_HEADER_MAC, SUBKEY_PAYLOAD, TAG_SIZE } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { chunkNonce, chunkPlainSize } from "./framing.js";
import { hashHeader, headerBody, readHeader } from "./header.js";
import { blake2b, deriveSubkey, keyId } from "./keys.js";
import { paddedLength } from "./padding.js";
import { Sha256 } from "./sha256.js";
import { readySodium, sodium } from "./sodium.js";
import { bytesSource, readExactly } from "./source.js";

/**
 * Find our stanza, open the file key, and check the header MAC before anything else.
 * `identities` are X25519 key pairs { publicKey, secretKey }. Returns { fileKey, keyId }.
 */
export function unseal(header, identities) {
  const s = readySodium();
  const ours = new Map(identities.map((identity) => [s.to_hex(keyId(identity.publicKey)), identity]));
  let matched = false;
  for (const stanza of header.stanzas) {
    const identity = ours.get(s.to_hex(stanza.keyId));
    if (identity === undefined) continue;
    matched = true;
    let fileKey;
    try {
      fileKey = s.crypto_box_seal_open(stanza.sealedKey, identity.publicKey, identity.secretKey);
    } catch {
      continue; // another of our keys may open a later stanza
    }
    const mac = blake2b(headerBody(header), 32, deriveSubkey(fileKey, SUBKEY_HEADER_MAC));
    if (!s.memcmp(mac, header.mac)) throw new EnvelopeError("header_mac_mismatch");
    return { fileKey, keyId: stanza.keyId.slice() };
  }
  throw new EnvelopeError(matched ? "unseal_failed" : "no_matching_recipient");
}

/**
 * Decrypt the envelope in `source` ({ size, read }), handing the content to `sink` as it goes.
 * Memory stays at about two chunks whatever the size. Content handed to the sink must not be
 * trusted until this resolves: a later chunk may still fail.
 */
export async function decryptStream(source, identities, sink, { maxPaddedLength = MAX_PADDED_LENGTH } = {}) {
  const s = await sodium();
  const header = await readHeader(source, { maxPaddedLength });
  const { fileKey, keyId: openedWith } = unseal(header, identities);
  const headerHash = hashHeader(header);
  const key = deriveSubkey(fileKey, SUBKEY_PAYLOAD);
  const digest = new Sha256();
  try {
    let offset = header.size;
    let contentLength = 0;
    let contentLeft = 0;
    for (let i = 0; i < header.chunkCount; i++) {
      const want = chunkPlainSize(header.paddedLength, i) + TAG_SIZE;
      const sealed = await readExactly(source, offset, want);
      if (sealed.length !== want) {
        throw new EnvelopeError("truncated", `the envelope ends inside chunk ${i} of ${header.chunkCount}`);
      }
      offset += want;
      let plain;
      try {
        const nonce = chunkNonce(i, i === header.chunkCount - 1);
        plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, headerHash, nonce, key);
      } catch {
        throw new EnvelopeError("chunk_auth_failed", `chunk ${i} failed authentication`);
      }
      if (i === 0) {
        contentLength = lengthPrefix(plain, header.paddedLength);
        contentLeft = contentLength;
        plain = plain.subarray(LENGTH_PREFIX_SIZE);
      }
      const take = Math.min(contentLeft, plain.length);
      if (take > 0) {
        const piece = plain.subarray(0, take);
        digest.update(piece);
        await sink(piece);
        contentLeft -= take;
      }
      if (!s.is_zero(plain.subarray(take))) throw new EnvelopeError("bad_padding", "padding bytes are not zero");
    }
    if (offset < source.size) throw new EnvelopeError("trailing_data");
    return { header, headerHash, contentLength, contentSha256: digest.digest(), keyId: openedWith };
  } finally {
    digest.dispose();
  }
}

/** The content length of the first chunk's prefix, which must pad to exactly `padded`. */
function lengthPrefix(firstChunk, padded) {
  const claimed = new DataView(firstChunk.buffer, firstChunk.byteOffset, LENGTH_PREFIX_SIZE).getBigUint64(0);
  // A u64 may exceed 2^53; anything above the padded length is wrong before it becomes a Number.
  if (claimed > BigInt(padded) || paddedLength(Number(claimed)) !== padded) {
    throw new EnvelopeError("bad_padding", "the length prefix does not match the padded length");
  }
  return Number(claimed);
}

/** Open an envelope held in memory: its content and decryptStream's result. */
export async function openEnvelope(envelope, identities, options) {
  const pieces = [];
  const result = await decryptStream(bytesSource(envelope), identities, async (piece) => pieces.push(piece), options);
  const content = new Uint8Array(result.contentLength);
  let filled = 0;
  for (const piece of pieces) {
    content.set(piece, filled);
    filled += piece.length;
  }
  return { content, ...result };
}
