// MP4 and QuickTime (ISO base media file format): cleaned IN PLACE. The sample tables (stco/co64)
// hold absolute file offsets of the media data, so removing or resizing any box would shift
// them; instead a box is renamed 'free' and its payload zeroed, which every player skips, and
// text fields are zeroed where they stand. Only box headers, the movie box's small boxes and the
// sample tables are read through blob.slice; the cleaned file is the picked Blob with a list of
// patches applied while it is read (source.js), so a large video is never loaded whole.
//
// What stays is the picture and the sound, and what a player needs to play them:
//   - every byte of every 'mdat' that is not a sample of an audio or video track is zeroed
//     (sample ranges from stsc + stsz/stz2 + stco/co64, or from the fragments' trun boxes):
//     iPhones leave a copy of the movie's metadata (location, model, Live Photo identifier)
//     in the media data, and timed metadata tracks keep their samples there;
//   - tracks that are neither video nor sound (timed metadata and Apple 'mebx', GPS telemetry,
//     subtitles, timecode, chapters) are dropped whole: trak renamed 'free' and zeroed, with
//     their sample descriptions ("iPhone OS 26.3", Live Photo keys);
//   - at the levels walked (file, moov, trak, mdia, minf, stbl, moof, traf) a whitelist of
//     structural boxes is kept and every other box is neutralised (udta, meta, uuid incl. XMP,
//     vendor boxes); free/skip payloads are zeroed; creation and modification times zeroed;
//   - handler names ("Core Media Video") and vendor codes are blanked; the sample descriptions
//     of audio and video are cleaned field by field (bmff-entries.js).
import { Ranges, SAMPLE_TABLES, chunkRanges } from "./bmff-tables.js";
import { cleanSampleEntries } from "./bmff-entries.js";
import { fragmentRanges, trackDefaults } from "./bmff-fragments.js";
import { Unsupported, check, isAllZero, latin1, view } from "./bytes.js";
import { embeddedKeys, quickTimeKeys, xmpKeys } from "./keywords.js";
import { blobPart, bytesPart, readBlob, zeroPart } from "./source.js";

const KEEP = {
  file: new Set(["ftyp", "styp", "moov", "mdat", "moof", "mfra", "sidx", "ssix"]),
  moov: new Set(["mvhd", "trak", "mvex", "iods"]),
  trak: new Set(["tkhd", "tref", "trgr", "edts", "mdia", "tapt", "load", "clip", "matt", "txas", "imap"]),
  mdia: new Set(["mdhd", "hdlr", "minf", "elng"]),
  minf: new Set(["vmhd", "smhd", "hmhd", "nmhd", "gmhd", "hdlr", "dinf", "stbl"]),
  stbl: new Set(["stsd", "stts", "ctts", "cslg", "stss", "stps", "sdtp", "stsc", "stsz", "stz2", "stco", "co64", "sgpd",
    "sbgp", "subs", "saiz", "saio", "padb", "stsh"]),
  moof: new Set(["mfhd", "traf"]),
  traf: new Set(["tfhd", "tfdt", "trun", "sdtp", "sbgp", "sgpd", "subs", "saiz", "saio", "senc"]),
};
// Containers walked box by box; the others in KEEP are kept whole.
const WALKED = new Set(["moov", "trak", "mdia", "minf", "stbl"]);
const EMPTY = new Set(["free", "skip", "wide"]);
const TIMES = new Set(["mvhd", "tkhd", "mdhd"]);
const AV_HANDLERS = new Set(["vide", "soun"]);
const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";
const FREE = Uint8Array.of(0x66, 0x72, 0x65, 0x65);
// How much of a neutralised box, or of the media data between samples, is read to tell the
// citizen what it held (what is read is never kept: the bytes are zeroed whatever they say).
const INSPECT_BYTES = 1 << 20;
// Small boxes read whole: sample descriptions, a movie fragment's header boxes.
const MAX_SMALL_BOX = 16 << 20;
// The sample tables of a track are read whole to find its samples.
const MAX_TABLES = 64 << 20;
// Video keys for what images call "gps" and "datetime".
const VIDEO_KEYS = { gps: "location", datetime: "creation_time" };

/** The box at `pos` of the Blob, or null if no valid box header fits in [pos, limit). */
async function readBox(blob, pos, limit, { lenient = false } = {}) {
  if (limit - pos < 8) return null;
  const head = await readBlob(blob, pos, 8);
  const size32 = view(head).getUint32(0);
  const box = { type: latin1(head, 4, 8), start: pos, payload: pos + 8, end: pos + size32, truncated: false };
  if (size32 === 1) {
    if (limit - pos < 16) return null;
    const large = view(await readBlob(blob, pos + 8, 8)).getBigUint64(0);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    box.payload = pos + 16;
    box.end = pos + Number(large);
  } else if (size32 === 0) {
    box.end = limit; // "to the end of the file" (or of the parent)
  }
  if (box.end < box.payload) return null;
  if (box.end > limit) {
    if (!lenient) return null;
    box.end = limit;
    box.truncated = true;
  }
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
    this.kept = new Set();
    this.tracks = []; // { id, handler, tables, dropped }
    this.mdats = [];
    this.moofs = [];
    this.mvex = null;
    this.movie = false;
    this.truncated = false;
  }

  zero(start, end) {
    if (end > start) this.patches.push({ start, end });
  }

  async read(box, limit = MAX_SMALL_BOX) {
    check(box.end - box.payload <= limit, `${box.type} box too large`);
    const bytes = await readBlob(this.blob, box.payload, box.end - box.payload);
    check(bytes.length === box.end - box.payload, `short ${box.type} box`);
    return bytes;
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
    if (TIMES.has(type)) await this.clearTimes(box, track);
    if (type === "moov") this.movie = true;
    else if (type === "mdat") this.mdats.push(box);
    else if (type === "moof") this.moofs.push(box);
    else if (type === "mvex") this.mvex = box;
    else if (type === "trak") return this.visitTrack(box);
    else if (type === "hdlr") await this.blankHandler(box);
    else if (type === "dinf") await this.checkDataReference(box);
    else if (type === "stsd") await this.cleanSampleDescriptions(box, track);
    else if (SAMPLE_TABLES.includes(type)) track.tables[type] = await this.read(box, MAX_TABLES);
    if (WALKED.has(type)) await this.children(type, box.payload, box.end, track);
  }

  /** A track: kept and walked if it is video or sound, dropped whole otherwise. */
  async visitTrack(box) {
    const track = { id: null, handler: await this.handlerOf(box), tables: {}, dropped: false };
    this.tracks.push(track);
    if (AV_HANDLERS.has(track.handler)) return this.children("trak", box.payload, box.end, track);
    // Its samples lie in mdat between the kept ones, so they are zeroed with the gaps; its tables
    // are still read, to tell those samples from unaccounted bytes when labelling.
    track.dropped = true;
    track.id = await this.trackId(box);
    await this.findTables(box.payload, box.end, track.tables).catch((error) => {
      if (!(error instanceof Unsupported || error instanceof RangeError)) throw error;
    });
    this.removed.add("metadata_track");
    this.patches.push({ start: box.start + 4, end: box.start + 8, bytes: FREE });
    this.zero(box.payload, box.end);
  }

  async findChild(start, end, type) {
    for (let pos = start; pos < end;) {
      const box = await readBox(this.blob, pos, end);
      if (!box) return null;
      if (box.type === type) return box;
      pos = box.end;
    }
    return null;
  }

  async handlerOf(trak) {
    const mdia = await this.findChild(trak.payload, trak.end, "mdia");
    const hdlr = mdia && (await this.findChild(mdia.payload, mdia.end, "hdlr"));
    check(hdlr && hdlr.end - hdlr.payload >= 12, "a track without handler");
    return latin1(await readBlob(this.blob, hdlr.payload + 8, 4)); // after version/flags and pre_defined
  }

  async trackId(trak) {
    const tkhd = await this.findChild(trak.payload, trak.end, "tkhd");
    check(tkhd, "a track without header");
    const head = await readBlob(this.blob, tkhd.payload, 24);
    return view(head).getUint32(head[0] === 1 ? 20 : 12);
  }

  async findTables(start, end, tables) {
    for (let pos = start; pos < end;) {
      const box = await readBox(this.blob, pos, end);
      check(box, "broken box in a track");
      if (["mdia", "minf", "stbl"].includes(box.type)) await this.findTables(box.payload, box.end, tables);
      else if (SAMPLE_TABLES.includes(box.type)) tables[box.type] = await this.read(box, MAX_TABLES);
      pos = box.end;
    }
  }

  /** Rename the box 'free' and zero all that follows its header (a uuid's user type included). */
  async neutralise(box) {
    const inspected = await readBlob(this.blob, box.start + 4, Math.min(box.end - box.start - 4, INSPECT_BYTES));
    const payload = inspected.subarray(box.payload - box.start - 4);
    let keys = quickTimeKeys(inspected);
    if (box.uuid === XMP_UUID || box.type === "XMP_") keys = ["xmp", ...xmpKeys(payload)];
    else if (box.type === "uuid" || !["udta", "meta"].includes(box.type)) keys = keys.filter((k) => k !== "other_metadata");
    if (keys.length === 0 && !isAllZero(payload)) keys.push("other_metadata");
    for (const key of keys) this.removed.add(VIDEO_KEYS[key] ?? key);
    this.patches.push({ start: box.start + 4, end: box.start + 8, bytes: FREE });
    this.zero(box.payload, box.end);
  }

  /** Zero creation_time and modification_time: 32-bit fields in version 0, 64-bit in version 1. */
  async clearTimes(box, track) {
    const head = await readBlob(this.blob, box.payload, Math.min(box.end - box.payload, 28));
    const width = head[0] === 1 ? 8 : 4;
    const tkhd = box.type === "tkhd"; // its track ID follows the times
    check(head.length >= 4 + (tkhd ? 3 : 2) * width, `short ${box.type} box`);
    if (tkhd) track.id = view(head).getUint32(4 + 2 * width);
    if (!isAllZero(head.subarray(4, 4 + 2 * width))) {
      this.removed.add("creation_time");
      this.zero(box.payload + 4, box.payload + 4 + 2 * width);
    }
  }

  /** A handler's name ("Core Media Video", "VideoHandle") and QuickTime's manufacturer code. */
  async blankHandler(box) {
    const bytes = await this.read(box);
    check(bytes.length >= 12, "short hdlr box");
    for (const [from, to] of [[12, 16], [24, bytes.length]]) {
      if (to > from && !isAllZero(bytes.subarray(from, to))) {
        this.zero(box.payload + from, box.payload + to);
        this.removed.add("software");
      }
    }
  }

  /** Samples must be in this file: a data reference to another file names its path. */
  async checkDataReference(dinf) {
    const bytes = await this.read(dinf);
    for (let pos = 0; pos + 16 <= bytes.length;) {
      const size = view(bytes).getUint32(pos);
      check(size >= 8 && pos + size <= bytes.length, "broken dinf box");
      if (latin1(bytes, pos + 4, pos + 8) === "dref") {
        const count = view(bytes).getUint32(pos + 12);
        for (let at = pos + 16, i = 0; i < count; i++) {
          check(at + 12 <= pos + size, "broken dref box");
          const entrySize = view(bytes).getUint32(at);
          check(entrySize >= 12, "broken dref entry");
          if ((bytes[at + 11] & 1) === 0) throw new Unsupported("unsupported_format", "media data in another file");
          at += entrySize;
        }
      }
      pos += size;
    }
  }

  async cleanSampleDescriptions(box, track) {
    const bytes = await this.read(box);
    check(bytes.length >= 8, "short stsd box");
    const { patches, removed, kept } = cleanSampleEntries(bytes.subarray(8), box.payload + 8, track.handler);
    this.patches.push(...patches);
    removed.forEach((key) => this.removed.add(key));
    kept.forEach((key) => this.kept.add(key));
  }

  /** [start, end) of every sample of the kept tracks, and of the dropped ones, merged. */
  async sampleRanges() {
    const kept = new Ranges();
    const dropped = new Ranges();
    const fragmentedTracks = new Set();
    const defaults = this.mvex ? trackDefaults(await this.read(this.mvex)) : new Map();
    for (const moof of this.moofs) {
      const bytes = await readBlob(this.blob, moof.start, Math.min(moof.end - moof.start, MAX_SMALL_BOX));
      check(bytes.length === moof.end - moof.start, "movie fragment too large");
      const trafs = fragmentRanges(bytes, moof.start, moof.payload - moof.start, defaults);
      this.cleanFragment(bytes, moof, trafs);
      for (const traf of trafs) {
        const track = this.tracks.find((t) => t.id === traf.track);
        fragmentedTracks.add(traf.track);
        const into = track && !track.dropped ? kept : dropped;
        for (const [offset, length] of traf.ranges) into.add(offset, offset + length);
      }
    }
    for (const track of this.tracks) {
      const hasTables = track.tables.stsc && (track.tables.stsz || track.tables.stz2) && (track.tables.stco || track.tables.co64);
      if (!hasTables && (track.dropped || fragmentedTracks.has(track.id))) continue; // all in fragments
      try {
        chunkRanges(track.tables, track.dropped ? dropped : kept);
      } catch (error) {
        if (!track.dropped) throw error; // a dropped track's broken tables matter only for labels
      }
    }
    return { kept: kept.union(), dropped: dropped.union() };
  }

  /** Inside a movie fragment: unknown boxes neutralised, fragments of dropped tracks dropped. */
  cleanFragment(bytes, moof, trafs) {
    const droppedIds = new Set(this.tracks.filter((t) => t.dropped).map((t) => t.id));
    let afterDropped = false;
    for (const traf of trafs) {
      // A fragment that finds its data where the previous one's ended would move if that one went.
      check(!(afterDropped && traf.implicitBase), "a fragment whose data offset depends on a dropped track");
      afterDropped ||= droppedIds.has(traf.track);
    }
    const patchFree = (start, end) => {
      this.patches.push({ start: start + 4, end: start + 8, bytes: FREE });
      this.zero(start + 8, end);
    };
    const scan = (level, start, end) => {
      for (let pos = start; pos < end;) {
        const size = view(bytes).getUint32(pos - moof.start);
        const type = latin1(bytes, pos - moof.start + 4, pos - moof.start + 8);
        check(size >= 8 && pos + size <= end, "broken box in a movie fragment");
        const traf = trafs.find((t) => t.start === pos);
        if (EMPTY.has(type)) this.zero(pos + 8, pos + size);
        else if (!KEEP[level].has(type)) {
          this.removed.add("other_metadata");
          patchFree(pos, pos + size);
        } else if (traf && droppedIds.has(traf.track)) patchFree(pos, pos + size);
        else if (type === "traf") scan("traf", pos + 8, pos + size);
        pos += size;
      }
    };
    scan("moof", moof.payload, moof.end);
  }

  /** Zero every byte of the media data that is no sample of a kept track. */
  async clearUnusedMediaData() {
    const { kept, dropped } = await this.sampleRanges();
    const end = this.mdats.at(-1)?.end ?? 0;
    for (const [start, stop] of kept) {
      const inside = this.mdats.some((m) => start >= m.payload && (stop <= m.end || (m.truncated && m.end === end)));
      check(inside, "an audio or video sample outside the media data");
    }
    const gaps = [];
    for (const mdat of this.mdats) {
      let cursor = mdat.payload;
      for (const [start, stop] of kept) {
        if (stop <= mdat.payload || start >= mdat.end) continue;
        if (start > cursor) gaps.push([cursor, start]);
        cursor = Math.max(cursor, stop);
      }
      if (cursor < mdat.end) gaps.push([cursor, mdat.end]);
    }
    for (const [start, stop] of gaps) this.zero(start, stop);
    // What lies in the gaps that no track accounts for (a copy of the movie's metadata, say)?
    let inspected = 0;
    for (const [a, b] of subtract(gaps, dropped)) {
      if (inspected >= INSPECT_BYTES) break;
      const bytes = await readBlob(this.blob, a, Math.min(b - a, INSPECT_BYTES - inspected));
      inspected += bytes.length;
      if (isAllZero(bytes)) continue;
      const keys = embeddedKeys(bytes);
      for (const key of keys.length ? keys : ["other_metadata"]) this.removed.add(VIDEO_KEYS[key] ?? key);
    }
  }

  /** The file's parts: the Blob between patches, the patches, cut at `end`. */
  parts(end) {
    const sorted = this.patches.sort((a, b) => a.start - b.start);
    const merged = [];
    for (const patch of sorted) {
      const last = merged.at(-1);
      if (last && patch.start < last.end) {
        // Zeros over zeros merge (gaps and dropped boxes may touch); anything else is a broken file.
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

/** Sorted, disjoint ranges minus other sorted, disjoint ranges, in one sweep. */
function subtract(ranges, holes) {
  const out = [];
  let h = 0;
  for (const [start, end] of ranges) {
    let cursor = start;
    while (h < holes.length && holes[h][1] <= cursor) h++;
    for (let k = h; k < holes.length && holes[k][0] < end; k++) {
      if (holes[k][0] > cursor) out.push([cursor, holes[k][0]]);
      cursor = Math.max(cursor, holes[k][1]);
    }
    if (cursor < end) out.push([cursor, end]);
  }
  return out;
}

/**
 * @param {Blob} blob an MP4 or QuickTime file
 * @returns {Promise<{ parts: object[], removed: string[], kept: string[] }>}
 */
export async function cleanBmff(blob) {
  const cleaner = new Cleaner(blob);
  let end = blob.size;
  for (let pos = 0; pos < blob.size;) {
    let box = await readBox(blob, pos, blob.size);
    if (!box && cleaner.movie) {
      // The last media data box of a truncated file: clean what is there.
      const cut = await readBox(blob, pos, blob.size, { lenient: true });
      if (cut?.type === "mdat") {
        box = cut;
        cleaner.truncated = true;
        cleaner.kept.add("incomplete");
      }
    }
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
  await cleaner.clearUnusedMediaData();
  return { parts: cleaner.parts(end), removed: [...cleaner.removed], kept: [...cleaner.kept] };
}
