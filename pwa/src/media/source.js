// The cleaned file as a byte source, `{ size, read(offset, length) }` (the shape the sealing
// code reads, see crypto/source.js). A cleaned file is a list of parts laid end to end:
// bytes in memory (an image, a patched header), a range of the picked Blob read only when
// asked (a video's media data), or a run of zeros (a neutralised metadata box). So a 500 MB
// video is streamed from the picked file, never loaded whole.

/** Bytes held in memory. */
export const bytesPart = (bytes) => ({ length: bytes.length, bytes });

/** Bytes [start, end) of a Blob, read on demand. */
export const blobPart = (blob, start, end) => ({ length: end - start, blob, start });

/** `length` zero bytes, never allocated whole. */
export const zeroPart = (length) => ({ length });

/** Read up to `length` bytes of a Blob at `offset` (fewer at its end). */
export async function readBlob(blob, offset, length) {
  return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
}

async function readPart(part, from, to) {
  if (part.bytes) return part.bytes.subarray(from, to);
  if (!part.blob) return new Uint8Array(to - from);
  const bytes = await readBlob(part.blob, part.start + from, to - from);
  // The picked file shrank since it was parsed: sealing a different file would be worse than failing.
  if (bytes.length !== to - from) throw new Error("the file changed while it was being read");
  return bytes;
}

/** A source reading the parts in order; read() returns exactly the bytes asked, up to the end. */
export function partsSource(parts) {
  const list = parts.filter((p) => p.length > 0);
  const starts = [];
  let size = 0;
  for (const part of list) {
    starts.push(size);
    size += part.length;
  }
  const partAt = (offset) => {
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    size,
    async read(offset, length) {
      const end = Math.min(offset + length, size);
      if (!(offset >= 0 && offset < end)) return new Uint8Array(0);
      const pieces = [];
      for (let i = partAt(offset), pos = offset; pos < end; i++) {
        const from = pos - starts[i];
        const to = Math.min(list[i].length, end - starts[i]);
        pieces.push(await readPart(list[i], from, to));
        pos = starts[i] + to;
      }
      if (pieces.length === 1) return pieces[0];
      const out = new Uint8Array(end - offset);
      let filled = 0;
      for (const piece of pieces) {
        out.set(piece, filled);
        filled += piece.length;
      }
      return out;
    },
  };
}

/** All the bytes of a (small) source, e.g. a cleaned photo. */
export async function readAll(source) {
  const out = new Uint8Array(source.size);
  let filled = 0;
  while (filled < source.size) {
    const piece = await source.read(filled, source.size - filled);
    if (piece.length === 0) throw new Error("the source ended before its size");
    out.set(piece, filled);
    filled += piece.length;
  }
  return out;
}
