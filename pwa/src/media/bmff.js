// MP4 and QuickTime (ISO base media file format): metadata is neutralised IN PLACE. The sample
// tables (stco/co64) hold absolute file offsets of the media data, so removing or resizing any
// box would shift them; instead a metadata box is renamed 'free' and its payload zeroed, which
// every player skips. Only box headers and the small boxes we patch are read through
// blob.slice; the media data (mdat) is never read, and the cleaned file is the picked Blob
// with a list of patches applied while it is read (source.js).
//
// Walked levels (file, moov, trak, mdia, moof, traf) keep a whitelist of structural boxes;
// every other box there (udta, meta, uuid incl. XMP, ©xyz/loci, Xtra, vendor boxes) is
// neutralised. free/skip payloads are zeroed too: editors leave old metadata in them.
// mvhd/tkhd/mdhd creation and modification times are zeroed. Timed metadata tracks (GPS
// telemetry, Apple 'mebx', subtitles, timecode: any track that is not video or sound) keep
// their boxes but their samples in mdat are zeroed.
import { SAMPLE_TABLES, chunkRanges } from "./bmff-tables.js";
import { Unsupported, check, isAllZero, latin1, view } from "./bytes.js";
import { keywordKeys } from "./keywords.js";
import { blobPart, bytesPart, readBlob, zeroPart } from "./source.js";

const KEEP = {
  file: new Set(["ftyp", "styp", "moov", "mdat", "moof", "mfra", "sidx", "ssix"]),
  moov: new Set(["mvhd", "trak", "mvex", "iods"]),
  trak: new Set(["tkhd", "tref", "trgr", "edts", "mdia", "tapt", "load", "clip", "matt", "txas", "imap"]),
  mdia: new Set(["mdhd", "hdlr", "minf", "elng"]),
  moof: new Set(["mfhd", "traf"]),
  traf: new Set(["tfhd", "tfdt", "trun", "sdtp", "sbgp", "sgpd", "subs", "saiz", "saio", "senc"]),
};
const EMPTY = new Set(["free", "skip", "wide"]);
const TIMES = new Set(["mvhd", "tkhd", "mdhd"]);
const AV_HANDLERS = new Set(["vide", "soun"]);
const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";
const FREE = Uint8Array.of(0x66, 0x72, 0x65, 0x65);
// How much of a neutralised box is read to tell the citizen what it held.
const INSPECT_BYTES = 1 << 20;
// The sample tables of a metadata track are read whole to find its samples.
const MAX_TABLES = 64 << 20;
// Video keys for what images call "gps" and "datetime".
const VIDEO_KEYS = { gps: "location", datetime: "creation_time" };

/** The box at `pos`, or null if no valid box header fits in [pos, limit). */
async function readBox(blob, pos, limit) {
  if (limit - pos < 8) return null;
  const head = await readBlob(blob, pos, 8);
  const size32 = view(head).getUint32(0);
  const box = { type: latin1(head, 4, 8), start: pos, payload: pos + 8, end: pos + size32 };
  if (size32 === 1) {
    if (limit - pos < 16) return null;
    const large = view(await readBlob(blob, pos + 8, 8)).getBigUint64(0);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    box.payload = pos + 16;
    box.end = pos + Number(large);
  } else if (size32 === 0) {
    box.end = limit; // "to the end of the file" (or of the parent)
  }
  if (box.end < box.payload || box.end > limit) return null;
  if (box.type === "uuid") {
    if (box.end - box.payload < 16) return null;
    box.uuid = [...(await readBlob(blob, box.payload, 16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return box;
}

class Cleaner {
  constructor(blob) {
    this.blob = blob;
    this.patches = []; // { start, end, bytes? } (no bytes: zeros)
    this.removed = new Set();
    this.tracks = [];
    this.mdats = [];
    this.fragmented = false;
    this.movie = false;
  }

  zero(start, end) {
    if (end > start) this.patches.push({ start, end });
  }

  async children(level, start, end, track) {
    for (let pos = start; pos < end;) {
      const box = await readBox(this.blob, pos, end);
      if (!box) {
        // QuickTime may end a container with a 32-bit zero terminator.
        check(end - pos < 8 && isAllZero(await readBlob(this.blob, pos, end - pos)), `broken box inside ${level}`);
        return;
      }
      await this.visit(level, box, track);
      pos = box.end;
    }
  }

  async visit(level, box, track) {
    const { type } = box;
    if (EMPTY.has(type)) return this.zero(box.payload, box.end);
    if (!KEEP[level].has(type)) return this.neutralise(box);
    if (TIMES.has(type)) return this.clearTimes(box);
    if (type === "hdlr") {
      const head = await readBlob(this.blob, box.payload, 12);
      check(head.length === 12, "short hdlr box");
      track.handler = latin1(head, 8, 12); // after version/flags and pre_defined (QuickTime: component type)
    } else if (type === "minf") {
      track.minf = box;
    } else if (type === "mdat") {
      this.mdats.push(box);
    } else if (type === "moov") {
      this.movie = true;
    } else if (type === "moof" || type === "mvex") {
      this.fragmented = true;
    }
    if (type === "trak") {
      const child = { handler: null, minf: null };
      this.tracks.push(child);
      await this.children(type, box.payload, box.end, child);
    } else if (KEEP[type]) {
      await this.children(type, box.payload, box.end, track);
    }
  }

  /** Rename the box 'free' and zero all that follows its header (a uuid's user type included). */
  async neutralise(box) {
    const inspected = await readBlob(this.blob, box.start + 4, Math.min(box.end - box.start - 4, INSPECT_BYTES));
    const keys = keywordKeys(inspected).map((key) => VIDEO_KEYS[key] ?? key);
    if (box.uuid === XMP_UUID) keys.push("xmp");
    if (keys.length === 0 && !isAllZero(inspected.subarray(box.payload - box.start - 4))) keys.push("other_metadata");
    for (const key of keys) this.removed.add(key);
    this.patches.push({ start: box.start + 4, end: box.start + 8, bytes: FREE });
    this.zero(box.payload, box.end);
  }

  /** Zero creation_time and modification_time: 32-bit fields in version 0, 64-bit in version 1. */
  async clearTimes(box) {
    const head = await readBlob(this.blob, box.payload, 20);
    const width = head[0] === 1 ? 8 : 4;
    check(head.length >= 4 + 2 * width, `short ${box.type} box`);
    if (!isAllZero(head.subarray(4, 4 + 2 * width))) {
      this.removed.add("creation_time");
      this.zero(box.payload + 4, box.payload + 4 + 2 * width);
    }
  }

  /** Zero the samples of every track that is neither video nor sound. */
  async clearMetadataTracks() {
    for (const track of this.tracks) {
      check(track.handler && track.minf, "a track without handler or media information");
      if (AV_HANDLERS.has(track.handler)) continue;
      // In a fragmented file the samples are listed in the fragments, not in the sample tables.
      if (this.fragmented) throw new Unsupported("unsupported_format", "a fragmented file with a metadata track");
      let zeroed = false;
      for (const [start, length] of await this.sampleRanges(track.minf)) {
        check(this.mdats.some((m) => start >= m.payload && start + length <= m.end), "a sample outside the media data");
        this.zero(start, start + length);
        zeroed ||= length > 0;
      }
      if (zeroed) this.removed.add("metadata_track");
    }
  }

  /** [offset, length] of each chunk of the track's samples, from its sample tables. */
  async sampleRanges(minf) {
    const tables = {};
    await this.findTables(minf.payload, minf.end, tables);
    return chunkRanges(tables);
  }

  async findTables(start, end, tables) {
    for (let pos = start; pos < end;) {
      const box = await readBox(this.blob, pos, end);
      check(box, "broken box in the media information");
      if (box.type === "stbl") await this.findTables(box.payload, box.end, tables);
      else if (SAMPLE_TABLES.includes(box.type)) {
        check(box.end - box.payload <= MAX_TABLES, "sample tables too large");
        tables[box.type] = await readBlob(this.blob, box.payload, box.end - box.payload);
      }
      pos = box.end;
    }
  }

  /** The file's parts: the Blob between patches, the patches, cut at `end`. */
  parts(end) {
    const sorted = this.patches.sort((a, b) => a.start - b.start);
    const merged = [];
    for (const patch of sorted) {
      const last = merged.at(-1);
      if (last && patch.start < last.end) {
        // Two chunks may share bytes; zeros over zeros merge, anything else is a broken file.
        check(!last.bytes && !patch.bytes, "overlapping patches");
        last.end = Math.max(last.end, patch.end);
      } else merged.push({ ...patch });
    }
    const parts = [];
    let cursor = 0;
    for (const patch of merged) {
      parts.push(blobPart(this.blob, cursor, patch.start));
      parts.push(patch.bytes ? bytesPart(patch.bytes) : zeroPart(patch.end - patch.start));
      cursor = patch.end;
    }
    parts.push(blobPart(this.blob, cursor, end));
    return parts;
  }
}

/**
 * @param {Blob} blob an MP4 or QuickTime file
 * @returns {Promise<{ parts: object[], removed: string[], kept: string[] }>}
 */
export async function cleanBmff(blob) {
  const cleaner = new Cleaner(blob);
  let end = blob.size;
  for (let pos = 0; pos < blob.size;) {
    const box = await readBox(blob, pos, blob.size);
    if (!box) {
      // Bytes that are no box after a complete movie: a vendor trailer (Samsung writes one). Cut.
      check(cleaner.movie && cleaner.mdats.length > 0, `broken box at byte ${pos}`);
      cleaner.removed.add("trailer");
      end = pos;
      break;
    }
    await cleaner.visit("file", box, null);
    pos = box.end;
  }
  check(cleaner.movie, "no movie box");
  await cleaner.clearMetadataTracks();
  return { parts: cleaner.parts(end), removed: [...cleaner.removed], kept: [] };
}
