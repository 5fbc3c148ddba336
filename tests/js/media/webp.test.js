// WebP cleaning on RIFF chunks built in code: EXIF and XMP go, the VP8X flags say so, the RIFF
// size matches the new length, image and animation chunks are copied whole.
import { describe, expect, it } from "vitest";
import { cleanIcc } from "../../../pwa/src/media/icc.js";
import { concat, contains, entry, iccProfile, riff, riffChunk, strip, tiff, u32 } from "./builders.js";

const ICC = 0x20;
const ALPHA = 0x10;
const EXIF = 0x08;
const XMP = 0x04;
const ANIMATION = 0x02;

const vp8x = (flags) => riffChunk("VP8X", Uint8Array.of(flags, 0, 0, 0, 1, 0, 0, 1, 0, 0));
const PROFILE = iccProfile();
const ICCP = riffChunk("ICCP", PROFILE);
const CLEAN_ICCP = riffChunk("ICCP", cleanIcc(PROFILE).profile);
const ALPH = riffChunk("ALPH", Uint8Array.of(0, 1, 2));
const VP8L = riffChunk("VP8L", Uint8Array.of(0x2f, 1, 0, 0, 0, 9, 9)); // odd size: padded
const EXIF_CHUNK = riffChunk("EXIF", tiff({ le: true, ifd0: [entry(0x010f, 2, "CANARY-MAKE")],
  exif: [entry(0x9003, 2, "2024:05:01 10:00:00")] }));
const XMP_CHUNK = riffChunk("XMP ", concat("<x:xmpmeta>CANARY-XMP tiff:Model</x:xmpmeta>"));

/** The RIFF size field, and the file's length minus the 8-byte RIFF header. */
const riffSizes = (bytes) => [new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true), bytes.length - 8];

describe("WebP", () => {
  it("drops EXIF and XMP, clears their VP8X flags, fixes the RIFF size, rebuilds ICCP", async () => {
    const input = riff(vp8x(ICC | ALPHA | EXIF | XMP), ICCP, ALPH, VP8L, EXIF_CHUNK, XMP_CHUNK);
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("image/webp");
    expect(out.bytes).toEqual(riff(vp8x(ICC | ALPHA), CLEAN_ICCP, ALPH, VP8L));
    const [declared, actual] = riffSizes(out.bytes);
    expect(declared).toBe(actual);
    expect(out.removed).toEqual(["make_model", "datetime", "serial", "icc_device", "xmp"]);
    expect(out.kept).toEqual(["icc_profile"]);
    for (const canary of ["CANARY-MAKE", "CANARY-XMP", "CANARY-MONITOR"]) {
      expect(contains(input, canary)).toBe(true);
      expect(contains(out.bytes, canary)).toBe(false);
    }
  });

  it("keeps every frame of an animation byte for byte", async () => {
    const frame = (n) => riffChunk("ANMF", concat(new Uint8Array(16).fill(n), VP8L));
    const anim = riffChunk("ANIM", concat(u32(0xffffffff), Uint8Array.of(0, 0)));
    const input = riff(vp8x(ANIMATION | EXIF), anim, frame(1), frame(2), frame(3), EXIF_CHUNK);
    const out = await strip(input);
    expect(out.bytes).toEqual(riff(vp8x(ANIMATION), anim, frame(1), frame(2), frame(3)));
    const [declared, actual] = riffSizes(out.bytes);
    expect(declared).toBe(actual);
  });

  it("cuts bytes after the RIFF and drops unknown chunks", async () => {
    const input = concat(riff(VP8L, riffChunk("JUNK", concat("CANARY-JUNK"))), "CANARY-TRAILER");
    const out = await strip(input);
    expect(out.bytes).toEqual(riff(VP8L));
    expect(out.removed).toEqual(["trailer", "other_metadata"]);
  });

  it("drops a colour profile that does not read, and its VP8X flag", async () => {
    const out = await strip(riff(vp8x(ICC), riffChunk("ICCP", concat("not a profile")), VP8L));
    expect(out.bytes).toEqual(riff(vp8x(0), VP8L));
    expect(out.removed).toEqual(["other_metadata"]);
  });

  it.each([
    ["after the image, in the EXIF chunk", riff(vp8x(EXIF), VP8L, EXIF_CHUNK).subarray(0, 60), riff(vp8x(0), VP8L)],
    ["in the image chunk", riff(VP8L).subarray(0, 22), concat("RIFF", u32(14, true), "WEBP", VP8L.subarray(0, 10))],
  ])("cleans a file cut %s as far as it reads", async (_, input, expected) => {
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.bytes).toEqual(expected);
    expect(out.kept).toEqual(["incomplete"]);
    const [declared, actual] = riffSizes(out.bytes);
    expect(declared).toBe(actual);
  });

  it("refuses a file cut before any image data", async () => {
    const input = riff(vp8x(EXIF), EXIF_CHUNK, VP8L).subarray(0, 40);
    expect(await strip(input)).toMatchObject({ status: "refused", reason: "no_picture", mediaType: "image/webp" });
  });

  it.each([
    ["a chunk past the RIFF", riff(VP8L, concat("EXIF", u32(500, true), "xx"))],
    ["no image chunk", riff(vp8x(EXIF), EXIF_CHUNK)],
    ["VP8X not first", riff(VP8L, vp8x(0))],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason: "damaged", mediaType: "image/webp" });
  });
});
