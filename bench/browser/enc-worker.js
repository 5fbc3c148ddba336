// The encryption benchmark's worker (bench/browser_bench.py): the app's envelope encryption
// (pwa/src/crypto/seal.js sealStream, reading a Blob 64 KiB at a time as the app's crypto
// worker does), and the baselines over the same bytes. Bundled with esbuild at run time.
import * as openpgp from "openpgp";
import { Kind } from "../../pwa/src/crypto/constants.js";
import { sealStream } from "../../pwa/src/crypto/seal.js";
import { readSequential } from "../../pwa/src/media/source.js";
import { readySodium, sodium } from "../../pwa/src/crypto/sodium.js";
import { OutboxWriter } from "../../pwa/src/outbox/writer.js";
import { openOutbox } from "../../pwa/src/outbox/db.js";

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;
let blob = null;
let piece = null; // the random 1 MiB the Blob repeats: the in-memory baselines go over it
let pgpKeys = null;

function randomPiece() {
  const out = new Uint8Array(MiB);
  for (let i = 0; i < MiB; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** As the app's crypto worker reads a picked file (pwa/src/worker/crypto-worker.js blobSource):
 * 64 KiB reads served from a 1 MiB read-ahead window (media/source.js readSequential). */
function blobSource(b) {
  return { size: b.size, read: (offset, length) => readSequential(b, offset, length) };
}

/** Every 64 KiB piece of `bytes` bytes of the repeated 1 MiB, in order. */
function* pieces(bytes) {
  for (let done = 0; done < bytes; done += PIECE) {
    const at = done % MiB;
    yield piece.subarray(at, at + Math.min(PIECE, bytes - done));
  }
}

const recipients = () => [readySodium().crypto_box_keypair().publicKey, readySodium().crypto_box_keypair().publicKey];
const sealOptions = () => ({ kind: Kind.ATTACHMENT, caseId: readySodium().randombytes_buf(16), partIndex: 1,
  recipients: recipients(), envelopeId: readySodium().randombytes_buf(16) });

const runs = {
  async tipline() {
    let out = 0;
    const result = await sealStream(blobSource(blob), async (bytes) => { out += bytes.length; }, sealOptions());
    return { outBytes: out, envelopeSize: result.envelopeSize };
  },

  async "tipline-outbox"() {
    const itemId = readySodium().to_hex(readySodium().randombytes_buf(16));
    const writer = new OutboxWriter({ itemId, caseId: "bench", kind: "attachment", part: 1 });
    const result = await sealStream(blobSource(blob), (bytes) => writer.write(bytes), sealOptions());
    await writer.finish({ headerBytes: result.headerBytes, envelopeSize: result.envelopeSize, envelopeSha256: "",
      state: "draft" });
    return { outBytes: writer.written, envelopeSize: result.envelopeSize, cleanup: itemId };
  },

  // The outbox's writer as the app uses it (records put while the next megabyte is sealed), and
  // as it was before (each put awaited before sealing goes on): seal-and-store, 1 MiB records.
  async "tipline-outbox-serial"() {
    const itemId = readySodium().to_hex(readySodium().randombytes_buf(16));
    const writer = new OutboxWriter({ itemId, caseId: "bench", kind: "attachment", part: 1, inFlight: 1 });
    const result = await sealStream(blobSource(blob), (bytes) => writer.write(bytes), sealOptions());
    await writer.finish({ headerBytes: result.headerBytes, envelopeSize: result.envelopeSize, envelopeSha256: "",
      state: "draft" });
    return { outBytes: writer.written, envelopeSize: result.envelopeSize, cleanup: itemId };
  },

  // The alternative: the ciphertext in the Origin Private File System, written through a
  // synchronous access handle from this worker (1 MiB writes), flushed at the end.
  async "tipline-opfs"() {
    const name = `bench-${readySodium().to_hex(readySodium().randombytes_buf(8))}`;
    const root = await navigator.storage.getDirectory();
    const file = await root.getFileHandle(name, { create: true });
    const handle = await file.createSyncAccessHandle();
    let at = 0;
    let buffer = new Uint8Array(MiB);
    let filled = 0;
    const flush = () => {
      handle.write(buffer.subarray(0, filled), { at });
      at += filled;
      filled = 0;
    };
    try {
      const result = await sealStream(blobSource(blob), async (bytes) => {
        let offset = 0;
        while (offset < bytes.length) {
          const take = Math.min(MiB - filled, bytes.length - offset);
          buffer.set(bytes.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === MiB) flush();
        }
      }, sealOptions());
      flush();
      handle.flush();
      return { outBytes: at, envelopeSize: result.envelopeSize };
    } finally {
      handle.close();
      buffer = null;
      await root.removeEntry(name);
    }
  },

  // Storage alone, no crypto: the same number of 1 MiB records into IndexedDB (each put awaited,
  // or up to three in flight as the writer does), or into an OPFS file.
  async "idb-serial"() { return storeOnly(1); },
  async "idb-overlapped"() { return storeOnly(3); },
  async "opfs-only"() {
    const root = await navigator.storage.getDirectory();
    const name = `bench-raw-${readySodium().to_hex(readySodium().randombytes_buf(8))}`;
    const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
    try {
      for (let at = 0; at < blob.size; at += MiB) handle.write(piece, { at });
      handle.flush();
      return { outBytes: blob.size };
    } finally {
      handle.close();
      await root.removeEntry(name);
    }
  },

  async webcrypto() {
    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const iv = new Uint8Array(12);
    const view = new DataView(iv.buffer);
    let out = 0;
    let n = 0;
    const t0 = performance.now();
    for (const p of pieces(blob.size)) {
      view.setUint32(8, n++);
      out += (await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, p)).byteLength;
    }
    return { outBytes: out, ms: performance.now() - t0 };
  },

  async "sodium-raw"() {
    const s = readySodium();
    const key = s.randombytes_buf(32);
    const nonce = new Uint8Array(24);
    let out = 0;
    const t0 = performance.now();
    for (const p of pieces(blob.size)) out += s.crypto_aead_xchacha20poly1305_ietf_encrypt(p, null, null, nonce, key).length;
    return { outBytes: out, ms: performance.now() - t0 };
  },

  async "sodium-sha256"() {
    const s = readySodium();
    const state = s.crypto_hash_sha256_init();
    const t0 = performance.now();
    for (const p of pieces(blob.size)) s.crypto_hash_sha256_update(state, p);
    s.crypto_hash_sha256_final(state);
    return { outBytes: 0, ms: performance.now() - t0 };
  },

  async "blob-read"() {
    const src = blobSource(blob);
    let out = 0;
    for (let at = 0; at < blob.size; at += PIECE) out += (await src.read(at, Math.min(PIECE, blob.size - at))).length;
    return { outBytes: out };
  },

  async "blob-read-1m"() {
    let out = 0;
    for (let at = 0; at < blob.size; at += MiB) out += (await blob.slice(at, at + MiB).arrayBuffer()).byteLength;
    return { outBytes: out };
  },

  async openpgp() {
    const src = blobSource(blob);
    let at = 0;
    const input = new ReadableStream({
      async pull(controller) {
        if (at >= blob.size) { controller.close(); return; }
        const n = Math.min(PIECE, blob.size - at);
        controller.enqueue(await src.read(at, n));
        at += n;
      },
    }, { highWaterMark: 1 });
    const message = await openpgp.createMessage({ binary: input });
    const encrypted = await openpgp.encrypt({ message, encryptionKeys: pgpKeys.publicKey, format: "binary" });
    const reader = encrypted.getReader();
    let out = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out += value.length;
    }
    return { outBytes: out };
  },
};

async function storeOnly(inFlight) {
  const itemId = readySodium().to_hex(readySodium().randombytes_buf(16));
  const writer = new OutboxWriter({ itemId, caseId: "bench", kind: "attachment", part: 1, inFlight });
  for (let at = 0; at < blob.size; at += MiB) await writer.write(piece.subarray(0, Math.min(MiB, blob.size - at)));
  await writer.finish({ headerBytes: new Uint8Array(1), envelopeSize: blob.size, envelopeSha256: "", state: "draft" });
  return { outBytes: writer.written, cleanup: itemId };
}

const setup = {
  async blob({ mib }) {
    piece ??= randomPiece();
    blob = new Blob(Array.from({ length: mib }, () => piece));
    return { size: blob.size };
  },
  async openpgpKey() {
    const { privateKey, publicKey } = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy",
      userIDs: [{ name: "bench" }], format: "object" });
    pgpKeys = { privateKey, publicKey };
    return { algorithm: publicKey.getAlgorithmInfo(), version: publicKey.keyPacket.version,
      openpgp: openpgp.config.versionString, aeadProtect: openpgp.config.aeadProtect };
  },
  async wasm() {
    return { wasmBytes: readySodium().libsodium.HEAPU8.length };
  },
  async forget({ itemId }) {
    const db = await openOutbox();
    await db.delete("chunks", IDBKeyRange.bound([itemId, 0], [itemId, Infinity]));
    await db.delete("items", itemId);
    return {};
  },
};

self.onmessage = async ({ data }) => {
  const { id, op, args } = data;
  try {
    await sodium();
    if (setup[op]) {
      self.postMessage({ id, ok: true, value: await setup[op](args ?? {}) });
      return;
    }
    const t0 = performance.now();
    const value = await runs[op](args ?? {});
    const ms = performance.now() - t0;
    if (value.cleanup) await setup.forget({ itemId: value.cleanup });
    self.postMessage({ id, ok: true, value: { bytes: blob.size, ms: value.ms ?? ms, wallMs: ms, ...value,
      wasmBytes: readySodium().libsodium.HEAPU8.length } });
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.stack ?? error) });
  }
};
