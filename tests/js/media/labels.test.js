// The summary shown to the citizen must be true: a label only for what was really there.
import { describe, expect, it } from "vitest";
import { readExif } from "../../../pwa/src/media/exif.js";
import { embeddedKeys, quickTimeKeys, xmpKeys } from "../../../pwa/src/media/keywords.js";
import { box, concat, entry, fullBox, tiff, u16, u32 } from "./builders.js";

const keysOf = (t) => [...readExif(t).keys].sort();

describe("Exif labels", () => {
  it("says 'position' only for a latitude or longitude that is not zero", () => {
    expect(keysOf(tiff({ gps: [entry(0x0000, 1, "\u0002\u0003\0\0")] }))).toEqual([]);
    expect(keysOf(tiff({ gps: [entry(0x0001, 2, "N"), entry(0x0003, 2, "E")] }))).toEqual([]);
    // Samsung with location off: a GPS IFD with zero coordinates
    expect(keysOf(tiff({ gps: [entry(0x0002, 5, [0, 1, 0, 1, 0, 1]), entry(0x0004, 5, [0, 1, 0, 1, 0, 1])] })))
      .toEqual(["other_metadata"]);
    expect(keysOf(tiff({ gps: [entry(0x0002, 5, [48, 1, 51, 1, 0, 1])] }))).toEqual(["gps"]);
    expect(keysOf(tiff({ gps: [entry(0x0007, 5, [10, 1, 0, 1, 0, 1]), entry(0x001d, 2, "2024:05:01")] })))
      .toEqual(["datetime"]);
    expect(keysOf(tiff({ gps: [entry(0x0006, 5, [35, 1]), entry(0x0011, 5, [90, 1])] }))).toEqual(["other_metadata"]);
  });

  it("names Apple's Live Photo identifier in the maker note, and the host computer", () => {
    const note = concat("Apple iOS\0", u16(1), "MM", u16(1), u16(0x0011), u16(2), u32(37), u32(26),
      "9B539AB8-A668-4FA6-9207-EB653A5E7E3C\0");
    const bytes = (b) => String.fromCharCode(...b); // an UNDEFINED (type 7) value, as the builder takes it
    const result = readExif(tiff({ ifd0: [entry(0x013c, 2, "iPhone 13 Pro")], exif: [entry(0x927c, 7, bytes(note))] }));
    expect([...result.keys].sort()).toEqual(["make_model", "other_metadata", "serial"]);
    const other = concat("Canon", new Uint8Array(40));
    expect(keysOf(tiff({ exif: [entry(0x927c, 7, bytes(other))] }))).toEqual(["other_metadata"]);
  });
});

describe("XMP labels", () => {
  const packet = (body) => concat(`<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0"><rdf:RDF>
    <rdf:Description rdf:about="" ${body}</rdf:Description></rdf:RDF></x:xmpmeta>`);

  it("does not call a GPS version a position (the issue's case)", () => {
    expect(xmpKeys(packet('exif:GPSVersionID="2.2.0.0">'))).toEqual(["software", "other_metadata"]);
  });

  it("reads element and attribute names, whatever the prefix", () => {
    expect(xmpKeys(packet(`><exif:GPSLatitude>48,51.0N</exif:GPSLatitude><tiff:Model>Pixel</tiff:Model>
      <xmp:CreateDate>2024-05-01</xmp:CreateDate><dc:creator><rdf:Seq><rdf:li>Jean</rdf:li></rdf:Seq></dc:creator>
      <photoshop:City>Besançon</photoshop:City><xmpMM:DocumentID>xmp.did:1</xmpMM:DocumentID>
      <exif:UserComment>Screenshot</exif:UserComment>`)).sort())
      .toEqual(["comment", "datetime", "gps", "make_model", "owner", "place", "serial", "software"]);
  });

  it("does not read a name out of a value or a longer word", () => {
    expect(xmpKeys(packet('photoshop:ColorMode="3" tiff:ModelAge="x">'))).toEqual(["software", "other_metadata"]);
  });
});

describe("QuickTime labels", () => {
  const keys = (...names) => box("keys", u32(0), u32(names.length), names.map((n) => box("mdta", n)));
  const meta = (...names) => concat("meta", box("hdlr", u32(0), u32(0), "mdta", new Uint8Array(12)).subarray(0),
    keys(...names));

  it("maps Apple's keys by name: an accuracy alone is no location", () => {
    expect(quickTimeKeys(meta("com.apple.quicktime.location.accuracy.horizontal"))).toEqual(["other_metadata"]);
    expect(quickTimeKeys(meta("com.apple.quicktime.location.ISO6709", "com.apple.quicktime.make",
      "com.apple.quicktime.model", "com.apple.quicktime.software", "com.apple.quicktime.creationdate",
      "com.apple.quicktime.content.identifier", "com.apple.quicktime.camera.lens_model")).sort())
      .toEqual(["datetime", "gps", "make_model", "serial", "software"]);
  });

  it("maps user-data atoms, in a QuickTime or an ISO meta box", () => {
    const udta = concat("udta", box("\u00a9xyz", "+48.85+002.35/"), box("\u00a9mak", "x"), box("\u00a9day", "2024"));
    expect(quickTimeKeys(udta).sort()).toEqual(["datetime", "gps", "make_model"]);
    const iso = concat("meta", u32(0), box("hdlr", u32(0), u32(0), "mdir", new Uint8Array(12)),
      box("ilst", box("\u00a9too", box("data", u32(1), u32(0), "Lavf60"))));
    expect(quickTimeKeys(iso)).toEqual(["software"]);
  });

  it("finds a stray copy of the movie's keys and an ISO 6709 position in raw bytes", () => {
    expect(embeddedKeys(concat(new Uint8Array(40), "mdtacom.apple.quicktime.content.identifier", "+49.1989+016.6071/"))
      .sort()).toEqual(["gps", "serial"]);
    expect(embeddedKeys(Uint8Array.from({ length: 500 }, (_, i) => (i * 13) & 0xff))).toEqual([]);
  });

  it("reads an XMP uuid box for its names", () => {
    expect(quickTimeKeys(concat("udta", fullBox("XMP_", 0, "<x:xmpmeta><tiff:Make>x</tiff:Make></x:xmpmeta>")))
      .includes("make_model")).toBe(true);
  });
});
