// WebP (RIFF): keep the image chunks (VP8, VP8L, ALPH, and ANIM/ANMF for animations, every
// frame copied whole), VP8X and ICCP; drop EXIF, XMP and unknown chunks; clear the EXIF and XMP
// flags of VP8X and write the new RIFF size. Bytes after the RIFF are cut.
import { asciiBytes, check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { readExif } from "./exif.js";
import { keywordKeys } from "./keywords.js";

const KEEP = new Set(["VP8X", "ICCP", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L"]);
const IMAGE = new Set(["VP8 ", "VP8L", "ANMF"]);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function droppedKeys(fourcc, data) {
  if (fourcc === "EXIF") {
    // Some writers put JPEG's "Exif\0\0" prefix in front of the TIFF structure.
    return [...readExif(startsWith(data, "Exif\0\0") ? data.subarray(6) : data).keys];
  }
  const keys = keywordKeys(data);
  if (fourcc === "XMP ") return ["xmp", ...keys];
  return keys.length ? keys : ["other_metadata"];
}

/**
 * @param {Uint8Array} bytes the whole WebP file
 * @returns {{ parts: Uint8Array[], removed: string[], kept: string[] }}
 */
export function cleanWebp(bytes) {
  check(startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8), "no RIFF WEBP header");
  const dv = view(bytes);
  const riffEnd = 8 + dv.getUint32(4, true);
  check(riffEnd <= bytes.length, "the RIFF size runs past the end of the file");
  const chunks = [];
  const removed = [];
  const kept = [];
  let image = false;
  for (let pos = 12; pos < riffEnd;) {
    check(pos + 8 <= riffEnd, "a chunk header runs past the RIFF");
    const fourcc = latin1(bytes, pos, pos + 4);
    const size = dv.getUint32(pos + 4, true);
    const end = pos + 8 + size + (size & 1); // chunks are padded to an even size
    check(end <= riffEnd, `chunk ${fourcc} runs past the RIFF`);
    check(fourcc !== "VP8X" || (pos === 12 && size >= 10), "misplaced or short VP8X chunk");
    if (KEEP.has(fourcc)) {
      let chunk = bytes.subarray(pos, end);
      if (fourcc === "VP8X") {
        chunk = chunk.slice();
        chunk[8] &= ~(VP8X_EXIF | VP8X_XMP);
      }
      chunks.push(chunk);
      if (fourcc === "ICCP") kept.push("icc_profile");
      image ||= IMAGE.has(fourcc);
    } else {
      removed.push(...droppedKeys(fourcc, bytes.subarray(pos + 8, pos + 8 + size)));
    }
    pos = end;
  }
  check(image, "no image chunk");
  if (!isAllZero(bytes.subarray(riffEnd))) removed.push("trailer");
  const header = new Uint8Array(12);
  header.set(asciiBytes("RIFF"));
  view(header).setUint32(4, 4 + chunks.reduce((sum, c) => sum + c.length, 0), true);
  header.set(asciiBytes("WEBP"), 8);
  return { parts: [header, ...chunks], removed, kept };
}
