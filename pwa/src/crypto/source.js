// Byte sources: `{ size, read(offset, length) → Promise<Uint8Array> }`, the shape the media
// code hands over (a file, a Blob, bytes being patched while read). A read may return fewer
// bytes than asked; only an empty read means the source has ended.

/** Read `length` bytes at `offset`; shorter only if the source ends first. */
export async function readExactly(source, offset, length) {
  const first = length === 0 ? new Uint8Array(0) : await source.read(offset, length);
  if (first.length === length || first.length === 0) return first;
  const out = new Uint8Array(length);
  out.set(first);
  let filled = first.length;
  while (filled < length) {
    const piece = await source.read(offset + filled, length - filled);
    if (piece.length === 0) return out.subarray(0, filled);
    out.set(piece, filled);
    filled += piece.length;
  }
  return out;
}

/** A source over bytes already in memory (small envelopes: messages, replies, tests). */
export function bytesSource(bytes) {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}
