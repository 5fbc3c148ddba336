// Colour profiles rebuilt without what names the device: the tags a colour engine reads come
// out byte for byte (shared data still shared), device tags and free text do not, the header's
// device, creator and date fields are zeroed. The oracle tests check with Little CMS that the
// colours convert the same (tests/media/test_device_corpus.py).
import { describe, expect, it } from "vitest";
import { cleanIcc } from "../../../pwa/src/media/icc.js";
import { concat, contains, iccProfile, iccTags, u32 } from "./builders.js";

const RENDERING = ["wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"];
const utf16 = (text) => Uint8Array.from([...text].flatMap((c) => [0, c.charCodeAt(0)]));

describe("cleanIcc", () => {
  it.each([2, 4])("keeps the colour tags of a version %i display profile and drops what names the screen", (version) => {
    const input = iccProfile({ version });
    const { profile, removed } = cleanIcc(input);
    const before = iccTags(input);
    const after = iccTags(profile);
    expect(Object.keys(after.tags)).toEqual([...RENDERING, "desc", "cprt"]);
    for (const sig of RENDERING) expect(after.tags[sig]).toEqual(before.tags[sig]);
    expect(after.offsets.gTRC).toBe(after.offsets.rTRC); // shared data stays shared
    expect(after.size).toBe(profile.length);
    expect(removed.sort()).toEqual(["icc_device", "serial"]);
    // header: size, version, class, colour space, connection space, signature, attributes,
    // intent and illuminant kept; CMM, date, platform, device maker and model, creator, ID zeroed
    expect([...after.header.subarray(8, 24)]).toEqual([...before.header.subarray(8, 24)]);
    expect([...after.header.subarray(36, 40)]).toEqual([...before.header.subarray(36, 40)]);
    expect([...after.header.subarray(56, 80)]).toEqual([...before.header.subarray(56, 80)]);
    for (const [from, to] of [[4, 8], [24, 36], [40, 44], [48, 56], [80, 128]]) {
      expect([...after.header.subarray(from, to)].every((b) => b === 0), `${from}-${to}`).toBe(true);
    }
    for (const canary of ["CANARY-MONITOR", "CANARY-OWNER"]) {
      expect(contains(input, canary) || contains(input, String.fromCharCode(...utf16(canary)))).toBe(true);
      expect(contains(profile, canary)).toBe(false);
      expect(contains(profile, String.fromCharCode(...utf16(canary)))).toBe(false);
    }
    expect(contains(profile, "\u00fd\u0062\u006d\u0062")).toBe(false); // the serial number
    // v2 text types for a v2 profile, mluc for v4; the description names the colour space only
    expect(String.fromCharCode(...after.tags.desc.subarray(0, 4))).toBe(version >= 4 ? "mluc" : "desc");
    expect(contains(after.tags.desc, version >= 4 ? String.fromCharCode(...utf16("RGB")) : "RGB\0")).toBe(true);
  });

  it("says nothing was there when the profile names no device", () => {
    const input = iccProfile();
    const dv = new DataView(input.buffer);
    dv.setUint32(48, 0);
    dv.setUint32(52, 0);
    const tags = iccTags(input);
    // rename the device tags into tags a colour engine ignores, which are dropped without a word
    for (const sig of ["dmdd", "mmod"]) {
      const at = 132 + 12 * Object.keys(tags.tags).indexOf(sig);
      input.set([0x70, 0x72, 0x69, 0x76], at); // 'priv'
    }
    expect(cleanIcc(input).removed).toEqual([]);
  });

  it("pads to a given size, for a profile patched in place, or gives up when it cannot fit", () => {
    const input = iccProfile();
    const { profile } = cleanIcc(input, { size: input.length });
    expect(profile.length).toBe(input.length);
    expect(iccTags(profile).size).toBe(input.length);
    expect(cleanIcc(input, { size: 200 })).toBe(null);
  });

  it("drops a colour tag whose data is text, and trims a curve to its declared length", () => {
    const input = iccProfile();
    const { offsets } = iccTags(input);
    input.set([0x74, 0x65, 0x78, 0x74], offsets.wtpt); // wtpt now claims to be 'text'
    const out = iccTags(cleanIcc(input).profile);
    expect(out.tags.wtpt).toBeUndefined();
    expect(out.tags.rTRC.length).toBe(14); // 'curv', reserved, count 1, one u16
  });

  it.each([
    ["no signature", new Uint8Array(200)],
    ["a size past the data", (() => {
      const p = iccProfile();
      new DataView(p.buffer).setUint32(0, p.length + 10);
      return p;
    })()],
    ["a tag out of bounds", (() => {
      const p = iccProfile();
      new DataView(p.buffer).setUint32(132 + 4, 1 << 20);
      return p;
    })()],
    ["a tag table past the end", concat(iccProfile().subarray(0, 128), u32(5000))],
  ])("answers null for a profile that does not read (%s)", (_, input) => {
    expect(cleanIcc(input)).toBe(null);
  });
});
