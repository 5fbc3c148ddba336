// Writes a sealed envelope into the outbox as it is produced, in 1 MiB records, so that
// neither the plaintext file nor the whole ciphertext ever sits in memory.
//
// Storing overlaps with sealing: a record's put is started and the encryptor goes on with the
// next megabyte while IndexedDB commits it, with at most IN_FLIGHT records waiting (awaiting
// each put in turn left the crypto idle during every commit: docs/benchmarks.md). The records
// are written with relaxed durability and the item record last with strict durability: it
// reaches the disk only after every record before it, so an item record always has all its bytes.
import { openOutbox } from "./db.js";
import { STATES } from "./store.js";

export const UPLOAD_CHUNK = 1024 * 1024; // the stored record size (the upload's pieces are cut at send time)
export const IN_FLIGHT = 3;

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export class OutboxWriter {
  constructor({ itemId, caseId, kind, part, chunkSize = UPLOAD_CHUNK, db = null, inFlight = IN_FLIGHT }) {
    this.itemId = itemId;
    this.caseId = caseId;
    this.kind = kind;
    this.part = part;
    this.chunkSize = chunkSize;
    this.inFlight = inFlight;
    this.db = db;
    this.buffer = new Uint8Array(chunkSize);
    this.filled = 0;
    this.index = 0;
    this.written = 0;
    this.pending = new Set();
    this.failure = null;
  }

  /** The sink the encryptor calls with each sealed piece (the header first). */
  async write(bytes) {
    this.db ??= await openOutbox();
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.chunkSize - this.filled, bytes.length - offset);
      this.buffer.set(bytes.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.chunkSize) await this.flush();
    }
  }

  async flush() {
    if (this.failure) throw this.failure;
    if (this.filled === 0) return;
    // A full buffer is handed over whole and replaced (no copy); a last, partial one is cut.
    const data = this.filled === this.chunkSize ? this.buffer : this.buffer.slice(0, this.filled);
    if (data === this.buffer) this.buffer = new Uint8Array(this.chunkSize);
    const tx = this.db.transaction("chunks", "readwrite", { durability: "relaxed" });
    tx.objectStore("chunks").put({ itemId: this.itemId, index: this.index, data });
    const done = tx.done.catch((error) => {
      this.failure ??= error;
    }).finally(() => this.pending.delete(done));
    this.pending.add(done);
    this.written += this.filled;
    this.index += 1;
    this.filled = 0;
    while (this.pending.size >= this.inFlight) await Promise.race(this.pending);
    if (this.failure) throw this.failure;
  }

  /** Record the item once every chunk is stored: an item record always has all its bytes. */
  async finish({ headerBytes, envelopeSize, envelopeSha256, state = STATES.DRAFT }) {
    await this.flush();
    await Promise.all(this.pending);
    if (this.failure) throw this.failure;
    if (this.written !== envelopeSize) throw new Error(`wrote ${this.written} bytes, expected ${envelopeSize}`);
    const item = {
      itemId: this.itemId,
      caseId: this.caseId,
      kind: this.kind,
      part: this.part,
      size: envelopeSize,
      sha256: envelopeSha256,
      headerB64: toBase64(headerBytes),
      chunkSize: this.chunkSize,
      chunkCount: this.index,
      state,
    };
    const tx = this.db.transaction("items", "readwrite", { durability: "strict" });
    tx.objectStore("items").put(item);
    await tx.done;
    return item;
  }

  /** Give up (encryption failed or was cancelled): remove what was written. */
  async abort() {
    this.db ??= await openOutbox();
    await Promise.all(this.pending);
    await this.db.delete("chunks", IDBKeyRange.bound([this.itemId, 0], [this.itemId, Infinity]));
  }
}
