// Small files built in code for the stripper's unit tests: JPEG segments, TIFF/Exif blocks, PNG
// chunks with real CRCs, WebP RIFF chunks and ISO BMFF boxes. Each builder returns bytes the
// tests can compare exactly with the cleaned output.
import { readAll, stripMetadata } from "../../../pwa/src/media/strip.js";

export const enc = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));

export function concat(...pieces) {
  const flat = pieces.flat(Infinity).map((p) => (typeof p === "string" ? enc(p) : p));
  const out = new Uint8Array(flat.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of flat) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u16(n, le = false) {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, le);
  return b;
}

export function u32(n, le = false) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, le);
  return b;
}

export function u64(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** Does `haystack` contain the ASCII string `needle`? */
export function contains(haystack, needle) {
  return Buffer.from(haystack).includes(Buffer.from(needle, "latin1"));
}

/** Strip a Uint8Array; the cleaned bytes are in `bytes` (null when not cleaned). */
export async function strip(bytes, claims = {}) {
  const result = await stripMetadata(new Blob([bytes]), claims);
  return { ...result, bytes: result.source ? await readAll(result.source) : null };
}

// --- TIFF / Exif ------------------------------------------------------------------------------
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

/** One IFD entry: [tag, type, values] with values an array of numbers (types 3, 4) or a string (2, 7). */
export const entry = (tag, type, values) => ({ tag, type, values });

/**
 * A TIFF structure. `ifds` is { ifd0, exif, gps, ifd1 }, each a list of entries; the Exif and
 * GPS pointers are added to IFD0 when those IFDs are given, IFD1 is chained after IFD0.
 */
export function tiff({ le = false, ifd0 = [], exif, gps, ifd1 }) {
  const out = [];
  const data = [];
  const layout = [];
  // Pointers are patched once the IFD offsets are known.
  const first = [...ifd0];
  if (exif) first.push(entry(0x8769, 4, [0]));
  if (gps) first.push(entry(0x8825, 4, [0]));
  const ifds = [first, exif, gps, ifd1].filter(Boolean);
  let offset = 8;
  for (const ifd of ifds) {
    layout.push(offset);
    offset += 2 + ifd.length * 12 + 4;
  }
  let dataOffset = offset;
  const bytesOf = (e) => {
    if (typeof e.values === "string") return enc(e.values + (e.type === 2 ? "\0" : ""));
    return concat(e.values.map((v) => (TYPE_SIZES[e.type] === 2 ? u16(v, le) : u32(v, le))));
  };
  const pointer = { 0x8769: exif ? layout[1] : 0, 0x8825: gps ? layout[exif ? 2 : 1] : 0 };
  ifds.forEach((ifd, index) => {
    const sorted = [...ifd].sort((a, b) => a.tag - b.tag);
    out.push(u16(sorted.length, le));
    for (const e of sorted) {
      const value = pointer[e.tag] !== undefined && index === 0 ? u32(pointer[e.tag], le) : bytesOf(e);
      // RATIONAL values are given as numerator, denominator pairs: one count per pair.
      const count = typeof e.values === "string" ? value.length : e.values.length / (e.type === 5 ? 2 : 1);
      out.push(u16(e.tag, le), u16(e.type, le), u32(count, le));
      if (value.length <= 4) {
        out.push(concat(value, new Uint8Array(4 - value.length)));
      } else {
        out.push(u32(dataOffset, le));
        data.push(value);
        dataOffset += value.length;
      }
    }
    const chainsIfd1 = index === 0 && ifd1;
    out.push(u32(chainsIfd1 ? layout[layout.length - 1] : 0, le));
  });
  return concat(le ? "II*\0" : "MM\0*", u32(8, le), out, data);
}

// --- JPEG ---------------------------------------------------------------------------------------
export const seg = (marker, payload) => concat(Uint8Array.of(0xff, marker), u16(payload.length + 2), payload);
export const SOI = Uint8Array.of(0xff, 0xd8);
export const EOI = Uint8Array.of(0xff, 0xd9);
export const JFIF = seg(0xe0, concat("JFIF\0", Uint8Array.of(1, 2, 0, 0, 1, 0, 1, 0, 0)));
export const DQT = seg(0xdb, concat(Uint8Array.of(0), new Uint8Array(64).fill(1)));
export const SOF0 = seg(0xc0, Uint8Array.of(8, 0, 16, 0, 16, 1, 1, 0x11, 0));
export const DHT = seg(0xc4, concat(Uint8Array.of(0), Uint8Array.of(1), new Uint8Array(15), Uint8Array.of(0)));
export const SOS = seg(0xda, Uint8Array.of(1, 1, 0, 0, 63, 0));
// Entropy-coded data with a stuffed 0xFF00, a restart marker and fill bytes before EOI.
export const SCAN = Uint8Array.of(0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0x78, 0xff, 0xff);
export const exifSegment = (t) => seg(0xe1, concat("Exif\0\0", t));

// --- PNG ----------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type, data = new Uint8Array(0)) {
  const body = concat(type, data);
  return concat(u32(data.length), body, u32(crc32(body)));
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** The chunks of a PNG as { type, data, crcOk }. */
export function pngChunks(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = [];
  for (let pos = 8; pos < bytes.length;) {
    const length = dv.getUint32(pos);
    const body = bytes.subarray(pos + 4, pos + 8 + length);
    chunks.push({ type: String.fromCharCode(...body.subarray(0, 4)), data: body.subarray(4),
      crcOk: crc32(body) === dv.getUint32(pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

// --- WebP ---------------------------------------------------------------------------------------
export function riffChunk(fourcc, data) {
  return concat(fourcc, u32(data.length, true), data, data.length & 1 ? Uint8Array.of(0) : []);
}

export function riff(...chunks) {
  const body = concat("WEBP", chunks);
  return concat("RIFF", u32(body.length, true), body);
}

// --- ISO BMFF -----------------------------------------------------------------------------------
export const box = (type, ...payload) => {
  const body = concat(payload);
  return concat(u32(8 + body.length), type, body);
};
/** A box with a 64-bit size (size field 1, then the largesize). */
export const largeBox = (type, ...payload) => {
  const body = concat(payload);
  return concat(u32(1), type, u64(16 + body.length), body);
};
export const fullBox = (type, version, ...payload) => box(type, Uint8Array.of(version, 0, 0, 0), ...payload);

/** mvhd/tkhd/mdhd with the given times: 32-bit fields in version 0, 64-bit in version 1. */
export function timedBox(type, version, created, modified, rest) {
  const time = version === 1 ? u64 : u32;
  return fullBox(type, version, time(created), time(modified), rest);
}

/** Top-level (or child) boxes as [{ type, start, size }] for comparing layouts. */
export function boxList(bytes, start = 0, end = bytes.length) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const list = [];
  for (let pos = start; pos < end;) {
    let size = dv.getUint32(pos);
    if (size === 1) size = Number(dv.getBigUint64(pos + 8));
    if (size === 0) size = end - pos;
    list.push({ type: String.fromCharCode(...bytes.subarray(pos + 4, pos + 8)), start: pos, size });
    pos += size;
  }
  return list;
}

/** A Blob-like file of `size` bytes, zero but for `regions`, that records every read. */
export class SparseBlob {
  constructor(size, regions, reads = []) {
    Object.assign(this, { size, regions, reads });
  }

  slice(start, end) {
    const from = Math.min(start, this.size);
    const to = Math.min(end, this.size);
    return {
      arrayBuffer: async () => {
        this.reads.push([from, to]);
        const out = new Uint8Array(to - from);
        for (const [offset, bytes] of this.regions) {
          const a = Math.max(from, offset);
          const b = Math.min(to, offset + bytes.length);
          if (a < b) out.set(bytes.subarray(a - offset, b - offset), a - from);
        }
        return out.buffer;
      },
    };
  }
}

// --- ICC profiles --------------------------------------------------------------------------------
const XYZ = (x, y, z) => concat("XYZ ", new Uint8Array(4), u32(x), u32(y), u32(z));
const curv = (gamma) => concat("curv", new Uint8Array(4), u32(1), u16(gamma));
const mluc = (text) => concat("mluc", new Uint8Array(4), u32(1), u32(12), "enUS", u32(text.length * 2), u32(28),
  Uint8Array.from([...text].flatMap((c) => [0, c.charCodeAt(0)])));
const textDesc = (text) => concat("desc", new Uint8Array(4), u32(text.length + 1), text, Uint8Array.of(0),
  new Uint8Array(8 + 3 + 67));
const text = (value) => concat("text", new Uint8Array(4), value, Uint8Array.of(0));

/**
 * A display profile as an OS writes for a monitor: matrix/TRC colours (the TRC shared by the
 * three channels), a device description, Apple's mmod (vendor, model, serial), vcgt calibration.
 * `version` 2 uses the v2 text types, 4 uses mluc.
 */
export function iccProfile({ version = 2, serial = 0xfd626d62, name = "CANARY-MONITOR" } = {}) {
  const tags = [
    ["desc", version >= 4 ? mluc(name) : textDesc(name)],
    ["cprt", version >= 4 ? mluc("Copyright CANARY-OWNER") : text("Copyright CANARY-OWNER")],
    ["wtpt", XYZ(0xf6d6, 0x10000, 0xd32d)],
    ["rXYZ", XYZ(0x6fa2, 0x38f5, 0x0390)],
    ["gXYZ", XYZ(0x6299, 0xb785, 0x18da)],
    ["bXYZ", XYZ(0x24a0, 0x0f84, 0xb6cf)],
    ["rTRC", curv(0x0233)],
    ["dmdd", version >= 4 ? mluc(`${name} model`) : textDesc(`${name} model`)],
    ["mmod", concat("mmod", new Uint8Array(4), u32(0x610), u32(0xa03c), u32(serial), u32(0), new Uint8Array(16))],
    ["vcgt", concat("vcgt", new Uint8Array(4), u32(1), u16(3), u16(2), u16(2), u16(0), u16(0xffff),
      u16(0), u16(0xffff), u16(0), u16(0xffff))],
  ];
  const entries = [...tags.map(([sig]) => sig), "gTRC", "bTRC"];
  const tableEnd = 128 + 4 + 12 * entries.length;
  const blocks = [];
  const where = {};
  let at = tableEnd;
  for (const [sig, data] of tags) {
    where[sig] = [at, data.length];
    const padded = concat(data, new Uint8Array((4 - (data.length % 4)) % 4));
    blocks.push(padded);
    at += padded.length;
  }
  where.gTRC = where.rTRC;
  where.bTRC = where.rTRC;
  const header = concat(u32(at), "appl", Uint8Array.of(version, 0x10, 0, 0), "mntr", "RGB ", "XYZ ",
    u16(2021), u16(1), u16(31), u16(23), u16(49), u16(33), "acsp", "APPL", u32(0), "APPL", u32(0xa03c), new Uint8Array(8),
    u32(0), u32(0xf6d6), u32(0x10000), u32(0xd32d), "appl", new Uint8Array(16).fill(0xab), new Uint8Array(28));
  return concat(header, u32(entries.length), entries.map((sig) => concat(sig, u32(where[sig][0]), u32(where[sig][1]))),
    blocks);
}

/** { signature: data } of an ICC profile's tags, and its header. */
export function iccTags(profile) {
  const dv = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const tags = {};
  const offsets = {};
  for (let i = 0; i < dv.getUint32(128); i++) {
    const at = 132 + 12 * i;
    const sig = String.fromCharCode(...profile.subarray(at, at + 4));
    const offset = dv.getUint32(at + 4);
    tags[sig] = profile.subarray(offset, offset + dv.getUint32(at + 8));
    offsets[sig] = offset;
  }
  return { tags, offsets, size: dv.getUint32(0), header: profile.subarray(0, 128) };
}

// --- HEIF / AVIF ---------------------------------------------------------------------------------
/**
 * A HEIF file: ftyp, meta (hdlr, pitm, iinf, iref, iprp, iloc, idat), mdat. `items` is a list of
 * { id, type, hidden, name, contentType, data, inIdat, props: [[index, essential]] }; `refs` a
 * list of [type, from, [to...]]; `properties` the ipco boxes. Item data goes to mdat (or idat),
 * in the order given; `share` maps an item id to another whose data it shares.
 */
export function heifFile({ brand = "heic", primary = 1, items, refs = [], properties, groups = [], extraTop = [],
  share = {}, mdatFirst = false }) {
  const infeBox = (item) => {
    const flags = item.hidden ? 1 : 0;
    return box("infe", Uint8Array.of(2, 0, 0, flags), u16(item.id), u16(0), item.type, item.name ?? "",
      Uint8Array.of(0), item.contentType === undefined ? [] : concat(item.contentType, Uint8Array.of(0)));
  };
  const iinf = fullBox("iinf", 0, u16(items.length), items.map(infeBox));
  const iref = refs.length ? fullBox("iref", 0, refs.map(([type, from, to]) =>
    box(type, u16(from), u16(to.length), to.map((id) => u16(id))))) : new Uint8Array(0);
  const ipma = fullBox("ipma", 0, u32(items.filter((i) => i.props?.length).length),
    items.filter((i) => i.props?.length).map((i) => concat(u16(i.id), Uint8Array.of(i.props.length),
      Uint8Array.from(i.props.map(([index, essential]) => index | (essential ? 0x80 : 0))))));
  const iprp = box("iprp", box("ipco", properties), ipma);
  const idatData = concat(items.filter((i) => i.inIdat).map((i) => i.data));
  const idat = idatData.length ? box("idat", idatData) : new Uint8Array(0);
  const grpl = groups.length ? box("grpl", groups) : new Uint8Array(0);
  const located = items.filter((i) => i.data !== undefined);
  const iloc = (offsets) => fullBox("iloc", 1, Uint8Array.of(0x44, 0x00), u16(located.length),
    located.map((i) => concat(u16(i.id), u16(i.inIdat ? 1 : 0), u16(0), u16(1), u32(offsets[i.id]), u32(i.data.length))));
  const ftyp = box("ftyp", brand, u32(0), "mif1", brand);
  const mdatData = concat(located.filter((i) => !i.inIdat && share[i.id] === undefined).map((i) => i.data));
  const meta = (offsets) => fullBox("meta", 0, fullBox("hdlr", 0, u32(0), "pict", new Uint8Array(12), "CANARY-HANDLER\0"),
    fullBox("pitm", 0, u16(primary)), iinf, iref, iprp, iloc(offsets), idat, grpl);
  const place = (mdatPayload) => {
    const offsets = {};
    let at = mdatPayload;
    let idatAt = 0;
    for (const i of located) {
      if (i.inIdat) {
        offsets[i.id] = idatAt;
        idatAt += i.data.length;
      } else if (share[i.id] === undefined) {
        offsets[i.id] = at;
        at += i.data.length;
      }
    }
    for (const [id, other] of Object.entries(share)) offsets[id] = offsets[other];
    return offsets;
  };
  if (mdatFirst) {
    const mdatPayload = ftyp.length + 8;
    return concat(ftyp, box("mdat", mdatData), meta(place(mdatPayload)), extraTop);
  }
  const metaLength = meta(place(0)).length;
  const mdatPayload = ftyp.length + metaLength + 8;
  return concat(ftyp, meta(place(mdatPayload)), box("mdat", mdatData), extraTop);
}

/** An Exif item's data: the offset of the TIFF header (after "Exif\0\0"), then the block. */
export const exifItem = (tiffBytes) => concat(u32(6), "Exif\0\0", tiffBytes);
