// JPEG cleaning on segments built in code: exact output bytes, so the compressed data is
// provably untouched and nothing but the written-back Orientation is added.
import { describe, expect, it } from "vitest";
import { DHT, DQT, EOI, JFIF, SCAN, SOF0, SOI, SOS, concat, contains, entry, exifSegment, seg, strip, tiff }
  from "./builders.js";

const CANARIES = ["CANARY-MAKE", "CANARY-MODEL", "CANARY-XMP", "CANARY-IPTC", "CANARY-COMMENT", "CANARY-MOTION",
  "CANARY-C2PA"];

const EXIF = exifSegment(tiff({
  ifd0: [entry(0x010f, 2, "CANARY-MAKE"), entry(0x0110, 2, "CANARY-MODEL"), entry(0x0112, 3, [6])],
  exif: [entry(0x9003, 2, "2024:05:01 10:00:00")],
  gps: [entry(0x0000, 1, "\u0002\u0003\0\0"), entry(0x0001, 2, "N")],
  ifd1: [entry(0x0201, 4, [0]), entry(0x0202, 4, [0])],
}));
const XMP = seg(0xe1, concat("http://ns.adobe.com/xap/1.0/\0",
  "<x:xmpmeta><rdf:Description dc:creator='CANARY-XMP' GCamera:MicroVideo='1'/></x:xmpmeta>"));
const ICC = seg(0xe2, concat("ICC_PROFILE\0", Uint8Array.of(1, 1), "fake profile bytes"));
const MPF = seg(0xe2, concat("MPF\0", "MM\0*\0\0\0\u0008"));
const IPTC = seg(0xed, concat("Photoshop 3.0\0", "8BIM\u0004\u0004\0\0\0\0\0\u000eCANARY-IPTC..."));
const ADOBE = seg(0xee, concat("Adobe", Uint8Array.of(0, 100, 0, 0, 0, 0, 1)));
const COM = seg(0xfe, concat("CANARY-COMMENT"));
const C2PA = seg(0xeb, concat("JP", Uint8Array.of(0, 0), "jumb CANARY-C2PA"));
const JFIF_THUMB = seg(0xe0, concat("JFIF\0", Uint8Array.of(1, 2, 0, 0, 1, 0, 1, 1, 1, 200, 10, 10)));
const MOTION = concat(Uint8Array.of(0, 0, 0, 24), "ftypmp42", "....CANARY-MOTION");
const IMAGE = concat(DQT, SOF0, DHT, SOS, SCAN);

describe("JPEG", () => {
  it("keeps the decoding segments byte for byte, writes back Orientation only, cuts the motion photo", async () => {
    const input = concat(SOI, JFIF, EXIF, XMP, ICC, MPF, IPTC, ADOBE, COM, C2PA, IMAGE, EOI, MOTION);
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("image/jpeg");
    const orientation = exifSegment(concat("MM\0*", Uint8Array.of(0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6,
      0, 0, 0, 0, 0, 0)));
    expect(out.bytes).toEqual(concat(SOI, JFIF, orientation, ICC, ADOBE, IMAGE, EOI));
    expect(out.removed).toEqual(["gps", "make_model", "datetime", "owner", "comment", "thumbnail", "motion_photo",
      "xmp", "iptc", "other_metadata"]);
    expect(out.kept).toEqual(["icc_profile", "orientation"]);
    for (const canary of CANARIES) {
      expect(contains(input, canary)).toBe(true);
      expect(contains(out.bytes, canary)).toBe(false);
    }
  });

  it("writes no Exif when the orientation is normal, and drops the JFIF thumbnail", async () => {
    const exif = exifSegment(tiff({ le: true, ifd0: [entry(0x0112, 3, [1]), entry(0x0131, 2, "CANARY-OS")] }));
    const out = await strip(concat(SOI, JFIF_THUMB, exif, IMAGE, EOI));
    expect(out.bytes).toEqual(concat(SOI, JFIF, IMAGE, EOI));
    expect(out.removed).toEqual(["software", "thumbnail"]);
    expect(out.kept).toEqual([]);
  });

  it("writes the Orientation right after SOI, little-endian as the original, when there is no JFIF", async () => {
    const exif = exifSegment(tiff({ le: true, ifd0: [entry(0x0112, 3, [3])] }));
    const out = await strip(concat(SOI, exif, IMAGE, EOI));
    const written = exifSegment(Uint8Array.of(0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0,
      0, 0, 0, 0, 0, 0));
    expect(out.bytes).toEqual(concat(SOI, written, IMAGE, EOI));
    expect(out.removed).toEqual([]);
    expect(out.kept).toEqual(["orientation"]);
  });

  it("keeps every scan of a progressive JPEG and drops a comment between scans", async () => {
    const input = concat(SOI, IMAGE, COM, DHT, SOS, SCAN, EOI, new Uint8Array(16));
    const out = await strip(input);
    expect(out.bytes).toEqual(concat(SOI, IMAGE, DHT, SOS, SCAN, EOI));
    expect(out.removed).toEqual(["comment"]); // zero padding after EOI is not worth a mention
  });

  it("calls bytes after EOI that are no video a trailer", async () => {
    const out = await strip(concat(SOI, IMAGE, EOI, SOI, "second image of an MPF set"));
    expect(out.bytes).toEqual(concat(SOI, IMAGE, EOI));
    expect(out.removed).toEqual(["trailer"]);
  });

  it.each([
    ["no end-of-image marker", concat(SOI, JFIF, IMAGE)],
    ["a segment longer than the file", concat(SOI, JFIF, Uint8Array.of(0xff, 0xe1, 0xff, 0xf0, 1, 2, 3))],
    ["garbage where a marker should be", concat(SOI, JFIF, "garbage", IMAGE, EOI)],
    ["no scan", concat(SOI, JFIF, DQT, EOI)],
    ["a scan before the frame header", concat(SOI, SOS, SCAN, EOI)],
    ["only the start-of-image marker", concat(SOI, Uint8Array.of(0xff))],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    const out = await strip(input);
    expect(out).toMatchObject({ status: "unsupported", reason: "damaged", mediaType: "image/jpeg", source: null,
      removed: [], kept: [] });
  });
});
