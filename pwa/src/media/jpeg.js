// JPEG: keep what decoding needs, byte for byte (so the pixels cannot change), drop every
// metadata segment, and cut whatever follows the end-of-image marker.
//
// Kept: SOI, APP0 JFIF (without its thumbnail), APP2 ICC_PROFILE (colours; the profile rebuilt
// without what names the device, icc.js), APP14 Adobe (colour transform), every non-APP marker
// segment (tables, frames, restart intervals), the scan data and EOI. Dropped: APP1 (Exif,
// XMP), APP13 (IPTC/Photoshop), COM, every other APPn (MPF, FlashPix, C2PA/JUMBF in APP11,
// vendor blocks). After EOI, phones hide a motion photo's video (with its own GPS) or the extra
// images an MPF index points to: all cut. If the Exif said the photo must be rotated, a minimal
// Exif holding only that Orientation is written back.
//
// A truncated or damaged file is cleaned as far as it can be read: its metadata segments come
// before the picture, so once a scan has started, whatever follows a cut or a broken marker is
// left out ("incomplete"). No EOI is added: decoders then fill the missing part exactly as they
// do for the original (libjpeg and ffmpeg give the same pixels; ffmpeg differs with an EOI). A
// file cut before any picture data holds nothing worth sending ("no_picture"); one broken
// before its first scan cannot be read past the break, and what lies beyond may be metadata:
// "damaged".
import { Refused, asciiBytes, check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { orientationTiff, readExif } from "./exif.js";
import { cleanIcc } from "./icc.js";
import { keywordKeys, xmpKeys } from "./keywords.js";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP13 = 0xed;
const APP14 = 0xee;
const COM = 0xfe;
const ICC_SIGNATURE = "ICC_PROFILE\0";
const ICC_CHUNK = 65519; // profile bytes per APP2 segment: 65535 - 2 (length) - 12 (signature) - 2 (sequence)

const isRestart = (m) => m >= 0xd0 && m <= 0xd7;
// SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isFrame = (m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** DQT: tables of 64 values, 8 or 16 bits each. */
function quantTables(p) {
  let at = 0;
  while (at < p.length) at += 1 + 64 * (p[at] >> 4 ? 2 : 1);
  return at === p.length;
}

/** DHT: class/id, 16 counts, then as many symbols as the counts add up to. */
function huffmanTables(p) {
  let at = 0;
  while (at + 17 <= p.length) {
    let symbols = 0;
    for (let i = 1; i <= 16; i++) symbols += p[at + i];
    at += 17 + symbols;
  }
  return at === p.length;
}

/**
 * Is this a segment a decoder reads, with the structure its marker announces? A metadata
 * segment whose marker byte was damaged into a table or frame marker would otherwise be kept.
 */
function decodingSegment(marker, p) {
  if (isFrame(marker) || marker === 0xde) return p.length >= 6 && p.length === 6 + 3 * p[5]; // SOFn, DHP
  if (marker === 0xc4) return huffmanTables(p);
  if (marker === 0xdb) return quantTables(p);
  if (marker === 0xdd || marker === 0xdc) return p.length === 2; // DRI, DNL
  if (marker === 0xcc) return p.length % 2 === 0; // DAC
  if (marker === 0xdf) return p.length === 1; // EXP
  return marker === 0xc8 || (marker >= 0xf0 && marker <= 0xfd); // JPG and the JPEG extensions (JPEG-LS)
}

/** Segment bytes: marker, 2-byte length, payload. */
function segment(marker, payload) {
  const out = new Uint8Array(4 + payload.length);
  out.set([0xff, marker]);
  view(out).setUint16(2, payload.length + 2);
  out.set(payload, 4);
  return out;
}

/** The offset of the marker that ends the entropy-coded data starting at `from`, or null at EOF. */
function scanEnd(bytes, from) {
  for (let i = from; ;) {
    i = bytes.indexOf(0xff, i);
    if (i === -1 || i + 1 >= bytes.length) return null;
    const next = bytes[i + 1];
    if (next === 0x00 || isRestart(next)) i += 2; // a stuffed 0xFF data byte, or a restart marker: still data
    else if (next === 0xff) i += 1; // fill byte before a marker
    else return i;
  }
}

/** What an APPn or COM segment we drop held, as label keys. */
function droppedKeys(marker, payload, found) {
  if (marker === COM) return ["comment"];
  if (marker === APP13) return ["iptc"];
  if (marker === APP0 && startsWith(payload, "JFXX\0")) return ["thumbnail"]; // the JFIF extension thumbnail
  if (marker === APP1 && startsWith(payload, "Exif\0\0")) {
    const exif = readExif(payload.subarray(6));
    if (found.orientation === null && exif.orientation !== null) {
      found.orientation = exif.orientation;
      found.littleEndian = exif.littleEndian;
    }
    return [...exif.keys];
  }
  if (marker === APP1 && /ns\.adobe\.com\/(xap|xmp)/.test(latin1(payload, 0, Math.min(64, payload.length)))) {
    found.motionHint ||= /MicroVideo|MotionPhoto/.test(latin1(payload));
    return ["xmp", ...xmpKeys(payload)];
  }
  const keys = keywordKeys(payload);
  return keys.length ? keys : ["other_metadata"];
}

/** The APP2 segments of a rebuilt profile, or none when the profile does not read. */
function iccSegments(chunks, removed, kept) {
  const count = chunks[0]?.count;
  const ordered = [...chunks].sort((a, b) => a.index - b.index);
  const complete = ordered.length === count && ordered.every((c, i) => c.index === i + 1 && c.count === count);
  const icc = complete ? cleanIcc(concat(ordered.map((c) => c.data))) : null;
  if (!icc) {
    removed.push("other_metadata"); // an unreadable or incomplete profile: no colour engine could use it
    return [];
  }
  kept.push("icc_profile");
  removed.push(...icc.removed);
  const total = Math.ceil(icc.profile.length / ICC_CHUNK);
  return Array.from({ length: total }, (_, i) => segment(APP2, concat([asciiBytes(ICC_SIGNATURE),
    Uint8Array.of(i + 1, total), icc.profile.subarray(i * ICC_CHUNK, (i + 1) * ICC_CHUNK)])));
}

function concat(pieces) {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * @param {Uint8Array} bytes the whole JPEG file
 * @returns {{ parts: Uint8Array[], removed: string[], kept: string[] }}
 */
export function cleanJpeg(bytes) {
  check(bytes[0] === 0xff && bytes[1] === SOI, "no start-of-image marker");
  const parts = [bytes.subarray(0, 2)];
  const removed = [];
  const kept = [];
  const found = { orientation: null, littleEndian: null, motionHint: false };
  const icc = { at: -1, chunks: [] }; // where the profile goes, and its pieces
  let exifAt = 1; // where a written-back Exif goes: after SOI, or after a JFIF APP0 that follows it
  let frame = false;
  let scanned = false;
  let pos = 2;
  /** The file stops being readable here: cut, after a scan; refuse or give up before one. */
  const cut = (reason) => {
    if (!scanned) {
      if (pos >= bytes.length || reason === "end") throw new Refused("no_picture", "the file ends before any picture data");
      check(false, `no marker at byte ${pos}`);
    }
    kept.push("incomplete");
  };
  for (;;) {
    if (pos >= bytes.length) {
      cut("end");
      break;
    }
    if (bytes[pos] !== 0xff) {
      cut("broken");
      break;
    }
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= bytes.length) {
      cut("end");
      break;
    }
    const marker = bytes[pos];
    const start = pos - 1;
    if (marker === EOI) {
      check(scanned, "the image has no scan data");
      parts.push(bytes.subarray(start, pos + 1));
      const trailer = bytes.subarray(pos + 1);
      if (!isAllZero(trailer)) {
        const video = found.motionHint || /ftyp|MotionPhoto/.test(latin1(trailer, 0, Math.min(trailer.length, 4096)));
        removed.push(video ? "motion_photo" : "trailer");
      }
      break;
    }
    if (isRestart(marker) || marker === 0x01) { // standalone markers, no length
      parts.push(bytes.subarray(start, pos + 1));
      pos += 1;
      continue;
    }
    if (marker === SOI || marker === 0x00) {
      pos = start;
      cut("broken");
      break;
    }
    const length = pos + 3 <= bytes.length ? (bytes[pos + 1] << 8) | bytes[pos + 2] : 0;
    const end = pos + 1 + length;
    if (pos + 3 > bytes.length || end > bytes.length) {
      pos = bytes.length;
      cut("end");
      break;
    }
    if (length < 2) {
      pos = start;
      cut("broken");
      break;
    }
    const payload = bytes.subarray(pos + 3, end);
    pos = end;
    if (marker === SOS) {
      check(frame, "a scan before any frame header");
      const stop = scanEnd(bytes, end);
      // Cut in the scan: keep the data read so far, as the original holds it.
      parts.push(bytes.subarray(start, stop ?? bytes.length));
      scanned = true;
      pos = stop ?? bytes.length;
      if (stop === null) {
        cut("end");
        break;
      }
    } else if (marker === APP0 && startsWith(payload, "JFIF\0") && payload.length >= 14) {
      // JFIF may carry an uncompressed RGB thumbnail: keep the header, declare a 0x0 thumbnail.
      const header = payload.subarray(0, 14);
      if (payload.length === 14 && header[12] === 0 && header[13] === 0) parts.push(bytes.subarray(start, end));
      else {
        parts.push(segment(APP0, Uint8Array.of(...header.subarray(0, 12), 0, 0)));
        removed.push("thumbnail");
      }
      if (parts.length === 2) exifAt = 2;
    } else if (marker === APP2 && startsWith(payload, ICC_SIGNATURE) && payload.length > 14) {
      if (icc.at === -1) icc.at = parts.length;
      icc.chunks.push({ index: payload[12], count: payload[13], data: payload.subarray(14) });
    } else if (marker === APP14 && startsWith(payload, "Adobe")) {
      parts.push(bytes.subarray(start, end));
    } else if ((marker >= APP0 && marker <= 0xef) || marker === COM) {
      removed.push(...droppedKeys(marker, payload, found));
    } else if (decodingSegment(marker, payload)) {
      if (isFrame(marker)) frame = true;
      parts.push(bytes.subarray(start, end));
    } else {
      pos = start;
      cut("broken");
      break;
    }
  }
  if (icc.at !== -1) parts.splice(icc.at, 0, ...iccSegments(icc.chunks, removed, kept));
  if (found.orientation !== null && found.orientation !== 1) {
    const tiff = orientationTiff(found.orientation, found.littleEndian);
    const app1 = segment(APP1, Uint8Array.of(...asciiBytes("Exif\0\0"), ...tiff));
    parts.splice(exifAt, 0, app1);
    kept.push("orientation");
  }
  return { parts, removed, kept };
}
