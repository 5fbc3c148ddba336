// JPEG cleaning on segments built in code: exact output bytes, so the compressed data is
// provably untouched and nothing but the written-back Orientation is added.
import { describe, expect, it } from "vitest";
import { cleanIcc } from "../../../pwa/src/media/icc.js";
import { DHT, DQT, EOI, JFIF, SCAN, SOF0, SOI, SOS, concat, contains, entry, exifSegment, iccProfile, seg, strip, tiff }
  from "./builders.js";

const CANARIES = ["CANARY-MAKE", "CANARY-MODEL", "CANARY-XMP", "CANARY-IPTC", "CANARY-COMMENT", "CANARY-MOTION",
  "CANARY-C2PA", "CANARY-MONITOR"];

const EXIF = exifSegment(tiff({
  ifd0: [entry(0x010f, 2, "CANARY-MAKE"), entry(0x0110, 2, "CANARY-MODEL"), entry(0x0112, 3, [6])],
  exif: [entry(0x9003, 2, "2024:05:01 10:00:00")],
  gps: [entry(0x0000, 1, "\u0002\u0003\0\0"), entry(0x0001, 2, "N")],
  ifd1: [entry(0x0201, 4, [0]), entry(0x0202, 4, [0])],
}));
const XMP = seg(0xe1, concat("http://ns.adobe.com/xap/1.0/\0",
  "<x:xmpmeta><rdf:Description dc:creator='CANARY-XMP' GCamera:MicroVideo='1'/></x:xmpmeta>"));
const PROFILE = iccProfile();
const iccSegment = (profile, index = 1, count = 1) => seg(0xe2, concat("ICC_PROFILE\0", Uint8Array.of(index, count),
  profile));
const ICC = iccSegment(PROFILE);
const CLEAN_ICC = iccSegment(cleanIcc(PROFILE).profile);
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
    expect(out.bytes).toEqual(concat(SOI, JFIF, orientation, CLEAN_ICC, ADOBE, IMAGE, EOI));
    // the GPS IFD holds a version and a latitude reference, no position: no "gps"
    expect(out.removed).toEqual(["make_model", "datetime", "owner", "serial", "icc_device", "comment", "thumbnail",
      "motion_photo", "xmp", "iptc", "other_metadata"]);
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

  it("reassembles a profile split over several APP2 segments and writes it back whole", async () => {
    const half = Math.floor(PROFILE.length / 2);
    const input = concat(SOI, iccSegment(PROFILE.subarray(half), 2, 2), JFIF, iccSegment(PROFILE.subarray(0, half), 1, 2),
      IMAGE, EOI);
    const out = await strip(input);
    expect(out.bytes).toEqual(concat(SOI, CLEAN_ICC, JFIF, IMAGE, EOI));
    expect(out.kept).toEqual(["icc_profile"]);
  });

  it("drops a profile that does not read (a missing piece) and says so", async () => {
    const out = await strip(concat(SOI, iccSegment(PROFILE.subarray(0, 100), 1, 2), IMAGE, EOI));
    expect(out.bytes).toEqual(concat(SOI, IMAGE, EOI));
    expect(out.removed).toEqual(["other_metadata"]);
    expect(out.kept).toEqual([]);
  });

  const MAKE = exifSegment(tiff({ ifd0: [entry(0x010f, 2, "CANARY-MAKE")] }));
  it.each([
    ["in the scan data", concat(SOI, JFIF, MAKE, IMAGE.subarray(0, IMAGE.length - 3)),
      concat(SOI, JFIF, IMAGE.subarray(0, IMAGE.length - 3))],
    ["between two scans of a progressive JPEG", concat(SOI, MAKE, IMAGE, DHT.subarray(0, 3)), concat(SOI, IMAGE)],
    ["at a broken marker after the scan", concat(SOI, MAKE, IMAGE, Uint8Array.of(0xff, 0xd8), "garbage", EOI),
      concat(SOI, IMAGE)],
  ])("cleans a file cut or broken %s, up to the break, without adding an end", async (_, input, expected) => {
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.bytes).toEqual(expected);
    expect(out.kept).toContain("incomplete");
    expect(contains(out.bytes, "CANARY-MAKE")).toBe(false);
  });

  it.each([
    ["only the start-of-image marker", concat(SOI, Uint8Array.of(0xff))],
    ["a segment longer than the file", concat(SOI, JFIF, Uint8Array.of(0xff, 0xe1, 0xff, 0xf0, 1, 2, 3))],
    ["a cut in the Exif block", concat(SOI, JFIF, EXIF.subarray(0, 30))],
  ])("refuses a file with no picture data (%s): nothing worth sending", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "refused", reason: "no_picture", source: null });
  });

  it.each([
    ["garbage where a marker should be", concat(SOI, JFIF, "garbage", IMAGE, EOI)],
    ["no scan", concat(SOI, JFIF, DQT, EOI)],
    ["a scan before the frame header", concat(SOI, SOS, SCAN, EOI)],
  ])("refuses a damaged file (%s) as unsupported: what follows the break cannot be read", async (_, input) => {
    const out = await strip(input);
    expect(out).toMatchObject({ status: "unsupported", reason: "damaged", mediaType: "image/jpeg", source: null,
      removed: [], kept: [] });
  });
});
