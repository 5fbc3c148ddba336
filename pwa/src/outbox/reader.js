// Reads a stored envelope back from the outbox by byte range, whatever the record size it was
// stored in (1 MiB) and whatever the piece size of its upload (64 KiB to 8 MiB).
import { Refused } from "./api.js";

/** Bytes [offset, offset + length) of a stored item. */
export async function readRange(db, item, offset, length) {
  const size = item.chunkSize;
  const first = Math.floor(offset / size);
  const last = Math.floor((offset + length - 1) / size);
  const records = first === last
    ? [await db.get("chunks", [item.itemId, first])]
    : await db.getAll("chunks", IDBKeyRange.bound([item.itemId, first], [item.itemId, last]));
  if (records.length !== last - first + 1 || records.some((r, i) => !r || r.index !== first + i)) {
    throw new Refused(0, "chunk_lost", `part of ${item.itemId} is missing on the phone`);
  }
  if (first === last) {
    const from = offset - first * size;
    const piece = records[0].data.subarray(from, from + length);
    if (piece.length !== length) throw new Refused(0, "chunk_lost", `${item.itemId} is shorter on the phone`);
    return piece;
  }
  const out = new Uint8Array(length);
  let filled = 0;
  for (const record of records) {
    const from = Math.max(0, offset + filled - record.index * size);
    const take = Math.min(record.data.length - from, length - filled);
    out.set(record.data.subarray(from, from + take), filled);
    filled += take;
  }
  if (filled !== length) throw new Refused(0, "chunk_lost", `${item.itemId} is shorter on the phone`);
  return out;
}
