// MP4/QuickTime cleaning on box trees built in code. The same builder makes the file and the
// file we expect back (metadata boxes renamed 'free' and zeroed, times zeroed, metadata samples
// zeroed), so every other byte, every size and every offset is checked to be unchanged.
import { describe, expect, it } from "vitest";
import { stripMetadata } from "../../../pwa/src/media/strip.js";
import {
  SparseBlob, box, boxList, concat, contains, fullBox, largeBox, strip, timedBox, u32, u64,
} from "./builders.js";

const T0 = 0xe1000000; // 2023-ish in seconds since 1904
const XMP_UUID = Uint8Array.from("be7acfcb97a942e89c71999491e3afac".match(/../g), (h) => parseInt(h, 16));
const OTHER_UUID = new Uint8Array(16).fill(0x42);
const VIDEO = [concat("VIDE1"), concat("VIDE2"), concat("VIDE3")];
const META = [concat("CANARY-GPS-SAMPLE-1"), concat("CANARY-GPS-SAMPLE-22")];

/** A box renamed 'free' with everything after its size (and 64-bit size) zeroed, as the stripper leaves it. */
function freed(bytes) {
  const header = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) === 1 ? 16 : 8;
  return concat(bytes.subarray(0, 4), "free", bytes.subarray(8, header), new Uint8Array(bytes.length - header));
}

const hdlr = (type) => fullBox("hdlr", 0, u32(0), type, new Uint8Array(12), "Handler\0");
const stsc = (runs) => fullBox("stsc", 0, u32(runs.length),
  runs.map(([first, perChunk]) => concat(u32(first), u32(perChunk), u32(1))));
const stsz = (sizes) => fullBox("stsz", 0, u32(0), u32(sizes.length), sizes.map((s) => u32(s)));
const stz2 = (sizes) => fullBox("stz2", 0, Uint8Array.of(0, 0, 0, 8), u32(sizes.length), Uint8Array.from(sizes));
const stco = (offsets) => fullBox("stco", 0, u32(offsets.length), offsets.map((o) => u32(o)));
const co64 = (offsets) => fullBox("co64", 0, u32(offsets.length), offsets.map((o) => u64(o)));
const REST = new Uint8Array(12).fill(7); // timescale, duration...: must survive

/**
 * A small movie: ftyp, a 'free' box with leftovers, mdat (video chunks interleaved with metadata
 * samples), moov (mvhd v0; a video track with tkhd v1, mdhd v0 and a location udta; a timed
 * metadata track with tkhd v0, mdhd v1, stz2 and co64; udta, Apple meta and XMP uuid) and
 * vendor boxes. `clean` builds what the stripper must return instead.
 */
function movie({ clean = false, large = false, moovFirst = false, extraMoov = [] } = {}) {
  const time = (t) => (clean ? 0 : t);
  const gone = (b) => (clean ? freed(b) : b);
  const ftyp = box("ftyp", "isom", u32(512), "isomiso2avc1mp41");
  const free = box("free", clean ? new Uint8Array(15) : concat("CANARY-LEFTOVER"));
  const samples = [concat(VIDEO[0], VIDEO[1]), clean ? new Uint8Array(META[0].length) : META[0], VIDEO[2],
    clean ? new Uint8Array(META[1].length) : META[1]];
  const mdat = (large ? largeBox : box)("mdat", samples);
  const moovOf = (payloadStart) => {
    // Chunk offsets: VIDE1+VIDE2, META[0], VIDE3, META[1].
    const at = [0, 10, 10 + META[0].length, 15 + META[0].length].map((n) => payloadStart + n);
    const udta = (large ? largeBox : box)("udta", box("\u00a9mak", "CANARY-MAKE"), box("\u00a9mod", "CANARY-MODEL"),
      box("\u00a9day", "2024-05-01"), box("\u00a9swr", "CANARY-OS"));
    return box("moov",
      timedBox("mvhd", 0, time(T0), time(T0 + 1), REST),
      box("trak",
        timedBox("tkhd", 1, time(T0), time(T0 + 2), REST),
        box("mdia", timedBox("mdhd", 0, time(T0), time(T0 + 3), REST), hdlr("vide"),
          box("minf", box("stbl", stsc([[1, 2], [2, 1]]), stsz([5, 5, 5]), stco([at[0], at[2]])))),
        gone(box("udta", box("\u00a9xyz", "+48.8566+002.3522/")))),
      box("trak",
        timedBox("tkhd", 0, time(T0), time(T0), REST),
        box("mdia", timedBox("mdhd", 1, time(T0), time(T0), REST), hdlr("meta"),
          box("minf", box("stbl", stsc([[1, 1]]), stz2(META.map((m) => m.length)), co64([at[1], at[3]]))))),
      gone(udta),
      gone(box("meta", hdlr("mdta"), box("keys", u32(0), u32(1), box("mdta", "com.apple.quicktime.location.ISO6709")))),
      gone(box("uuid", XMP_UUID, "<x:xmpmeta>CANARY-XMP</x:xmpmeta>")),
      extraMoov);
  };
  const vendor = gone(box("uuid", OTHER_UUID, "CANARY-UUID"));
  if (moovFirst) {
    const probe = moovOf(0).length;
    const start = ftyp.length + free.length + probe + vendor.length + 8;
    return concat(ftyp, free, moovOf(start), vendor, u32(0), "mdat", samples); // mdat size 0: to the end of the file
  }
  const start = ftyp.length + free.length + (large ? 16 : 8);
  return concat(ftyp, free, mdat, moovOf(start), vendor);
}

const REMOVED = ["location", "make_model", "creation_time", "software", "metadata_track", "xmp", "other_metadata"];
const CANARIES = ["CANARY-MAKE", "CANARY-MODEL", "CANARY-OS", "CANARY-XMP", "CANARY-UUID", "CANARY-LEFTOVER",
  "CANARY-GPS-SAMPLE", "+48.8566", "ISO6709"];

describe("MP4 / QuickTime", () => {
  it.each([
    ["32-bit sizes", {}],
    ["64-bit sizes (size 1 + largesize) for mdat and udta", { large: true }],
    ["moov first, mdat with size 0 (to the end of the file)", { moovFirst: true }],
  ])("neutralises metadata in place with %s", async (_, layout) => {
    const input = movie(layout);
    const out = await strip(input);
    expect(out.status).toBe("cleaned");
    expect(out.mediaType).toBe("video/mp4");
    expect(out.bytes.length).toBe(input.length);
    expect(out.bytes).toEqual(movie({ ...layout, clean: true }));
    // Same boxes at the same offsets with the same sizes; only names of neutralised boxes change.
    const before = boxList(input);
    const after = boxList(out.bytes);
    expect(after.map(({ start, size }) => [start, size])).toEqual(before.map(({ start, size }) => [start, size]));
    expect(out.removed).toEqual(REMOVED);
    expect(out.kept).toEqual([]);
    for (const canary of CANARIES) {
      expect(contains(input, canary)).toBe(true);
      expect(contains(out.bytes, canary)).toBe(false);
    }
    // The video samples are untouched.
    for (const sample of VIDEO) expect(contains(out.bytes, String.fromCharCode(...sample))).toBe(true);
  });

  it("reads a QuickTime file without ftyp as video/quicktime", async () => {
    const moov = box("moov", timedBox("mvhd", 0, T0, T0, REST), box("udta", box("\u00a9xyz", "+48.85+002.35/")));
    const input = concat(box("wide"), box("mdat", "DATA"), moov);
    const out = await strip(input);
    expect(out.mediaType).toBe("video/quicktime");
    expect(out.bytes).toEqual(concat(box("wide"), box("mdat", "DATA"),
      box("moov", timedBox("mvhd", 0, 0, 0, REST), freed(box("udta", box("\u00a9xyz", "+48.85+002.35/"))))));
    expect(out.removed).toEqual(["location", "creation_time"]);
  });

  it("cuts bytes after the movie that are no box (a vendor trailer)", async () => {
    const input = concat(movie(), "SEFT\u0000\u0001");
    const out = await strip(input);
    expect(out.bytes).toEqual(movie({ clean: true }));
    expect(out.removed).toContain("trailer");
  });

  it("refuses a fragmented file with a metadata track: its samples are not in the sample tables", async () => {
    const out = await strip(movie({ extraMoov: [box("mvex", fullBox("trex", 0, new Uint8Array(20)))] }));
    expect(out).toMatchObject({ status: "unsupported", reason: "unsupported_format", source: null });
  });

  it.each([
    ["no moov", concat(box("ftyp", "isom", u32(0)), box("mdat", "DATA"))],
    ["an mdat longer than the file", concat(box("ftyp", "isom", u32(0)), u32(5000), "mdat", "DATA")],
    ["a child box longer than its parent", concat(box("ftyp", "isom", u32(0)), box("moov", u32(500), "trak"))],
    ["a metadata sample outside mdat", (() => {
      const bad = movie();
      bad.set(u64(0), Buffer.from(bad).indexOf("co64") + 12); // the first chunk offset now points at byte 0
      return bad;
    })()],
    ["a truncated moov", movie().subarray(0, movie().length - 200)],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason: "damaged", source: null });
  });
});

describe("a 5 GiB video", () => {
  // ftyp, moov (metadata track samples beyond 4 GiB, through co64), then an mdat with a 64-bit
  // size declared over 5 GiB whose payload exists only as a size: reading it would be caught.
  const SIZE = 5 * 2 ** 30;
  const ftyp = box("ftyp", "mp42", u32(0), "mp42isom");
  const probe = (offsets) => box("moov", timedBox("mvhd", 1, T0, T0, REST),
    box("trak", timedBox("tkhd", 0, T0, T0, REST), box("mdia", timedBox("mdhd", 0, T0, T0, REST), hdlr("meta"),
      box("minf", box("stbl", stsc([[1, 1]]), stsz([100, 100]), co64(offsets))))),
    box("udta", box("\u00a9xyz", "+48.8566+002.3522/")));
  const mdatAt = ftyp.length + probe([0, 0]).length;
  const samples = [SIZE - 1000, SIZE - 500];
  const moov = probe(samples);
  const mdatHeader = concat(u32(1), "mdat", u64(SIZE - mdatAt));

  it("reads only headers and small boxes, never the media data", async () => {
    const blob = new SparseBlob(SIZE, [[0, ftyp], [ftyp.length, moov], [mdatAt, mdatHeader]]);
    const result = await stripMetadata(blob, { name: "big.mp4", type: "video/mp4" });
    expect(result.status).toBe("cleaned");
    expect(result.removed).toEqual(["location", "creation_time", "metadata_track"]);
    expect(result.source.size).toBe(SIZE);
    const mdatPayload = mdatAt + 16;
    expect(blob.reads.filter(([a, b]) => b > mdatPayload && a < SIZE)).toEqual([]);
    const total = blob.reads.reduce((n, [a, b]) => n + b - a, 0);
    expect(total).toBeLessThan(moov.length + 200);

    // Reading the cleaned source: the media data comes straight from the file, the samples of the
    // metadata track are zeros, the moov is patched.
    blob.reads.length = 0;
    const middle = await result.source.read(2 ** 32, 1 << 20);
    expect(middle.length).toBe(1 << 20);
    expect(blob.reads).toEqual([[2 ** 32, 2 ** 32 + (1 << 20)]]);
    blob.reads.length = 0;
    expect([...(await result.source.read(samples[0] - 2, 104))]).toEqual(new Array(104).fill(0));
    // one read-ahead window (clamped at the end of the file) serves both pieces around the sample
    expect(blob.reads).toEqual([[samples[0] - 2, SIZE]]);
    const head = await result.source.read(0, mdatAt + 16);
    expect(contains(head, "+48.8566")).toBe(false);
    expect(head.subarray(mdatAt)).toEqual(mdatHeader);
  });
});
