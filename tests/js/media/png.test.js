// PNG cleaning on chunks built in code with real CRCs: the kept chunks come out whole, in order,
// with valid CRCs; IDAT is byte-identical.
import { deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cleanIcc } from "../../../pwa/src/media/icc.js";
import { PNG_SIGNATURE, concat, contains, entry, iccProfile, pngChunk, pngChunks, strip, tiff, u32 } from "./builders.js";

const IHDR = pngChunk("IHDR", concat(u32(2), u32(2), Uint8Array.of(8, 2, 0, 0, 0)));
const IDAT1 = pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 0x63, 0x60));
const IDAT2 = pngChunk("IDAT", Uint8Array.of(0x60, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01));
const IEND = pngChunk("IEND");
const PROFILE = iccProfile({ version: 4 });
const ICCP = pngChunk("iCCP", concat("CANARY-SCREEN\0\0", deflateSync(PROFILE)));
const KEPT = [
  ICCP,
  pngChunk("gAMA", u32(45455)),
  pngChunk("cHRM", new Uint8Array(32)),
  pngChunk("pHYs", concat(u32(2835), u32(2835), Uint8Array.of(1))),
];
const DROPPED = [
  pngChunk("eXIf", tiff({ ifd0: [entry(0x0110, 2, "CANARY-MODEL")], gps: [entry(0x0002, 5, [48, 1, 0, 1, 0, 1])] })),
  pngChunk("tEXt", concat("Author\0", "CANARY-AUTHOR")),
  pngChunk("zTXt", concat("Comment\0\0", Uint8Array.of(0x78, 0x9c, 1, 2, 3))),
  pngChunk("iTXt", concat("XML:com.adobe.xmp\0\0\0\0\0", "<x:xmpmeta>CANARY-XMP exif:GPSLatitude</x:xmpmeta>")),
  pngChunk("tIME", Uint8Array.of(0x07, 0xe8, 5, 1, 10, 0, 0)),
  pngChunk("dSIG", concat("CANARY-SIGNATURE")),
];

describe("PNG", () => {
  it("drops text, Exif, time and signature chunks, keeps colour chunks and IDAT whole", async () => {
    const input = concat(PNG_SIGNATURE, IHDR, KEPT.slice(0, 2), DROPPED, KEPT.slice(2), IDAT1, IDAT2, IEND,
      "CANARY-TRAILER");
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("image/png");
    const chunks = pngChunks(out.bytes);
    expect(chunks.map((c) => [c.type, c.crcOk])).toEqual([["IHDR", true], ["iCCP", true], ["gAMA", true],
      ["cHRM", true], ["pHYs", true], ["IDAT", true], ["IDAT", true], ["IEND", true]]);
    // every chunk but the colour profile is the original, byte for byte
    expect(concat(out.bytes.subarray(0, 8 + IHDR.length))).toEqual(concat(PNG_SIGNATURE, IHDR));
    expect(contains(out.bytes, String.fromCharCode(...concat(KEPT.slice(1), IDAT1, IDAT2, IEND)))).toBe(true);
    // the profile: a neutral name, the profile rebuilt without the screen's name and serial number
    const iccp = chunks[1].data;
    const nul = iccp.indexOf(0);
    expect(String.fromCharCode(...iccp.subarray(0, nul))).toBe("ICC Profile");
    expect(new Uint8Array(inflateSync(iccp.subarray(nul + 2)))).toEqual(cleanIcc(PROFILE).profile);
    // tEXt Author, zTXt Comment, iTXt XMP (GPS name only: no value, no "gps"), tIME, dSIG, eXIf (a
    // latitude: "gps"), the profile's device names and serial, bytes after IEND
    expect(out.removed).toEqual(["gps", "make_model", "datetime", "owner", "serial", "icc_device", "comment",
      "trailer", "xmp", "text_chunks", "other_metadata"]);
    expect(out.kept).toEqual(["icc_profile"]);
    for (const canary of ["CANARY-MODEL", "CANARY-AUTHOR", "CANARY-XMP", "CANARY-SIGNATURE", "CANARY-TRAILER",
      "CANARY-SCREEN"]) {
      expect(contains(input, canary)).toBe(true);
      expect(contains(out.bytes, canary)).toBe(false);
    }
  });

  it("keeps APNG animation chunks and unknown critical chunks", async () => {
    const apng = [pngChunk("acTL", concat(u32(2), u32(0))), pngChunk("fcTL", new Uint8Array(26)),
      pngChunk("fdAT", concat(u32(1), Uint8Array.of(0x78, 0x9c))), pngChunk("ZZZZ", Uint8Array.of(1))];
    const input = concat(PNG_SIGNATURE, IHDR, apng, IDAT1, IEND);
    const out = await strip(input);
    expect(out.bytes).toEqual(input);
    expect(out.removed).toEqual([]);
  });

  it.each([
    ["with no IEND", concat(PNG_SIGNATURE, IHDR, IDAT1), concat(PNG_SIGNATURE, IHDR, IDAT1, IEND)],
    ["in an IDAT", concat(PNG_SIGNATURE, IHDR, IDAT1, IDAT2.subarray(0, 10)),
      concat(PNG_SIGNATURE, IHDR, IDAT1, IDAT2.subarray(0, 10))],
    ["in the first IDAT", concat(PNG_SIGNATURE, IHDR, u32(1000), "IDAT", "x"), concat(PNG_SIGNATURE, IHDR, u32(1000),
      "IDAT", "x")],
    ["in a text chunk after the pixels", concat(PNG_SIGNATURE, IHDR, IDAT1, pngChunk("tEXt", concat("Author\0CANARY"))
      .subarray(0, 15)), concat(PNG_SIGNATURE, IHDR, IDAT1, IEND)],
    ["at a broken chunk after the pixels", concat(PNG_SIGNATURE, IHDR, IDAT1, u32(5), "\u0000\u0001xy", "junk"),
      concat(PNG_SIGNATURE, IHDR, IDAT1, IEND)],
  ])("cleans a file cut %s as far as it reads", async (_, input, expected) => {
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.bytes).toEqual(expected);
    expect(out.kept).toEqual(["incomplete"]);
  });

  it.each([
    ["before any IDAT", concat(PNG_SIGNATURE, IHDR, pngChunk("tEXt", concat("Author\0CANARY")).subarray(0, 12))],
    ["inside IHDR", concat(PNG_SIGNATURE, IHDR.subarray(0, 10))],
  ])("refuses a file cut %s: no picture to send", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "refused", reason: "no_picture", mediaType: "image/png" });
  });

  it.each([
    ["no IDAT", concat(PNG_SIGNATURE, IHDR, IEND)],
    ["IHDR not first", concat(PNG_SIGNATURE, IDAT1, IHDR, IEND)],
    ["a chunk name that is no name before the pixels", concat(PNG_SIGNATURE, IHDR, pngChunk("ID1T", Uint8Array.of(1)),
      IDAT1, IEND)],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason: "damaged", mediaType: "image/png" });
  });
});
