// JPEG: keep what decoding needs, byte for byte (so the pixels cannot change), drop every
// metadata segment, and cut whatever follows the end-of-image marker.
//
// Kept: SOI, APP0 JFIF (without its thumbnail), APP2 ICC_PROFILE (colours), APP14 Adobe
// (colour transform), every non-APP marker segment (tables, frames, restart intervals), the
// scan data and EOI. Dropped: APP1 (Exif, XMP), APP13 (IPTC/Photoshop), COM, every other APPn
// (MPF, FlashPix, C2PA/JUMBF in APP11, vendor blocks). After EOI, phones hide a motion photo's
// video (with its own GPS) or the extra images an MPF index points to: all cut. If the Exif
// said the photo must be rotated, a minimal Exif holding only that Orientation is written back.
import { asciiBytes, check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { orientationTiff, readExif } from "./exif.js";
import { keywordKeys } from "./keywords.js";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP13 = 0xed;
const APP14 = 0xee;
const COM = 0xfe;

const isRestart = (m) => m >= 0xd0 && m <= 0xd7;
// SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isFrame = (m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Segment bytes: marker, 2-byte length, payload. */
function segment(marker, payload) {
  const out = new Uint8Array(4 + payload.length);
  out.set([0xff, marker]);
  view(out).setUint16(2, payload.length + 2);
  out.set(payload, 4);
  return out;
}

/** The offset of the marker that ends the entropy-coded data starting at `from`. */
function scanEnd(bytes, from) {
  for (let i = from; ;) {
    i = bytes.indexOf(0xff, i);
    check(i !== -1 && i + 1 < bytes.length, "the scan data runs to the end of the file: no end-of-image marker");
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
  const keys = keywordKeys(payload);
  if (marker === APP1 && /ns\.adobe\.com\/(xap|xmp)/.test(latin1(payload, 0, Math.min(64, payload.length)))) {
    found.motionHint ||= /MicroVideo|MotionPhoto/.test(latin1(payload));
    return ["xmp", ...keys];
  }
  return keys.length ? keys : ["other_metadata"];
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
  let exifAt = 1; // where a written-back Exif goes: after SOI, or after a JFIF APP0 that follows it
  let frame = false;
  let scanned = false;
  let pos = 2;
  for (;;) {
    check(pos < bytes.length && bytes[pos] === 0xff, `no marker at byte ${pos}`);
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    check(pos < bytes.length, "the file ends inside a marker");
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
    check(marker !== SOI && marker !== 0x00, `unexpected marker ${marker.toString(16)}`);
    check(pos + 3 <= bytes.length, "the file ends inside a segment header");
    const length = (bytes[pos + 1] << 8) | bytes[pos + 2];
    const end = pos + 1 + length;
    check(length >= 2 && end <= bytes.length, "a segment runs past the end of the file");
    const payload = bytes.subarray(pos + 3, end);
    pos = end;
    if (marker === SOS) {
      check(frame, "a scan before any frame header");
      pos = scanEnd(bytes, end);
      parts.push(bytes.subarray(start, pos));
      scanned = true;
    } else if (marker === APP0 && startsWith(payload, "JFIF\0") && payload.length >= 14) {
      // JFIF may carry an uncompressed RGB thumbnail: keep the header, declare a 0x0 thumbnail.
      const header = payload.subarray(0, 14);
      if (payload.length === 14 && header[12] === 0 && header[13] === 0) parts.push(bytes.subarray(start, end));
      else {
        parts.push(segment(APP0, Uint8Array.of(...header.subarray(0, 12), 0, 0)));
        removed.push("thumbnail");
      }
      if (parts.length === 2) exifAt = 2;
    } else if ((marker === APP2 && startsWith(payload, "ICC_PROFILE\0"))
        || (marker === APP14 && startsWith(payload, "Adobe"))) {
      parts.push(bytes.subarray(start, end));
      if (marker === APP2) kept.push("icc_profile");
    } else if ((marker >= APP0 && marker <= 0xef) || marker === COM) {
      removed.push(...droppedKeys(marker, payload, found));
    } else {
      if (isFrame(marker)) frame = true;
      parts.push(bytes.subarray(start, end));
    }
  }
  if (found.orientation !== null && found.orientation !== 1) {
    const tiff = orientationTiff(found.orientation, found.littleEndian);
    const app1 = segment(APP1, Uint8Array.of(...asciiBytes("Exif\0\0"), ...tiff));
    parts.splice(exifAt, 0, app1);
    kept.push("orientation");
  }
  return { parts, removed, kept };
}
