// Writes a sealed envelope into the outbox as it is produced, in upload-sized chunks, so that
// neither the plaintext file nor the whole ciphertext ever sits in memory.
import { openOutbox } from "./db.js";
import { STATES } from "./store.js";

export const UPLOAD_CHUNK = 1024 * 1024; // resumes cheaply on a poor mobile link

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export class OutboxWriter {
  constructor({ itemId, caseId, kind, part, chunkSize = UPLOAD_CHUNK, db = null }) {
    Object.assign(this, { itemId, caseId, kind, part, chunkSize });
    this.db = db;
    this.buffer = new Uint8Array(chunkSize);
    this.filled = 0;
    this.index = 0;
    this.written = 0;
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
    if (this.filled === 0) return;
    await this.db.put("chunks", { itemId: this.itemId, index: this.index, data: this.buffer.slice(0, this.filled) });
    this.written += this.filled;
    this.index += 1;
    this.filled = 0;
  }

  /** Record the item once every chunk is stored: an item record always has all its bytes. */
  async finish({ headerBytes, envelopeSize, envelopeSha256, state = STATES.DRAFT }) {
    await this.flush();
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
    await this.db.put("items", item);
    return item;
  }

  /** Give up (encryption failed or was cancelled): remove what was written. */
  async abort() {
    this.db ??= await openOutbox();
    await this.db.delete("chunks", IDBKeyRange.bound([this.itemId, 0], [this.itemId, Infinity]));
  }
}
