// What a file is, from its first bytes only: the browser's MIME type and the file name come
// from the sender's phone and may be wrong or missing ("" for many gallery apps).
import { latin1, startsWith } from "./bytes.js";

/** How many leading bytes sniff() needs. */
export const SNIFF_BYTES = 64;

// HEIF family (HEIC, AVIF and their sequences): cleaned as items (heif.js); sequences are not.
const HEIF_BRANDS = {
  heic: "image/heic", heix: "image/heic", heim: "image/heic", heis: "image/heic",
  hevc: "image/heic-sequence", hevx: "image/heic-sequence", hevm: "image/heic-sequence", hevs: "image/heic-sequence",
  mif1: "image/heif", mif2: "image/heif", msf1: "image/heif-sequence",
  avif: "image/avif", avis: "image/avif",
};

// Recognised but not cleaned: "unsupported" with the reason "unsupported_format".
const OTHER_SIGNATURES = [
  ["GIF87a", "image/gif"],
  ["GIF89a", "image/gif"],
  ["%PDF-", "application/pdf"],
  ["II*\0", "image/tiff"],
  ["MM\0*", "image/tiff"],
  ["\u00ff\u000a", "image/jxl"],
  ["\0\0\0\u000cJXL \r\n\u0087\n", "image/jxl"],
  ["\u001a\u0045\u00df\u00a3", "video/webm"],
];

// QuickTime files from before ftyp existed start straight with one of these boxes.
const BARE_QUICKTIME = new Set(["moov", "mdat", "free", "skip", "wide", "pnot"]);

function bmffType(brand) {
  if (brand === "qt  ") return "video/quicktime";
  if (brand.startsWith("3gp") || brand.startsWith("3g2")) return "video/3gpp";
  if (brand === "M4A " || brand === "M4B ") return "audio/mp4";
  return "video/mp4";
}

/**
 * @param {Uint8Array} head the first SNIFF_BYTES bytes (fewer if the file is shorter)
 * @returns {{ kind: "jpeg"|"png"|"webp"|"bmff"|"heif"|"other"|"unknown", mediaType: string }}
 */
export function sniff(head) {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: "jpeg", mediaType: "image/jpeg" };
  if (startsWith(head, "\u0089PNG\r\n\u001a\n")) return { kind: "png", mediaType: "image/png" };
  if (startsWith(head, "RIFF") && startsWith(head, "WEBP", 8)) return { kind: "webp", mediaType: "image/webp" };
  if (startsWith(head, "ftyp", 4) && head.length >= 12) {
    const brand = latin1(head, 8, 12);
    if (HEIF_BRANDS[brand]) return { kind: "heif", mediaType: HEIF_BRANDS[brand] };
    if (brand === "crx ") return { kind: "other", mediaType: "image/x-canon-cr3" };
    return { kind: "bmff", mediaType: bmffType(brand) };
  }
  if (head.length >= 8 && BARE_QUICKTIME.has(latin1(head, 4, 8))) return { kind: "bmff", mediaType: "video/quicktime" };
  for (const [signature, mediaType] of OTHER_SIGNATURES) {
    if (startsWith(head, signature)) return { kind: "other", mediaType };
  }
  return { kind: "unknown", mediaType: "application/octet-stream" };
}
