// The entry point: the format is sniffed from the bytes (never from the name or the browser's
// type), HEIC/HEIF/AVIF are cleaned like the others, anything unknown or broken is "unsupported"
// (or "refused" when there is nothing worth sending) without throwing, and every key the
// stripper can answer has a French and an English label.
import { describe, expect, it } from "vitest";
import { REMOVED_LABELS } from "../../../pwa/src/media/labels.js";
import { readAll, stripMetadata } from "../../../pwa/src/media/strip.js";
import {
  DHT, DQT, EOI, JFIF, PNG_SIGNATURE, SCAN, SOF0, SOI, SOS, SparseBlob, box, concat, entry, exifItem, exifSegment,
  fullBox, heifFile, pngChunk, riff, riffChunk, strip, tiff, timedBox, u32, seg,
} from "./builders.js";

const EXIF = tiff({ ifd0: [entry(0x010f, 2, "CANARY"), entry(0x0112, 3, [6])],
  gps: [entry(1, 2, "N"), entry(2, 5, [48, 1, 51, 1, 0, 1])] });
const hdlr = (type) => fullBox("hdlr", 0, u32(0), type, new Uint8Array(12));
const SAMPLES = {
  jpeg: concat(SOI, JFIF, exifSegment(EXIF), seg(0xfe, concat("comment")), DQT, SOF0, DHT, SOS, SCAN, EOI, "trailer"),
  png: concat(PNG_SIGNATURE, pngChunk("IHDR", concat(u32(1), u32(1), Uint8Array.of(8, 0, 0, 0, 0))),
    pngChunk("tEXt", concat("Software\0x")), pngChunk("eXIf", EXIF), pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 1)),
    pngChunk("IEND")),
  webp: riff(riffChunk("VP8X", new Uint8Array(10).fill(0x0c)), riffChunk("VP8L", Uint8Array.of(0x2f, 0, 0, 0, 0)),
    riffChunk("EXIF", EXIF), riffChunk("XMP ", concat("<x:xmpmeta/>"))),
  // A metadata track whose two 4-byte samples are the mdat payload (bytes 24 to 32).
  mp4: concat(box("ftyp", "isom", u32(0)), box("mdat", "ABCDEFGH"), box("moov",
    timedBox("mvhd", 0, 5, 5, new Uint8Array(8)),
    box("trak", timedBox("tkhd", 0, 5, 5, new Uint8Array(8)), box("mdia", hdlr("meta"), box("minf", box("stbl",
      fullBox("stsc", 0, u32(1), u32(1), u32(1), u32(1)), fullBox("stsz", 0, u32(4), u32(2)),
      fullBox("stco", 0, u32(2), u32(24), u32(28)))))),
    box("udta", box("\u00a9xyz", "+1+2/")), box("Xtra", "x"))),
};

const heif = (brand) => heifFile({ brand, items: [
  { id: 1, type: brand.startsWith("av") ? "av01" : "hvc1", data: concat("PIXELS"), props: [[1, true]] },
  { id: 2, type: "Exif", hidden: true, data: exifItem(EXIF) }], refs: [["cdsc", 2, [1]]],
properties: [box("hvcC", Uint8Array.of(1))] });
SAMPLES.heic = heif("heic");

describe("stripMetadata", () => {
  it.each([
    ["heic", "image/heic"], ["heix", "image/heic"], ["mif1", "image/heif"], ["avif", "image/avif"],
  ])("cleans HEIF brand %s as %s (AVIF is no HEIC: never the iPhone message)", async (brand, mediaType) => {
    const result = await stripMetadata(new Blob([heif(brand)]), { name: "IMG_0001.HEIC", type: "" });
    expect(result).toMatchObject({ status: "cleaned", mediaType, removed: ["gps", "make_model"],
      kept: [], reason: null });
  });

  it.each([
    ["a GIF", concat("GIF89a", new Uint8Array(20)), "image/gif", "unsupported_format"],
    ["a PDF", concat("%PDF-1.7\n"), "application/pdf", "unsupported_format"],
    ["a TIFF (or DNG)", concat("II*\0", u32(8, true)), "image/tiff", "unsupported_format"],
    ["a Canon CR3 raw", concat(box("ftyp", "crx ", u32(1))), "image/x-canon-cr3", "unsupported_format"],
    ["random bytes", Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff), "application/octet-stream",
      "unknown_format"],
  ])("does not clean %s", async (_, bytes, mediaType, reason) => {
    expect(await stripMetadata(new Blob([bytes]), { name: "x.jpg", type: "image/jpeg" })).toEqual(
      { status: "unsupported", mediaType, source: null, removed: [], kept: [], reason });
  });

  it("refuses an empty file: nothing to send, with or without metadata", async () => {
    expect(await stripMetadata(new Blob([]), { name: "x.jpg", type: "image/jpeg" })).toEqual(
      { status: "refused", mediaType: "application/octet-stream", source: null, removed: [], kept: [],
        reason: "empty" });
  });

  it("does not load a photo too large for a phone's memory", async () => {
    const blob = new SparseBlob(300 * 2 ** 20, [[0, concat(SOI, JFIF)]]);
    expect(await stripMetadata(blob, {})).toEqual(
      { status: "unsupported", mediaType: "image/jpeg", source: null, removed: [], kept: [], reason: "too_large" });
    expect(blob.reads).toEqual([[0, 64]]);
  });

  it("trusts the bytes, not the name or the browser's type", async () => {
    const out = await strip(SAMPLES.png, { name: "photo.jpg", type: "image/jpeg" });
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("image/png");
  });

  it("cleans each sample format", async () => {
    const results = {};
    for (const [format, bytes] of Object.entries(SAMPLES)) {
      const { status, mediaType, removed, kept } = await strip(bytes);
      results[format] = { status, mediaType, removed, kept };
    }
    expect(results).toEqual({
      jpeg: { status: "cleaned", mediaType: "image/jpeg", removed: ["gps", "make_model", "comment", "trailer"],
        kept: ["orientation"] },
      png: { status: "cleaned", mediaType: "image/png", removed: ["gps", "make_model", "software", "text_chunks"],
        kept: [] },
      webp: { status: "cleaned", mediaType: "image/webp", removed: ["gps", "make_model", "xmp"], kept: [] },
      heic: { status: "cleaned", mediaType: "image/heic", removed: ["gps", "make_model"], kept: [] },
      mp4: { status: "cleaned", mediaType: "video/mp4",
        removed: ["location", "creation_time", "metadata_track", "other_metadata"], kept: [] },
    });
  });

  it.each(Object.keys(SAMPLES))("never throws on a truncated or corrupted %s", async (format) => {
    const original = SAMPLES[format];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const variants = [];
    for (let length = 0; length < original.length; length += 3) variants.push(original.subarray(0, length));
    for (let i = 0; i < 300; i++) {
      const bad = original.slice();
      for (let k = 0; k < 3; k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
      variants.push(bad);
    }
    const statuses = new Set();
    for (const bytes of variants) {
      const result = await stripMetadata(new Blob([bytes]), {});
      statuses.add(result.status);
      if (result.status === "cleaned") {
        const cleaned = await readAll(result.source);
        expect(cleaned.length).toBe(result.source.size);
        // whatever survived the damage, the canary did not
        expect(Buffer.from(cleaned).includes("CANARY"), format).toBe(false);
      } else expect(result.source).toBe(null);
    }
    expect(statuses.has("cleaned") && (statuses.has("unsupported") || statuses.has("refused"))).toBe(true);
    for (const status of statuses) expect(["cleaned", "unsupported", "refused"]).toContain(status);
  });
});

describe("labels", () => {
  it("has the same keys in French and English, none empty", () => {
    expect(Object.keys(REMOVED_LABELS.fr)).toEqual(Object.keys(REMOVED_LABELS.en));
    for (const lang of ["fr", "en"]) {
      for (const text of Object.values(REMOVED_LABELS[lang])) expect(text).toMatch(/^\S(.*\S)?$/);
    }
    expect(REMOVED_LABELS.fr.gps).toBe("position GPS retirée");
  });

  it("labels every key the stripper answered in these tests and the format tests", async () => {
    const keys = new Set(["heic", "unknown_format", "unsupported_format", "damaged", "too_large", "empty", "no_picture",
      "image_sequence", "incomplete", "place", "icc_device", "auxiliary_images"]);
    for (const bytes of Object.values(SAMPLES)) {
      const result = await stripMetadata(new Blob([bytes]), {});
      for (const key of [...result.removed, ...result.kept]) keys.add(key);
    }
    for (const key of keys) {
      expect(REMOVED_LABELS.fr[key], key).toBeTruthy();
      expect(REMOVED_LABELS.en[key], key).toBeTruthy();
    }
  });
});
