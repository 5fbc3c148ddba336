// names-v1.json: the phone sanitises attachment names exactly as every reader does
// (docs/envelope.md, section 16), and its own type detection (pwa/src/media/sniff.js, which
// picks the extension the phone sends) finds the same types as the spec's table.
import { describe, expect, it } from "vitest";
import { EXTENSIONS, safeName } from "../../../pwa/src/crypto/names.js";
import { sniff } from "../../../pwa/src/media/sniff.js";
import { load, unhex } from "./vectors.js";

const NV = load("names-v1.json");
const utf8 = (text) => new TextEncoder().encode(text).length;
const codePoints = (text) => [...text].length;

describe("names", () => {
  it.each(NV.names.map((c) => [c.note, c]))("%s", (_, c) => {
    const got = safeName(c.name, c.detected_media_type);
    expect(got).toBe(c.expected);
    expect(safeName(got, c.detected_media_type)).toBe(got); // sanitising again changes nothing
    const stem = got.includes(".") ? got.slice(0, got.lastIndexOf(".")) : got;
    expect(codePoints(stem)).toBeLessThanOrEqual(NV.limits.stem_code_points + 1);
    expect(utf8(stem)).toBeLessThanOrEqual(NV.limits.stem_utf8_bytes + 1);
    expect(/[/\\\0<>:"|?*]/.test(got) || got.startsWith(".") || got.startsWith(" ")).toBe(false);
  });

  it("gives the extensions of the spec's table only", () => {
    expect(EXTENSIONS).toEqual(NV.extensions);
    expect(safeName("x.exe", "application/x-msdownload")).toBe("x");
    expect(safeName("x", "constructor")).toBe("x"); // no inherited property is an extension
  });

  it("never gives a name the manifest would refuse (1 to 255 code points)", () => {
    for (const c of NV.names) {
      const n = codePoints(safeName(c.name, c.detected_media_type));
      expect(n >= 1 && n <= 255).toBe(true);
    }
  });
});

describe("type detection", () => {
  it.each(NV.detect.map((c) => [c.name, c]))("%s", (_, c) => {
    const found = sniff(unhex(c.head)).mediaType;
    expect(found === "application/octet-stream" ? null : found).toBe(c.media_type);
  });
});
