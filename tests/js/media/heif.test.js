// HEIC/HEIF/AVIF cleaning on item structures built in code: which items survive (primary, grid
// tiles, alpha, ISO gain map; not Exif, XMP, thumbnails, depth maps, Apple's gain map), where
// their data lands (iloc offsets re-pointed, shared data still shared, idat rebuilt), which
// properties survive and how they are renumbered. The real-file oracles (pillow-heif, libavif,
// exiftool) are in tests/media/test_device_corpus.py.
import { describe, expect, it } from "vitest";
import { readBoxes } from "../../../pwa/src/media/bmff-boxes.js";
import { parseMeta } from "../../../pwa/src/media/heif-items.js";
import {
  box, concat, contains, entry, exifItem, fullBox, heifFile, iccProfile, strip, tiff, u16, u32,
} from "./builders.js";

const prop = {
  hvcC: box("hvcC", Uint8Array.of(1, 2, 3, 4)),
  ispe: fullBox("ispe", 0, u32(64), u32(48)),
  colr: box("colr", "prof", iccProfile()),
  irot: box("irot", Uint8Array.of(1)),
  alpha: fullBox("auxC", 0, "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha\0"),
  depth: fullBox("auxC", 0, "urn:mpeg:hevc:2015:auxid:2\0"),
  appleGainMap: fullBox("auxC", 0, "urn:com:apple:photo:2020:aux:hdrgainmap\0"),
  udes: fullBox("udes", 0, "fr\0", "CANARY-TITLE\0", "CANARY-DESCRIPTION\0", "\0"),
  free: box("free", "CANARY-PADDING"),
  unknown: box("zzzz", "CANARY-VENDOR"),
};
const PROPERTIES = [prop.hvcC, prop.ispe, prop.colr, prop.irot, prop.alpha, prop.depth, prop.appleGainMap, prop.udes,
  prop.free, prop.unknown];
const P = Object.fromEntries(Object.keys(prop).map((k, i) => [k, i + 1])); // 1-based property indices
const GRID = Uint8Array.of(0, 0, 0, 1, 0, 64, 0, 48); // version, flags, rows-1, columns-1, width, height
const EXIF = exifItem(tiff({ ifd0: [entry(0x010f, 2, "CANARY-MAKE")], gps: [entry(0x0002, 5, [48, 1, 51, 1, 2376, 100])] }));
const XMP = concat("<x:xmpmeta><rdf:Description xmp:CreateDate='2024' dc:creator='CANARY-XMP'/></x:xmpmeta>");

/** An iPhone-like photo: a grid of two tiles with a colour profile, orientation and a text description. */
function phoneHeic(extra = {}) {
  return heifFile({
    items: [
      { id: 1, type: "grid", data: GRID, inIdat: true, props: [[P.ispe, false], [P.colr, true], [P.irot, true],
        [P.udes, false], [P.free, false]] },
      { id: 2, type: "hvc1", hidden: true, data: concat("TILE-A"), props: [[P.hvcC, true], [P.ispe, false]] },
      { id: 3, type: "hvc1", hidden: true, data: concat("TILE-B"), props: [[P.hvcC, true], [P.ispe, false]] },
      { id: 4, type: "hvc1", data: concat("CANARY-THUMB"), props: [[P.hvcC, true], [P.ispe, false]] },
      { id: 5, type: "Exif", hidden: true, data: EXIF },
      { id: 6, type: "mime", hidden: true, contentType: "application/rdf+xml", data: XMP },
      { id: 7, type: "hvc1", hidden: true, data: concat("ALPHA"), props: [[P.hvcC, true], [P.alpha, false]] },
      { id: 8, type: "hvc1", hidden: true, data: concat("CANARY-DEPTH"), props: [[P.hvcC, true], [P.depth, false]] },
      { id: 9, type: "hvc1", hidden: true, data: concat("CANARY-GAINMAP"),
        props: [[P.hvcC, true], [P.appleGainMap, false]] },
      ...(extra.items ?? []),
    ],
    refs: [["dimg", 1, [2, 3]], ["thmb", 4, [1]], ["cdsc", 5, [1]], ["cdsc", 6, [1]], ["auxl", 7, [1]],
      ["auxl", 8, [1]], ["auxl", 9, [1]], ...(extra.refs ?? [])],
    properties: PROPERTIES,
    ...extra.file,
  });
}

/** The cleaned file's meta box, parsed, and the bytes of each item. */
function reread(bytes) {
  const meta = readBoxes(bytes).find((b) => b.type === "meta");
  const parsed = parseMeta(bytes, meta);
  const data = (id) => {
    const loc = parsed.locations.get(id);
    const from = loc.method === 0 ? bytes : parsed.idat;
    return concat(loc.extents.map(({ offset, length }) => from.subarray(offset, offset + length)));
  };
  return { ...parsed, data, top: readBoxes(bytes).map((b) => b.type) };
}

const CANARIES = ["CANARY-MAKE", "CANARY-XMP", "CANARY-THUMB", "CANARY-DEPTH", "CANARY-GAINMAP", "CANARY-TITLE",
  "CANARY-PADDING", "CANARY-VENDOR", "CANARY-HANDLER", "CANARY-MONITOR", "CANARY-OWNER"];

describe("HEIC", () => {
  it("keeps the primary grid, its tiles and alpha; drops Exif, XMP, thumbnail, depth and Apple's gain map", async () => {
    const input = phoneHeic();
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("image/heic");
    const cleaned = reread(out.bytes);
    expect(cleaned.top).toEqual(["ftyp", "meta", "mdat"]);
    expect(cleaned.primary).toBe(1);
    expect(cleaned.items.map((i) => [i.id, i.type, i.hidden, i.name])).toEqual([[1, "grid", false, ""],
      [2, "hvc1", true, ""], [3, "hvc1", true, ""], [7, "hvc1", true, ""]]);
    expect(cleaned.references).toEqual([{ type: "dimg", from: 1, to: [2, 3] }, { type: "auxl", from: 7, to: [1] }]);
    expect(cleaned.data(1)).toEqual(GRID);
    expect(cleaned.locations.get(1).method).toBe(1); // still in idat
    expect(cleaned.data(2)).toEqual(concat("TILE-A"));
    expect(cleaned.data(3)).toEqual(concat("TILE-B"));
    expect(cleaned.data(7)).toEqual(concat("ALPHA"));
    // properties: kept ones renumbered in order of first use, essential flags kept, colour profile rebuilt
    expect(cleaned.properties.map((p) => p.type)).toEqual(["ispe", "colr", "irot", "hvcC", "auxC"]);
    expect(cleaned.associations.get(1)).toEqual([{ index: 1, essential: false }, { index: 2, essential: true },
      { index: 3, essential: true }]);
    expect(cleaned.associations.get(7)).toEqual([{ index: 4, essential: true }, { index: 5, essential: false }]);
    expect(out.removed).toEqual(["gps", "make_model", "datetime", "owner", "serial", "icc_device", "comment",
      "thumbnail", "auxiliary_images", "xmp"]);
    expect(out.kept).toEqual(["icc_profile", "orientation"]);
    for (const canary of CANARIES) {
      expect(contains(input, canary), canary).toBe(true);
      expect(contains(out.bytes, canary), canary).toBe(false);
    }
  });

  it("keeps shared item data shared and rebuilds the file with mdat before meta", async () => {
    const input = heifFile({
      mdatFirst: true,
      items: [
        { id: 1, type: "grid", data: GRID, props: [[P.ispe, false]] },
        { id: 2, type: "av01", hidden: true, data: concat("SAME-TILE"), props: [[P.hvcC, true]] },
        { id: 3, type: "av01", hidden: true, props: [[P.hvcC, true]], data: concat("SAME-TILE") },
        { id: 4, type: "Exif", hidden: true, data: EXIF },
      ],
      share: { 3: 2 },
      refs: [["dimg", 1, [2, 3]], ["cdsc", 4, [1]]],
      properties: PROPERTIES,
      brand: "avif",
    });
    const out = await strip(input);
    expect(out.mediaType).toBe("image/avif");
    const cleaned = reread(out.bytes);
    expect(cleaned.locations.get(3).extents).toEqual(cleaned.locations.get(2).extents);
    expect(cleaned.data(3)).toEqual(concat("SAME-TILE"));
    expect(out.bytes.length).toBeLessThan(input.length);
    expect(contains(out.bytes, "CANARY-MAKE")).toBe(false);
  });

  it("keeps an ISO gain map (tmap) and its group with the primary image", async () => {
    const altr = fullBox("altr", 0, u32(1), u32(2), u32(10), u32(1));
    const input = heifFile({
      brand: "avif",
      items: [
        { id: 1, type: "av01", data: concat("BASE"), props: [[P.hvcC, true]] },
        { id: 10, type: "tmap", data: concat("GAIN-MAP-METADATA"), props: [[P.ispe, false]] },
        { id: 11, type: "av01", hidden: true, data: concat("GAIN-MAP"), props: [[P.hvcC, true]] },
      ],
      refs: [["dimg", 10, [1, 11]]],
      groups: [altr],
      properties: PROPERTIES,
    });
    const out = await strip(input);
    const cleaned = reread(out.bytes);
    expect(cleaned.items.map((i) => i.id)).toEqual([1, 10, 11]);
    expect(cleaned.groups.map((g) => [g.type, g.entities])).toEqual([["altr", [10, 1]]]);
    expect(cleaned.data(11)).toEqual(concat("GAIN-MAP"));
    expect(out.removed).toEqual([]);
  });

  it("cuts a Samsung motion photo video after the image, and vendor bytes that are no box", async () => {
    const input = concat(phoneHeic(), box("mpvd", "ftypmp42 CANARY-MOTION"), "SEFH CANARY-TRAILER");
    const out = await strip(input);
    expect(out.removed).toEqual(expect.arrayContaining(["motion_photo", "trailer"]));
    expect(contains(out.bytes, "CANARY-MOTION")).toBe(false);
    expect(contains(out.bytes, "CANARY-TRAILER")).toBe(false);
  });

  it("fills the missing bytes of a truncated file with zeros and says it is incomplete", async () => {
    const input = phoneHeic();
    const tileB = Buffer.from(input).indexOf("TILE-B");
    const out = await strip(input.subarray(0, tileB + 2)); // cut inside the second tile
    expect(out.status).toBe("cleaned");
    expect(out.kept).toContain("incomplete");
    const cleaned = reread(out.bytes);
    expect(cleaned.data(2)).toEqual(concat("TILE-A"));
    expect(cleaned.data(3)).toEqual(concat("TI", new Uint8Array(4)));
  });

  it.each([
    ["an image sequence (moov)", { file: { extraTop: [box("moov", box("mvhd"))] } }, "image_sequence"],
    ["an unknown essential property", { file: { properties: PROPERTIES }, items: [], essentialUnknown: true },
      "unsupported_format"],
  ])("does not call %s cleaned", async (_, extra, reason) => {
    let input;
    if (extra.essentialUnknown) {
      input = heifFile({ items: [{ id: 1, type: "hvc1", data: concat("X"), props: [[P.hvcC, true], [P.unknown, true]] }],
        properties: PROPERTIES });
    } else input = phoneHeic(extra);
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason, source: null });
  });

  it.each([
    ["no meta", concat(box("ftyp", "heic", u32(0), "mif1heic"), box("mdat", "x"))],
    ["a primary item that does not exist", heifFile({ primary: 9, items: [{ id: 1, type: "hvc1", data: concat("X") }],
      properties: PROPERTIES })],
    ["a truncated meta", phoneHeic().subarray(0, 200)],
    ["item data in another file", (() => {
      const file = phoneHeic();
      const iloc = Buffer.from(file).indexOf("iloc");
      file.set(u16(1), iloc + 4 + 4 + 2 + 2 + 2 + 2); // first entry: data_reference_index 1
      return file;
    })()],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason: "damaged", source: null });
  });
});
