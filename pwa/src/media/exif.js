// A minimal TIFF/Exif reader: it never keeps any Exif, it only tells the citizen what was in
// it (GPS, phone model, dates...) and reads the Orientation to write it back. It reads IFD0,
// the Exif and GPS sub-IFDs and IFD1 (the thumbnail), with every offset bounds-checked: a
// broken Exif block is dropped all the same, reported as "other_metadata". A label must be
// true: "gps" only for a latitude or longitude that is not zero, "serial" for Apple's
// content identifier (the key that links a Live Photo to its video).
import { latin1, view } from "./bytes.js";

const ORIENTATION = 0x0112;
const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const MAKER_NOTE = 0x927c;
// GPS IFD: latitude, longitude and their destination twins are a position; time and date stamps
// are a date; version and reference letters alone say nothing; the rest (altitude, speed,
// direction, accuracy, processing method...) is "other".
const GPS_POSITION = new Set([0x0002, 0x0004, 0x0014, 0x0016]);
const GPS_TIME = new Set([0x0007, 0x001d]);
const GPS_SILENT = new Set([0x0000, 0x0001, 0x0003, 0x0013, 0x0015]);
// Apple maker note tag 0x11: the Live Photo's content identifier (exiftool's MediaGroupUUID).
const APPLE_CONTENT_ID = 0x0011;

// What each tag reveals, as the keys of labels.js.
const TAG_KEYS = new Map([
  [0x010f, "make_model"], [0x0110, "make_model"], [0xa433, "make_model"], [0xa434, "make_model"],
  [0x013c, "make_model"],
  [0x0131, "software"], [0x000b, "software"],
  [0x0132, "datetime"], [0x9003, "datetime"], [0x9004, "datetime"], [0x9010, "datetime"], [0x9011, "datetime"],
  [0x9012, "datetime"], [0x9290, "datetime"], [0x9291, "datetime"], [0x9292, "datetime"],
  [0xa431, "serial"], [0xa435, "serial"], [0xa420, "serial"],
  [0x013b, "owner"], [0x8298, "owner"], [0x9c9d, "owner"], [0xa430, "owner"],
  [0x010e, "comment"], [0x9286, "comment"], [0x9c9b, "comment"], [0x9c9c, "comment"], [0x9c9e, "comment"],
  [0x9c9f, "comment"],
]);

// Layout tags that say nothing about the photo or its author: dropped without a mention.
const LAYOUT_TAGS = new Set([0x011a, 0x011b, 0x0128, 0x0213, 0x9000, 0x9101, 0xa000, 0xa001, 0xa002, 0xa003,
  0xa005, ORIENTATION, EXIF_IFD, GPS_IFD]);

const MAX_ENTRIES = 4096;

/**
 * @param {Uint8Array} tiff the TIFF structure (after "Exif\0\0" in a JPEG, the eXIf chunk of a PNG)
 * @returns {{ keys: Set<string>, orientation: number|null, littleEndian: boolean }}
 */
export function readExif(tiff) {
  const keys = new Set();
  const result = { keys, orientation: null, littleEndian: tiff[0] === 0x49 };
  const le = result.littleEndian;
  const dv = view(tiff);
  if (tiff.length < 8 || !((tiff[0] === 0x49 && tiff[1] === 0x49) || (tiff[0] === 0x4d && tiff[1] === 0x4d))
      || dv.getUint16(2, le) !== 42) {
    keys.add("other_metadata");
    return result;
  }
  const seen = new Set();

  /** The entries of the IFD at `offset`, and the offset of the next IFD; null if out of bounds. */
  const ifd = (offset) => {
    if (seen.has(offset) || offset < 8 || offset + 2 > tiff.length) return null;
    seen.add(offset);
    const count = dv.getUint16(offset, le);
    if (count > MAX_ENTRIES || offset + 2 + count * 12 + 4 > tiff.length) return null;
    const entries = [];
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + i * 12;
      entries.push({ tag: dv.getUint16(at, le), type: dv.getUint16(at + 2, le), at });
    }
    return { entries, next: dv.getUint32(offset + 2 + count * 12, le) };
  };
  const long = (entry) => dv.getUint32(entry.at + 8, le);

  /** Does a RATIONAL entry (degrees, minutes, seconds) hold a value other than zero? */
  const nonZeroRationals = (entry) => {
    const count = dv.getUint32(entry.at + 4, le);
    const at = long(entry);
    if (entry.type !== 5 || count < 1 || count > 3 || at + count * 8 > tiff.length) return true; // unreadable: say so
    for (let i = 0; i < count * 2; i += 2) if (dv.getUint32(at + i * 4, le) !== 0) return true;
    return false;
  };

  /** Apple's maker note: "Apple iOS\0", version, "MM", then an IFD whose offsets start at the note. */
  const appleContentId = (entry) => {
    const count = dv.getUint32(entry.at + 4, le);
    const at = long(entry);
    if (count < 16 || at + count > tiff.length || latin1(tiff, at, at + 9) !== "Apple iOS") return false;
    const note = tiff.subarray(at, at + count);
    const ndv = view(note);
    const n = ndv.getUint16(14);
    if (16 + n * 12 > note.length) return false;
    for (let i = 0; i < n; i++) if (ndv.getUint16(16 + i * 12) === APPLE_CONTENT_ID) return true;
    return false;
  };

  const classify = (entries) => {
    for (const entry of entries) {
      const key = TAG_KEYS.get(entry.tag);
      if (key) keys.add(key);
      else if (!LAYOUT_TAGS.has(entry.tag)) keys.add("other_metadata");
      if (entry.tag === MAKER_NOTE && entry.type === 7 && appleContentId(entry)) keys.add("serial");
    }
  };

  const ifd0 = ifd(dv.getUint32(4, le));
  if (!ifd0) {
    keys.add("other_metadata");
    return result;
  }
  classify(ifd0.entries);
  for (const entry of ifd0.entries) {
    if (entry.tag === ORIENTATION && entry.type === 3) {
      const value = dv.getUint16(entry.at + 8, le);
      if (value >= 1 && value <= 8) result.orientation = value;
    } else if (entry.tag === EXIF_IFD) {
      const sub = ifd(long(entry));
      if (sub) classify(sub.entries);
      else keys.add("other_metadata");
    } else if (entry.tag === GPS_IFD) {
      const gps = ifd(long(entry));
      // Phones with location off may still write a GPS IFD holding only the version number.
      if (!gps) keys.add("other_metadata");
      for (const e of gps?.entries ?? []) {
        if (GPS_POSITION.has(e.tag)) keys.add(nonZeroRationals(e) ? "gps" : "other_metadata");
        else if (GPS_TIME.has(e.tag)) keys.add("datetime");
        else if (!GPS_SILENT.has(e.tag)) keys.add("other_metadata");
      }
    }
  }
  if (ifd0.next !== 0) {
    // IFD1 describes the embedded thumbnail: a second, smaller copy of the photo.
    const ifd1 = ifd(ifd0.next);
    keys.add(ifd1?.entries.length ? "thumbnail" : "other_metadata");
  }
  return result;
}

/** A TIFF structure holding only IFD0 with one Orientation entry, in the given byte order. */
export function orientationTiff(orientation, littleEndian) {
  const out = new Uint8Array(26);
  const dv = view(out);
  out.set(littleEndian ? [0x49, 0x49, 0x2a, 0x00] : [0x4d, 0x4d, 0x00, 0x2a]);
  dv.setUint32(4, 8, littleEndian); // IFD0 right after the header
  dv.setUint16(8, 1, littleEndian); // one entry
  dv.setUint16(10, ORIENTATION, littleEndian);
  dv.setUint16(12, 3, littleEndian); // SHORT
  dv.setUint32(14, 1, littleEndian); // count
  dv.setUint16(18, orientation, littleEndian); // value, left-justified in the 4-byte field
  // bytes 22-25: offset of the next IFD, 0: there is none
  return out;
}
