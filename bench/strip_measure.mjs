// Measures the phone's stripper on one file, in Node: node bench/strip_measure.mjs MEDIA_DIR FILE ROUNDS
// MEDIA_DIR is a copy of pwa/src/media (this version, or an older one for the baseline). Prints
// one JSON line: strip time and bytes the stripper read, then the time to read the cleaned file
// through (1 MiB pieces, as the sealing code does) against reading the picked file raw, the
// same way, in the same process.
import { openAsBlob } from "node:fs";
import { pathToFileURL } from "node:url";

const [mediaDir, file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 3);
const { stripMetadata } = await import(pathToFileURL(`${mediaDir}/strip.js`).href);
const PIECE = 1 << 20;

/** A Blob that counts what is read from it. */
function counting(blob) {
  const counter = { bytes: 0, reads: 0 };
  const wrap = (b) => ({
    size: b.size,
    type: b.type,
    slice(start, end) {
      const piece = b.slice(start, end);
      return {
        size: piece.size,
        async arrayBuffer() {
          counter.bytes += piece.size;
          counter.reads += 1;
          return piece.arrayBuffer();
        },
      };
    },
  });
  return { blob: wrap(blob), counter };
}

async function readThrough(source) {
  let total = 0;
  for (let offset = 0; offset < source.size; offset += PIECE) total += (await source.read(offset, PIECE)).length;
  return total;
}

const best = { strip: Infinity, read: Infinity, raw: Infinity };
let answer = null;
let read = null;
for (let round = 0; round < rounds; round++) {
  const file0 = await openAsBlob(file);
  const { blob, counter } = counting(file0);
  let t = performance.now();
  const result = await stripMetadata(blob, {});
  best.strip = Math.min(best.strip, performance.now() - t);
  read = { ...counter };
  answer = { status: result.status, removed: result.removed };
  if (result.status !== "cleaned") break;
  t = performance.now();
  await readThrough(result.source);
  best.read = Math.min(best.read, performance.now() - t);
  const raw = await openAsBlob(file);
  t = performance.now();
  let total = 0;
  for (let offset = 0; offset < raw.size; offset += PIECE) {
    total += (await raw.slice(offset, offset + PIECE).arrayBuffer()).byteLength;
  }
  best.raw = Math.min(best.raw, performance.now() - t);
}
console.log(JSON.stringify({ ...answer, stripMs: best.strip, strippedBytesRead: read.bytes, reads: read.reads,
  readCleanMs: best.read, readRawMs: best.raw, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
