// PNG: keep the critical chunks (IHDR, PLTE, IDAT, IEND and any other whose name starts with a
// capital, which a decoder must understand) and the ancillary chunks that only say how to show
// the pixels; drop every other ancillary chunk: eXIf, tEXt/zTXt/iTXt (comments, XMP, author,
// software), tIME, dSIG, caBX (C2PA) and vendor chunks. Chunks are copied whole, so IDAT is
// byte-identical and every CRC stays valid; bytes after IEND are cut. The colour profile
// (iCCP) is rebuilt without what names the device (icc.js) and compressed again.
//
// A truncated or damaged file keeps its chunks up to the break once pixel data has started (a
// cut IDAT is kept as it is, the way decoders read a partial download; otherwise an IEND
// closes the file): "incomplete". Cut before any IDAT, there is no picture to send.
import { Refused, asciiBytes, check, isAllZero, latin1, startsWith, view } from "./bytes.js";
import { readExif } from "./exif.js";
import { cleanIcc } from "./icc.js";
import { keywordKeys, xmpKeys } from "./keywords.js";

// Colour, transparency, resolution and animation (APNG): what the picture looks like, not who took it.
const KEEP = new Set(["sRGB", "gAMA", "cHRM", "cICP", "mDCV", "mDCv", "cLLI", "cLLi", "sBIT", "pHYs", "tRNS",
  "bKGD", "hIST", "acTL", "fcTL", "fdAT"]);
const TEXT = new Set(["tEXt", "zTXt", "iTXt"]);
const XMP_KEYWORD = "XML:com.adobe.xmp";
const IEND = Uint8Array.of(0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A chunk: length, type, data, CRC over type and data. */
function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  view(out).setUint32(0, data.length);
  out.set(asciiBytes(type), 4);
  out.set(data, 8);
  view(out).setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** zlib (RFC 1950) through the platform's streams: browsers, workers and Node alike. */
async function zlib(bytes, mode) {
  const stream = new Blob([bytes]).stream().pipeThrough(mode === "inflate"
    ? new DecompressionStream("deflate") : new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** iCCP: name, NUL, method 0, zlib data. Rebuilt with a profile that names no device, or dropped. */
async function cleanIccp(data, removed, kept) {
  const nul = data.indexOf(0);
  let icc = null;
  if (nul > 0 && nul < 80 && data[nul + 1] === 0) {
    try {
      icc = cleanIcc(await zlib(data.subarray(nul + 2), "inflate"));
    } catch {
      icc = null; // a broken or cut zlib stream: no colour engine could read it either
    }
  }
  if (!icc) {
    removed.push("other_metadata");
    return null;
  }
  kept.push("icc_profile");
  removed.push(...icc.removed);
  // The profile name is free text too ("Display", a monitor's name): a neutral one.
  const name = asciiBytes("ICC Profile");
  const compressed = await zlib(icc.profile, "deflate");
  const out = new Uint8Array(name.length + 2 + compressed.length);
  out.set(name);
  out.set(compressed, name.length + 2);
  return chunk("iCCP", out);
}

function droppedKeys(type, data) {
  if (type === "eXIf" || type === "exIf") return [...readExif(data).keys];
  if (type === "tIME") return ["datetime"];
  if (TEXT.has(type)) {
    const nul = data.indexOf(0);
    const keyword = latin1(data, 0, nul === -1 ? data.length : nul);
    // An uncompressed iTXt (compression flag 0 after the keyword) can be read for its tag names.
    const plain = type === "iTXt" && nul !== -1 && data[nul + 1] === 0;
    if (keyword === XMP_KEYWORD) return ["xmp", ...(plain ? xmpKeys(data) : [])];
    return ["text_chunks", ...keywordKeys(data.subarray(0, nul === -1 ? data.length : nul))];
  }
  const keys = keywordKeys(data);
  return keys.length ? keys : ["other_metadata"];
}

/**
 * @param {Uint8Array} bytes the whole PNG file
 * @returns {Promise<{ parts: Uint8Array[], removed: string[], kept: string[] }>}
 */
export async function cleanPng(bytes) {
  check(startsWith(bytes, "\u0089PNG\r\n\u001a\n"), "no PNG signature");
  const dv = view(bytes);
  const parts = [bytes.subarray(0, 8)];
  const removed = [];
  const kept = [];
  let pixels = false;
  for (let pos = 8; ;) {
    const header = pos + 8 <= bytes.length;
    const length = header ? dv.getUint32(pos) : 0;
    const type = header ? latin1(bytes, pos + 4, pos + 8) : "";
    const end = pos + 12 + length;
    const broken = header && !(/^[A-Za-z]{4}$/.test(type) && length < 2 ** 31);
    if (!header || broken || end > bytes.length) {
      // The file stops being readable here.
      const partialPixels = type === "IDAT" && !broken && pos > 8;
      if (!pixels && !partialPixels) {
        check(!broken, `broken chunk at byte ${pos}`);
        throw new Refused("no_picture", "the file ends before any pixel data");
      }
      if (partialPixels) parts.push(bytes.subarray(pos)); // a cut IDAT, kept as decoders read a partial download
      else parts.push(IEND);
      kept.push("incomplete");
      break;
    }
    check(pos > 8 || type === "IHDR", "the first chunk is not IHDR");
    const critical = type.charCodeAt(0) < 0x61; // capital first letter
    if (type === "iCCP") {
      const rebuilt = await cleanIccp(bytes.subarray(pos + 8, end - 4), removed, kept);
      if (rebuilt) parts.push(rebuilt);
    } else if (critical || KEEP.has(type)) {
      parts.push(bytes.subarray(pos, end));
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
