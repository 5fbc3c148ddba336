// PNG: keep the critical chunks (IHDR, PLTE, IDAT, IEND and any other whose name starts with a
// capital, which a decoder must understand) and the ancillary chunks that only say how to show
// the pixels; drop every other ancillary chunk: eXIf, tEXt/zTXt/iTXt (comments, XMP, author,
// software), tIME, dSIG, caBX (C2PA) and vendor chunks. Chunks are copied whole, so IDAT is
// byte-identical and every CRC stays valid; bytes after IEND are cut.
import { check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { readExif } from "./exif.js";
import { keywordKeys } from "./keywords.js";

// Colour, transparency, resolution and animation (APNG): what the picture looks like, not who took it.
const KEEP = new Set(["iCCP", "sRGB", "gAMA", "cHRM", "cICP", "mDCV", "mDCv", "cLLI", "cLLi", "sBIT", "pHYs", "tRNS",
  "bKGD", "hIST", "acTL", "fcTL", "fdAT"]);
const TEXT = new Set(["tEXt", "zTXt", "iTXt"]);
const XMP_KEYWORD = "XML:com.adobe.xmp";

function droppedKeys(type, data) {
  if (type === "eXIf" || type === "exIf") return [...readExif(data).keys];
  if (type === "tIME") return ["datetime"];
  if (TEXT.has(type)) {
    const nul = data.indexOf(0);
    const keyword = latin1(data, 0, nul === -1 ? data.length : nul);
    // An uncompressed iTXt (compression flag 0 after the keyword) can be read for its tag names.
    const plain = type === "iTXt" && nul !== -1 && data[nul + 1] === 0;
    if (keyword === XMP_KEYWORD) return ["xmp", ...(plain ? keywordKeys(data) : [])];
    return ["text_chunks", ...keywordKeys(data.subarray(0, nul === -1 ? data.length : nul))];
  }
  const keys = keywordKeys(data);
  return keys.length ? keys : ["other_metadata"];
}

/**
 * @param {Uint8Array} bytes the whole PNG file
 * @returns {{ parts: Uint8Array[], removed: string[], kept: string[] }}
 */
export function cleanPng(bytes) {
  check(startsWith(bytes, "\u0089PNG\r\n\u001a\n"), "no PNG signature");
  const dv = view(bytes);
  const parts = [bytes.subarray(0, 8)];
  const removed = [];
  const kept = [];
  let pixels = false;
  for (let pos = 8; ;) {
    check(pos + 12 <= bytes.length, "the file ends before IEND");
    const length = dv.getUint32(pos);
    const type = latin1(bytes, pos + 4, pos + 8);
    const end = pos + 12 + length;
    check(/^[A-Za-z]{4}$/.test(type) && length < 2 ** 31 && end <= bytes.length, `broken chunk at byte ${pos}`);
    check(pos > 8 || type === "IHDR", "the first chunk is not IHDR");
    const critical = type.charCodeAt(0) < 0x61; // capital first letter
    if (critical || KEEP.has(type)) {
      parts.push(bytes.subarray(pos, end));
      if (type === "iCCP") kept.push("icc_profile");
      if (type === "IDAT") pixels = true;
    } else {
      removed.push(...droppedKeys(type, bytes.subarray(pos + 8, end - 4)));
    }
    pos = end;
    if (type === "IEND") {
      check(pixels, "no IDAT chunk");
      if (!isAllZero(bytes.subarray(pos))) removed.push("trailer");
      break;
    }
  }
  return { parts, removed, kept };
}
