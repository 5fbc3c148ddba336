// Sealing keeps memory bounded whatever the size: a 64 MiB source must go through with only a
// few chunks alive. Retained memory is sampled after forced garbage collections, so the test
// measures what the code keeps, not when V8 happens to collect.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { Kind } from "../../../pwa/src/crypto/constants.js";
import { sealStream } from "../../../pwa/src/crypto/seal.js";
import { sodium } from "../../../pwa/src/crypto/sodium.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const SIZE = 64 * 1024 * 1024;
const MiB = 1024 * 1024;

/** SIZE bytes of i mod 251, served as views of one small buffer: the source holds no content. */
function syntheticSource() {
  const pattern = new Uint8Array(65536 + 251);
  for (let i = 0; i < pattern.length; i++) pattern[i] = i % 251;
  return {
    size: SIZE,
    read: async (offset, length) => pattern.subarray(offset % 251, (offset % 251) + Math.min(length, SIZE - offset)),
  };
}

// Two collections: V8 frees ArrayBuffer memory on a background sweeper after the first one,
// and the second waits for it, so the numbers hold live memory only.
const retained = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
};

it("seals 64 MiB with memory far below the size", async () => {
  const s = await sodium();
  const { publicKey } = s.crypto_box_keypair();
  const options = { kind: Kind.ATTACHMENT, caseId: new Uint8Array(16), partIndex: 1, recipients: [publicKey] };
  const before = retained();
  let peak = { heapUsed: 0, arrayBuffers: 0 };
  let pieces = 0;
  let written = 0;
  const result = await sealStream(syntheticSource(), async (bytes) => {
    written += bytes.length;
    if (++pieces % 64 === 0) {
      const now = retained();
      peak = {
        heapUsed: Math.max(peak.heapUsed, now.heapUsed),
        arrayBuffers: Math.max(peak.arrayBuffers, now.arrayBuffers),
      };
    }
  }, options);
  expect(written).toBe(result.envelopeSize);
  expect(result.contentLength).toBe(SIZE);
  expect(peak.heapUsed - before.heapUsed).toBeLessThan(4 * MiB);
  expect(peak.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * MiB);
  console.info(
    `sealing 64 MiB retained at most +${((peak.heapUsed - before.heapUsed) / MiB).toFixed(2)} MiB heap, ` +
      `+${((peak.arrayBuffers - before.arrayBuffers) / MiB).toFixed(2)} MiB array buffers`,
  );
});

it("reports sealing throughput (for information, not asserted)", async () => {
  const s = await sodium();
  const { publicKey } = s.crypto_box_keypair();
  const options = { kind: Kind.ATTACHMENT, caseId: new Uint8Array(16), partIndex: 1, recipients: [publicKey] };
  let written = 0;
  const started = performance.now();
  const result = await sealStream(syntheticSource(), async (bytes) => {
    written += bytes.length;
  }, options);
  const seconds = (performance.now() - started) / 1000;
  expect(written).toBe(result.envelopeSize);
  console.info(`sealed 64 MiB in ${seconds.toFixed(2)} s: ${(SIZE / 1e6 / seconds).toFixed(0)} MB/s`);
});
