// Payload framing: how many chunks, how big, which nonce (docs/envelope.md, section 5).
import { CHUNK_SIZE, NONCE_SIZE, TAG_SIZE } from "./constants.js";

export function chunkCount(paddedLength) {
  return Math.ceil(paddedLength / CHUNK_SIZE);
}

/** Plaintext size of chunk `index`: 65536 for every chunk but the last. */
export function chunkPlainSize(paddedLength, index) {
  const n = chunkCount(paddedLength);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`no chunk ${index} of ${n}`);
  return index < n - 1 ? CHUNK_SIZE : paddedLength - CHUNK_SIZE * (n - 1);
}

export function payloadSize(paddedLength) {
  return paddedLength + TAG_SIZE * chunkCount(paddedLength);
}

/** 15 zero bytes, the chunk counter as u64 big-endian, then 0x01 on the last chunk. */
export function chunkNonce(index, last) {
  const nonce = new Uint8Array(NONCE_SIZE);
  const view = new DataView(nonce.buffer);
  view.setBigUint64(NONCE_SIZE - 9, BigInt(index));
  nonce[NONCE_SIZE - 1] = last ? 1 : 0;
  return nonce;
}
