// WebP (RIFF): keep the image chunks (VP8, VP8L, ALPH, and ANIM/ANMF for animations, every
// frame copied whole), VP8X and ICCP (the profile rebuilt without what names the device,
// icc.js); drop EXIF, XMP and unknown chunks; clear the EXIF and XMP flags of VP8X and write
// the new RIFF size. Bytes after the RIFF are cut. A truncated file keeps its chunks up to the
// cut, a cut image chunk as it is ("incomplete"); cut before any image data, nothing is sent.
import { Refused, asciiBytes, check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { readExif } from "./exif.js";
import { cleanIcc } from "./icc.js";
import { keywordKeys, xmpKeys } from "./keywords.js";

const KEEP = new Set(["VP8X", "ICCP", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L"]);
const IMAGE = new Set(["VP8 ", "VP8L", "ANMF"]);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const VP8X_ICC = 0x20;

function chunkOf(fourcc, data) {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  out.set(asciiBytes(fourcc));
  view(out).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

function droppedKeys(fourcc, data) {
  if (fourcc === "EXIF") {
    // Some writers put JPEG's "Exif\0\0" prefix in front of the TIFF structure.
    return [...readExif(startsWith(data, "Exif\0\0") ? data.subarray(6) : data).keys];
  }
  if (fourcc === "XMP ") return ["xmp", ...xmpKeys(data)];
  const keys = keywordKeys(data);
  return keys.length ? keys : ["other_metadata"];
}

/**
 * @param {Uint8Array} bytes the whole WebP file
 * @returns {{ parts: Uint8Array[], removed: string[], kept: string[] }}
 */
export function cleanWebp(bytes) {
  check(startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8), "no RIFF WEBP header");
  const dv = view(bytes);
  const declaredEnd = 8 + dv.getUint32(4, true);
  const riffEnd = Math.min(declaredEnd, bytes.length); // a truncated file: read what is there
  const chunks = [];
  const removed = [];
  const kept = [];
  let image = false;
  let iccDropped = false;
  for (let pos = 12; pos < riffEnd;) {
    const fourcc = pos + 8 <= riffEnd ? latin1(bytes, pos, pos + 4) : "";
    const size = pos + 8 <= riffEnd ? dv.getUint32(pos + 4, true) : 0;
    const end = pos + 8 + size + (size & 1); // chunks are padded to an even size
    if (!fourcc || end > riffEnd) {
      check(declaredEnd > bytes.length, `chunk ${fourcc} runs past the RIFF`);
      // Cut here: a cut image chunk is kept as decoders read a partial download; nothing else is.
      if (!image && !IMAGE.has(fourcc)) throw new Refused("no_picture", "the file ends before any image data");
      if (IMAGE.has(fourcc) || fourcc === "ALPH") chunks.push(bytes.subarray(pos));
      kept.push("incomplete");
      image = true;
      break;
    }
    check(fourcc !== "VP8X" || (pos === 12 && size >= 10), "misplaced or short VP8X chunk");
    if (fourcc === "ICCP") {
      const icc = cleanIcc(bytes.subarray(pos + 8, pos + 8 + size));
      if (icc) {
        chunks.push(chunkOf("ICCP", icc.profile));
        kept.push("icc_profile");
        removed.push(...icc.removed);
      } else {
        iccDropped = true;
        removed.push("other_metadata");
      }
    } else if (KEEP.has(fourcc)) {
      let chunk = bytes.subarray(pos, end);
      if (fourcc === "VP8X") {
        chunk = chunk.slice();
        chunk[8] &= ~(VP8X_EXIF | VP8X_XMP);
      }
      chunks.push(chunk);
      image ||= IMAGE.has(fourcc);
    } else {
      removed.push(...droppedKeys(fourcc, bytes.subarray(pos + 8, pos + 8 + size)));
    }
    pos = end;
  }
  check(image, "no image chunk");
  if (iccDropped && chunks[0] && latin1(chunks[0], 0, 4) === "VP8X") chunks[0][8] &= ~VP8X_ICC;
  if (!isAllZero(bytes.subarray(riffEnd))) removed.push("trailer");
  const header = new Uint8Array(12);
  header.set(asciiBytes("RIFF"));
  view(header).setUint32(4, 4 + chunks.reduce((sum, c) => sum + c.length, 0), true);
  header.set(asciiBytes("WEBP"), 8);
  return { parts: [header, ...chunks], removed, kept };
}
