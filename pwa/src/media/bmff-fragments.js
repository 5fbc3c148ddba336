// Where the samples of a fragmented MP4 lie: each movie fragment ('moof') lists, per track
// ('traf'), runs of samples ('trun') with their sizes, from a base offset set by the track
// fragment header ('tfhd') or implied by the fragment (ISO/IEC 14496-12, 8.8.7 and 8.8.8).
import { check } from "./bytes.js";
import { Reader, readBoxes } from "./bmff-boxes.js";

const BASE_DATA_OFFSET = 0x000001;
const DESCRIPTION_INDEX = 0x000002;
const DEFAULT_DURATION = 0x000008;
const DEFAULT_SIZE = 0x000010;
const DEFAULT_FLAGS = 0x000020;
const BASE_IS_MOOF = 0x020000;

/** Default sample sizes by track, from the trex boxes of the movie's mvex. */
export function trackDefaults(bytes) {
  const defaults = new Map();
  for (const box of readBoxes(bytes, 0, bytes.length).filter((b) => b.type === "trex")) {
    const r = new Reader(bytes, box.payload + 4, box.end);
    const track = r.u32();
    r.u32(); // sample description index
    r.u32(); // duration
    defaults.set(track, r.u32());
  }
  return defaults;
}

function parseTfhd(bytes, box) {
  const r = new Reader(bytes, box.payload, box.end);
  r.u8();
  const flags = r.uint(3);
  const tfhd = { track: r.u32(), flags, base: null, size: null };
  if (flags & BASE_DATA_OFFSET) tfhd.base = r.uint(8);
  if (flags & DESCRIPTION_INDEX) r.u32();
  if (flags & DEFAULT_DURATION) r.u32();
  if (flags & DEFAULT_SIZE) tfhd.size = r.u32();
  if (flags & DEFAULT_FLAGS) r.u32();
  return tfhd;
}

/** The runs of one trun box: [{ offset (relative to the base, or null: after the previous run), sizes }]. */
function parseTrun(bytes, box, defaultSize) {
  const r = new Reader(bytes, box.payload, box.end);
  r.u8();
  const flags = r.uint(3);
  const count = r.u32();
  let offset = null;
  if (flags & 0x001) {
    offset = r.u32();
    if (offset >= 2 ** 31) offset -= 2 ** 32; // signed
  }
  if (flags & 0x004) r.u32();
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (flags & 0x100) r.u32();
    const size = flags & 0x200 ? r.u32() : defaultSize;
    check(size !== null, "a fragment sample without a size");
    total += size;
    if (flags & 0x400) r.u32();
    if (flags & 0x800) r.u32();
  }
  return { offset, length: total };
}

/**
 * @param {Uint8Array} bytes the moof box, whole
 * @param {number} moofStart its offset in the file
 * @param {number} payload where its children start in `bytes` (8, or 16 after a 64-bit size)
 * @param {Map<number, number>} defaults trex default sample sizes by track
 * @returns {Array<{ track: number, start: number, end: number, implicitBase: boolean,
 *   ranges: Array<[number, number]> }>} each traf: its place in the file (start, end) and the
 *   [offset, length] of its sample runs
 */
export function fragmentRanges(bytes, moofStart, payload, defaults) {
  const trafs = [];
  let previousEnd = moofStart; // the implied base of a traf that sets none: where the previous one's data ended
  for (const traf of readBoxes(bytes, payload, bytes.length).filter((b) => b.type === "traf")) {
    const children = readBoxes(bytes, traf.payload, traf.end);
    const tfhdBox = children.find((b) => b.type === "tfhd");
    check(tfhdBox, "a track fragment without header");
    const tfhd = parseTfhd(bytes, tfhdBox);
    const implicitBase = !(tfhd.flags & (BASE_DATA_OFFSET | BASE_IS_MOOF));
    const base = tfhd.base ?? (tfhd.flags & BASE_IS_MOOF ? moofStart : previousEnd);
    const defaultSize = tfhd.size ?? defaults.get(tfhd.track) ?? null;
    /** @type {[number, number][]} */
    const ranges = [];
    let next = base;
    for (const trun of children.filter((b) => b.type === "trun")) {
      const run = parseTrun(bytes, trun, defaultSize);
      const start = run.offset === null ? next : base + run.offset;
      check(start >= 0, "a fragment run before the start of the file");
      ranges.push([start, run.length]);
      next = start + run.length;
    }
    previousEnd = next;
    trafs.push({ track: tfhd.track, start: moofStart + traf.start, end: moofStart + traf.end, implicitBase, ranges });
  }
  return trafs;
}
