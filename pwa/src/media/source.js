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

// Each Blob.slice().arrayBuffer() costs a round trip to the browser's blob store: 64 KiB reads
// top out near 50 MB/s, 1 MiB reads reach about 170 MB/s (docs/benchmarks.md). So streaming
// reads (sealing) fetch at least READ_AHEAD bytes and keep them for the next reads: one window
// per Blob, dropped with it. Parsers use readBlob: they read small headers, never ahead.
export const READ_AHEAD = 1024 * 1024;
const windows = new WeakMap();

/** readBlob for sequential streaming: the same bytes, read a window at a time. */
export async function readSequential(blob, offset, length) {
  const end = Math.min(offset + length, blob.size);
  let window = windows.get(blob);
  if (!window || offset < window.start || end > window.start + window.bytes.length) {
    const bytes = new Uint8Array(await blob.slice(offset, Math.max(end, offset + READ_AHEAD)).arrayBuffer());
    window = { start: offset, bytes };
    windows.set(blob, window);
  }
  // a copy: callers own what they get, and may hand it on (or transfer it) without touching the window
  return window.bytes.slice(offset - window.start, Math.max(offset, end) - window.start);
}

async function readPart(part, from, to) {
  if (part.bytes) return part.bytes.subarray(from, to);
  if (!part.blob) return new Uint8Array(to - from);
  const bytes = await readSequential(part.blob, part.start + from, to - from);
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
