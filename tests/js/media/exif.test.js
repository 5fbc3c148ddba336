import { describe, expect, it } from "vitest";
import { orientationTiff, readExif } from "../../../pwa/src/media/exif.js";
import { concat, entry, tiff, u16, u32 } from "./builders.js";

const PHONE = {
  ifd0: [entry(0x010f, 2, "CANARY-MAKE"), entry(0x0110, 2, "CANARY-MODEL"), entry(0x0112, 3, [6]),
    entry(0x011a, 5, [72, 1]), entry(0x0131, 2, "CANARY-OS 17.1"), entry(0x0132, 2, "2024:05:01 10:00:00")],
  exif: [entry(0x9003, 2, "2024:05:01 10:00:00"), entry(0xa431, 2, "CANARY-SERIAL"), entry(0x829a, 5, [1, 120])],
  gps: [entry(0x0000, 1, "\u0002\u0003\0\0"), entry(0x0001, 2, "N"), entry(0x0002, 5, [48, 1, 51, 1, 2376, 100])],
  ifd1: [entry(0x0201, 4, [0]), entry(0x0202, 4, [0])],
};

describe("readExif", () => {
  it.each([false, true])("finds what a phone writes (little-endian: %s)", (le) => {
    const result = readExif(tiff({ le, ...PHONE }));
    expect([...result.keys].sort()).toEqual(
      ["datetime", "gps", "make_model", "other_metadata", "serial", "software", "thumbnail"]);
    expect(result.orientation).toBe(6);
    expect(result.littleEndian).toBe(le);
  });

  it("does not call a GPS IFD holding only the version a position", () => {
    const result = readExif(tiff({ ifd0: [entry(0x0112, 3, [1])], gps: [entry(0x0000, 1, "\u0002\u0003\0\0")] }));
    expect([...result.keys]).toEqual([]);
    expect(result.orientation).toBe(1);
  });

  it("names the owner and comments", () => {
    const result = readExif(tiff({ ifd0: [entry(0x013b, 2, "Jean Dupont"), entry(0x010e, 2, "ma rue")],
      exif: [entry(0xa430, 2, "Jean")] }));
    expect([...result.keys].sort()).toEqual(["comment", "owner"]);
  });

  it("reports broken structures as other metadata without throwing", () => {
    expect([...readExif(Uint8Array.of(1, 2, 3)).keys]).toEqual(["other_metadata"]);
    expect([...readExif(concat("MM\0*", u32(4000))).keys]).toEqual(["other_metadata"]);
    // An IFD0 whose Exif pointer points back at IFD0 itself, and a next-IFD pointer out of bounds.
    const loop = concat("MM\0*", u32(8), u16(1), u16(0x8769), u16(4), u32(1), u32(8), u32(9999));
    const result = readExif(loop);
    expect([...result.keys]).toEqual(["other_metadata"]);
    expect(result.orientation).toBe(null);
  });

  it("ignores an Orientation outside 1 to 8", () => {
    expect(readExif(tiff({ ifd0: [entry(0x0112, 3, [9])] })).orientation).toBe(null);
  });
});

describe("orientationTiff", () => {
  it("writes one IFD0 entry and no next IFD, big-endian", () => {
    expect([...orientationTiff(6, false)]).toEqual([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
      0, 6, 0, 0, 0, 0, 0, 0]);
  });

  it("writes one IFD0 entry and no next IFD, little-endian, and reads back", () => {
    const bytes = orientationTiff(8, true);
    expect([...bytes]).toEqual([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0,
      0, 0, 0, 0]);
    const back = readExif(bytes);
    expect(back.orientation).toBe(8);
    expect([...back.keys]).toEqual([]);
  });
});
