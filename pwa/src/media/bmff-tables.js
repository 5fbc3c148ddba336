// Where a track's samples lie in an MP4/QuickTime file, from its sample tables: stsc (samples
// per chunk), stsz or stz2 (sample sizes), stco or co64 (chunk offsets, 32 or 64 bits). bmff.js
// uses it to zero the samples of timed metadata tracks (GPS telemetry, subtitles...).
import { check, view } from "./bytes.js";

export const SAMPLE_TABLES = ["stsc", "stsz", "stz2", "stco", "co64"];

/**
 * Sample sizes as { count, uniform, at(i) }: a uniform size is never expanded into a list.
 * @param {{ [table: string]: Uint8Array }} tables
 */
function sampleSizes({ stsz, stz2 }) {
  if (stsz) {
    const dv = view(stsz);
    const [uniform, count] = [dv.getUint32(4), dv.getUint32(8)];
    check(uniform !== 0 || 12 + count * 4 <= stsz.length, "short stsz box");
    return { count, uniform, at: (i) => dv.getUint32(12 + i * 4) };
  }
  const dv = view(stz2);
  const [bits, count] = [stz2[7], dv.getUint32(8)];
  check([4, 8, 16].includes(bits) && 12 + Math.ceil((count * bits) / 8) <= stz2.length, "bad stz2 box");
  const at = (i) => {
    if (bits === 16) return dv.getUint16(12 + i * 2);
    if (bits === 8) return stz2[12 + i];
    return (stz2[12 + (i >> 1)] >> (i & 1 ? 0 : 4)) & 0x0f;
  };
  return { count, uniform: 0, at };
}

/** @param {{ [table: string]: Uint8Array }} tables */
function chunkOffsets({ stco, co64 }) {
  const table = stco ?? co64;
  const dv = view(table);
  const count = dv.getUint32(4);
  const width = stco ? 4 : 8;
  check(8 + count * width <= table.length, "short chunk offset box");
  const offsets = new Float64Array(count);
  for (let i = 0; i < count; i++) offsets[i] = stco ? dv.getUint32(8 + i * 4) : Number(dv.getBigUint64(8 + i * 8));
  return offsets;
}

/**
 * [start, end) byte ranges in one growing Float64Array: a long video has tens of thousands of
 * chunks, and an array per range would keep the garbage collector busy for seconds on a phone.
 */
export class Ranges {
  constructor() {
    this.data = new Float64Array(256);
    this.length = 0;
  }

  add(start, end) {
    if (end <= start) return;
    if (2 * this.length + 2 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * this.length] = start;
    this.data[2 * this.length + 1] = end;
    this.length += 1;
  }

  /** The union, sorted, as [start, end] pairs (merged ranges are few: one per gap at most). */
  union() {
    const { data } = this;
    const order = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) order[i] = i;
    let sorted = true;
    for (let i = 1; i < this.length && sorted; i++) sorted = data[2 * i] >= data[2 * i - 2];
    if (!sorted) order.sort((a, b) => data[2 * a] - data[2 * b]);
    const merged = [];
    for (const i of order) {
      const [start, end] = [data[2 * i], data[2 * i + 1]];
      const last = merged.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  }
}

/**
 * Add to `ranges` the [start, end) of each chunk of a track's samples.
 * @param {{ [table: string]: Uint8Array }} tables payloads of the track's sample tables, by box type
 * @param {Ranges} ranges where to add them
 */
export function chunkRanges(tables, ranges) {
  check(tables.stsc && (tables.stsz || tables.stz2) && (tables.stco || tables.co64), "a track without sample tables");
  const sizes = sampleSizes(tables);
  const offsets = chunkOffsets(tables);
  const stsc = view(tables.stsc);
  const runs = stsc.getUint32(4);
  check(8 + runs * 12 <= tables.stsc.length, "short stsc box");
  let sample = 0;
  for (let r = 0; r < runs; r++) {
    // Each run gives the first chunk (1-based) it applies to; it lasts until the next run's.
    const first = stsc.getUint32(8 + r * 12) - 1;
    const next = r + 1 < runs ? stsc.getUint32(8 + (r + 1) * 12) - 1 : offsets.length;
    const perChunk = stsc.getUint32(12 + r * 12);
    check(first >= 0 && first <= next && next <= offsets.length, "inconsistent stsc box");
    for (let chunk = first; chunk < next; chunk++) {
      check(sample + perChunk <= sizes.count, "stsc names more samples than stsz");
      let length = perChunk * sizes.uniform;
      for (let k = 0; !sizes.uniform && k < perChunk; k++) length += sizes.at(sample + k);
      sample += perChunk;
      ranges.add(offsets[chunk], offsets[chunk] + length);
    }
  }
}
