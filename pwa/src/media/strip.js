// Metadata stripping on the phone, before encryption (docs/metadata.md). The format is sniffed
// from the bytes; each format module cleans losslessly or throws Unsupported. No DOM: this
// runs in the crypto worker, the page and Node alike.
import { Refused, Unsupported } from "./bytes.js";
import { cleanBmff } from "./bmff.js";
import { cleanHeif } from "./heif.js";
import { cleanJpeg } from "./jpeg.js";
import { REMOVED_LABELS } from "./labels.js";
import { cleanPng } from "./png.js";
import { SNIFF_BYTES, sniff } from "./sniff.js";
import { bytesPart, partsSource, readBlob } from "./source.js";
import { cleanWebp } from "./webp.js";

export { readAll } from "./source.js";

/** Photos are cleaned in memory; beyond this, a phone's worker may run out of it. */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

const IMAGE_CLEANERS = { jpeg: cleanJpeg, png: cleanPng, webp: cleanWebp, heif: cleanHeif };
const ORDER = Object.keys(REMOVED_LABELS.en);

/** Keys without repeats, in the labels' order: stable for the UI and the manifest. */
const ordered = (keys) => [...new Set(keys)].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));

const notCleaned = (status, mediaType, reason) => ({ status, mediaType, source: null, removed: [], kept: [], reason });

async function clean(kind, blob) {
  if (kind === "bmff") return cleanBmff(blob);
  if (blob.size > MAX_IMAGE_BYTES) throw new Unsupported("too_large", "image above the in-memory limit");
  const cleaned = await IMAGE_CLEANERS[kind](await readBlob(blob, 0, blob.size));
  return { ...cleaned, parts: cleaned.parts.map(bytesPart) };
}

/**
 * Remove the metadata of a photo or video.
 * @param {Blob} blob the picked File (or any Blob)
 * @param {{ name?: string, type?: string }} _claims the file name and the browser's MIME type:
 *   accepted for the callers' convenience but never trusted, the bytes decide
 * @returns {Promise<{ status: "cleaned"|"unsupported"|"refused", mediaType: string,
 *   source: { size: number, read(offset: number, length: number): Promise<Uint8Array> }|null,
 *   removed: string[], kept: string[], reason: string|null }>} "unsupported": the citizen may
 *   still send it as it is (metadata included, with a warning); "refused": nothing worth
 *   sending (an empty file, a picture file holding no picture data)
 */
export async function stripMetadata(blob, _claims = {}) {
  if (blob.size === 0) return notCleaned("refused", "application/octet-stream", "empty");
  const { kind, mediaType } = sniff(await readBlob(blob, 0, SNIFF_BYTES));
  if (kind === "unknown") return notCleaned("unsupported", mediaType, "unknown_format");
  if (kind === "other") return notCleaned("unsupported", mediaType, "unsupported_format");
  try {
    const { parts, removed, kept } = await clean(kind, blob);
    return { status: "cleaned", mediaType, source: partsSource(parts), removed: ordered(removed), kept: ordered(kept),
      reason: null };
  } catch (error) {
    if (error instanceof Refused) return notCleaned("refused", mediaType, error.reason);
    if (error instanceof Unsupported) return notCleaned("unsupported", mediaType, error.reason);
    // A DataView read past the end of a buffer: the file is shorter than its own structure says.
    if (error instanceof RangeError) return notCleaned("unsupported", mediaType, "damaged");
    throw error;
  }
}
