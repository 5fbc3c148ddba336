// MP4/QuickTime cleaning on box trees built in code. The same builder makes the file and the
// file we expect back (metadata boxes and tracks renamed 'free' and zeroed, times and handler
// names zeroed, every mdat byte that is no audio or video sample zeroed), so every other byte,
// every size and every offset is checked to be unchanged.
import { describe, expect, it } from "vitest";
import { cleanIcc } from "../../../pwa/src/media/icc.js";
import { stripMetadata } from "../../../pwa/src/media/strip.js";
import {
  SparseBlob, box, boxList, concat, contains, fullBox, iccProfile, largeBox, strip, timedBox, u16, u32, u64,
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

const hdlr = (type, clean = false) => fullBox("hdlr", 0, u32(0), type, new Uint8Array(12),
  clean ? new Uint8Array(8) : "Handler\0");
const stsc = (runs) => fullBox("stsc", 0, u32(runs.length),
  runs.map(([first, perChunk]) => concat(u32(first), u32(perChunk), u32(1))));
const stsz = (sizes) => fullBox("stsz", 0, u32(0), u32(sizes.length), sizes.map((s) => u32(s)));
const stz2 = (sizes) => fullBox("stz2", 0, Uint8Array.of(0, 0, 0, 8), u32(sizes.length), Uint8Array.from(sizes));
const stco = (offsets) => fullBox("stco", 0, u32(offsets.length), offsets.map((o) => u32(o)));
const co64 = (offsets) => fullBox("co64", 0, u32(offsets.length), offsets.map((o) => u64(o)));
const REST = new Uint8Array(12).fill(7); // timescale, duration...: must survive

/**
 * A small movie: ftyp, a 'free' box with leftovers, mdat (video chunks interleaved with metadata
 * samples and bytes that belong to no sample), moov (mvhd v0; a video track with tkhd v1, mdhd
 * v0, a named handler and a location udta; a timed metadata track with tkhd v0, mdhd v1, stz2
 * and co64; udta, Apple meta and XMP uuid) and vendor boxes. `clean` builds what the stripper
 * must return instead.
 */
function movie({ clean = false, large = false, moovFirst = false, extraMoov = [] } = {}) {
  const time = (t) => (clean ? 0 : t);
  const gone = (b) => (clean ? freed(b) : b);
  const zeroed = (b) => (clean ? new Uint8Array(b.length) : b);
  const ftyp = box("ftyp", "isom", u32(512), "isomiso2avc1mp41");
  const free = box("free", clean ? new Uint8Array(15) : concat("CANARY-LEFTOVER"));
  const stray = concat("CANARY-COPY com.apple.quicktime.make"); // a copy of metadata between samples
  const samples = [concat(VIDEO[0], VIDEO[1]), zeroed(META[0]), VIDEO[2], zeroed(META[1]), zeroed(stray)];
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
        box("mdia", timedBox("mdhd", 0, time(T0), time(T0 + 3), REST), hdlr("vide", clean),
          box("minf", box("stbl", stsc([[1, 2], [2, 1]]), stsz([5, 5, 5]), stco([at[0], at[2]])))),
        gone(box("udta", box("\u00a9xyz", "+48.8566+002.3522/")))),
      gone(box("trak",
        timedBox("tkhd", 0, T0, T0, REST),
        box("mdia", timedBox("mdhd", 1, T0, T0, REST), hdlr("meta"),
          box("minf", box("stbl", stsc([[1, 1]]), stz2(META.map((m) => m.length)), co64([at[1], at[3]])))))),
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
  "CANARY-GPS-SAMPLE", "CANARY-COPY", "+48.8566", "ISO6709", "Handler"];

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

  it("reads a QuickTime file without ftyp as video/quicktime; media data no track uses is zeroed", async () => {
    const moov = box("moov", timedBox("mvhd", 0, T0, T0, REST), box("udta", box("\u00a9xyz", "+48.85+002.35/")));
    const input = concat(box("wide"), box("mdat", "DATA"), moov);
    const out = await strip(input);
    expect(out.mediaType).toBe("video/quicktime");
    expect(out.bytes).toEqual(concat(box("wide"), box("mdat", new Uint8Array(4)),
      box("moov", timedBox("mvhd", 0, 0, 0, REST), freed(box("udta", box("\u00a9xyz", "+48.85+002.35/"))))));
    expect(out.removed).toEqual(["location", "creation_time", "other_metadata"]);
  });

  it("blanks the free text of audio and video sample descriptions, keeps what decoders read", async () => {
    const avcC = box("avcC", Uint8Array.of(1, 0x64, 0, 0x1f, 0xff, 0xe1));
    const visual = (vendor, name, children) => box("avc1", new Uint8Array(6), u16(1), u16(0), u16(0), vendor,
      new Uint8Array(8), u16(640), u16(480), u32(0x480000), u32(0x480000), u32(0), u16(1),
      concat(Uint8Array.of(name.length), name, new Uint8Array(31 - name.length)), u16(24), u16(0xffff), children);
    const sound = (vendor, children) => box("mp4a", new Uint8Array(6), u16(1), u16(0), u16(0), vendor, u16(2), u16(16),
      u16(0), u16(0), u32(48000 << 16), children);
    const stsd = (entry) => fullBox("stsd", 0, u32(1), entry);
    const track = (type, entry, offset) => box("trak", timedBox("tkhd", 0, 0, 0, REST), box("mdia",
      timedBox("mdhd", 0, 0, 0, REST), hdlr(type, true), box("minf", box("stbl", stsd(entry), stsc([[1, 1]]), stsz([4]),
        stco([offset])))));
    const profile = iccProfile();
    const make = (clean) => {
      const vendor = clean ? new Uint8Array(4) : concat("appl");
      const tail = clean ? freed(box("CNRY", "CANARY-BOX")) : box("CNRY", "CANARY-BOX");
      // a colour profile naming the screen: rebuilt in place, padded to its original size
      const colr = box("colr", "prof", clean ? cleanIcc(profile, { size: profile.length }).profile : profile);
      const video = visual(vendor, clean ? "" : "CANARY-ENCODER 1.2", [avcC, box("pasp", u32(1), u32(1)), colr, tail]);
      const audio = sound(vendor, [box("esds", u32(0), "ES-CONFIG"), tail]);
      const ftyp = box("ftyp", "qt  ", u32(0), "qt  ");
      const mdat = box("mdat", "VIDEAUDI");
      const at = ftyp.length + 8;
      return concat(ftyp, mdat, box("moov", timedBox("mvhd", 0, 0, 0, REST), track("vide", video, at),
        track("soun", audio, at + 4)));
    };
    const out = await strip(make(false));
    // the compressor name keeps its length byte? no: zeroed whole, an empty Pascal string
    const expected = make(true);
    const name = Buffer.from(expected).indexOf("avc1") + 4 + 42;
    expected[name] = 0;
    expect(out.bytes).toEqual(expected);
    expect(out.removed).toEqual(["serial", "icc_device", "software", "other_metadata"]);
    expect(out.kept).toEqual(["icc_profile"]);
    for (const canary of ["CANARY-ENCODER", "CANARY-BOX", "appl", "CANARY-MONITOR"]) {
      expect(contains(out.bytes, canary)).toBe(false);
    }
  });

  it("refuses a track whose media data lies in another file (its data reference names a path)", async () => {
    const dinf = box("dinf", fullBox("dref", 0, u32(1), fullBox("url ", 0, "file:///Users/CANARY/clip.mov\0")));
    const dinfSelf = box("dinf", fullBox("dref", 0, u32(1), box("url ", Uint8Array.of(0, 0, 0, 1))));
    const file = (d) => concat(box("ftyp", "qt  ", u32(0)), box("mdat", "DATA"), box("moov", timedBox("mvhd", 0, 0, 0, REST),
      box("trak", timedBox("tkhd", 0, 0, 0, REST), box("mdia", timedBox("mdhd", 0, 0, 0, REST), hdlr("vide"),
        box("minf", d, box("stbl", stsc([[1, 1]]), stsz([4]), stco([24])))))));
    expect((await strip(file(dinfSelf))).status).toBe("cleaned");
    expect(await strip(file(dinf))).toMatchObject({ status: "unsupported", reason: "unsupported_format" });
  });

  it("cuts bytes after the movie that are no box (a vendor trailer)", async () => {
    const input = concat(movie(), "SEFT\u0000\u0001");
    const out = await strip(input);
    expect(out.bytes).toEqual(movie({ clean: true }));
    expect(out.removed).toContain("trailer");
  });

  describe("fragmented", () => {
    const trex = (track) => fullBox("trex", 0, u32(track), u32(1), u32(0), u32(0), u32(0));
    const emptyTrack = (id, type) => box("trak", timedBox("tkhd", 0, T0, T0, concat(u32(id), new Uint8Array(8))),
      box("mdia", timedBox("mdhd", 0, T0, T0, REST), hdlr(type), box("minf", box("stbl", stsc([]), stsz([]), stco([])))));
    // tfhd flags: 0x020000 default-base-is-moof; trun flags: 0x001 data offset, 0x200 sample sizes
    const traf = (track, offset, sizes, implicit = false) => box("traf",
      box("tfhd", Uint8Array.of(0, implicit ? 0 : 2, 0, 0), u32(track)),
      box("trun", Uint8Array.of(0, 0, 2, 1), u32(sizes.length), u32(offset), sizes.map((n) => u32(n))));
    const VIDEO_SAMPLE = concat("KEYFRAME");
    const GPS_SAMPLE = concat("CANARY-GPS-FRAGMENT");
    const file = ({ clean = false, implicit = false, metaFirst = false } = {}) => {
      const moov = box("moov", timedBox("mvhd", 0, clean ? 0 : T0, clean ? 0 : T0, REST),
        box("trak", timedBox("tkhd", 0, clean ? 0 : T0, clean ? 0 : T0, concat(u32(1), new Uint8Array(8))),
          box("mdia", timedBox("mdhd", 0, clean ? 0 : T0, clean ? 0 : T0, REST), hdlr("vide", clean),
            box("minf", box("stbl", stsc([]), stsz([]), stco([]))))),
        (clean ? freed : (b) => b)(emptyTrack(2, "meta")),
        box("mvex", trex(1), trex(2)));
      const ftyp = box("ftyp", "iso6", u32(0), "iso6dash");
      // moof: the video fragment, then the metadata one (its data right after the video's)
      const moofOf = (videoOffset, metaOffset) => {
        const [v, m] = [traf(1, videoOffset, [VIDEO_SAMPLE.length], implicit && metaFirst),
          traf(2, metaOffset, [GPS_SAMPLE.length], implicit && !metaFirst)];
        return box("moof", box("mfhd", u32(0), u32(1)), ...(metaFirst ? [m, v] : [v, m]));
      };
      const probe = moofOf(0, 0).length;
      const videoOffset = probe + 8;
      const metaOffset = videoOffset + VIDEO_SAMPLE.length;
      let moof = moofOf(videoOffset, metaOffset);
      if (clean) {
        const [v, m] = [traf(1, videoOffset, [VIDEO_SAMPLE.length]), traf(2, metaOffset, [GPS_SAMPLE.length])];
        moof = box("moof", box("mfhd", u32(0), u32(1)), v, freed(m));
      }
      const mdat = box("mdat", VIDEO_SAMPLE, clean ? new Uint8Array(GPS_SAMPLE.length) : GPS_SAMPLE,
        clean ? new Uint8Array(12) : concat("CANARY-STRAY"), Uint8Array.of(0));
      return concat(ftyp, moov, moof, mdat);
    };

    it("keeps the video fragments, drops the metadata track's and zeroes its samples", async () => {
      const input = file();
      const out = await strip(input);
      expect(out.status).toBe("cleaned");
      expect(out.bytes).toEqual(file({ clean: true }));
      expect(contains(out.bytes, "KEYFRAME")).toBe(true);
      for (const canary of ["CANARY-GPS-FRAGMENT", "CANARY-STRAY"]) expect(contains(out.bytes, canary)).toBe(false);
      expect(out.removed).toEqual(["creation_time", "software", "metadata_track", "other_metadata"]);
    });

    it("refuses a fragment whose data offset would move once the dropped one before it is gone", async () => {
      // the video fragment after the metadata one, finding its data where that one's ends
      expect(await strip(file({ implicit: true, metaFirst: true }))).toMatchObject({ status: "unsupported",
        reason: "damaged" });
    });
  });

  it.each([
    ["no moov", concat(box("ftyp", "isom", u32(0)), box("mdat", "DATA"))],
    ["an mdat longer than the file", concat(box("ftyp", "isom", u32(0)), u32(5000), "mdat", "DATA")],
    ["a child box longer than its parent", concat(box("ftyp", "isom", u32(0)), box("moov", u32(500), "trak"))],
    ["a video sample outside mdat", (() => {
      const bad = movie();
      bad.set(u32(0), Buffer.from(bad).indexOf("stco") + 8); // the first chunk offset now points at byte 0
      return bad;
    })()],
    ["a truncated moov", movie().subarray(0, movie().length - 200)],
  ])("refuses a damaged file (%s) as unsupported", async (_, input) => {
    expect(await strip(input)).toMatchObject({ status: "unsupported", reason: "damaged", source: null });
  });
});

describe("a 5 GiB video", () => {
  // ftyp, moov (a video track whose two samples fill the media data but for its last 1000
  // bytes, 64-bit offsets; a metadata track with two samples there), then an mdat with a 64-bit
  // size declared over 5 GiB whose payload exists only as a size: reading it would be caught.
  const SIZE = 5 * 2 ** 30;
  const ftyp = box("ftyp", "mp42", u32(0), "mp42isom");
  const track = (type, sizes, offsets) => box("trak", timedBox("tkhd", 0, T0, T0, REST),
    box("mdia", timedBox("mdhd", 0, T0, T0, REST), hdlr(type),
      box("minf", box("stbl", stsc([[1, 1]]), stsz(sizes), co64(offsets)))));
  const probe = (video, meta) => box("moov", timedBox("mvhd", 1, T0, T0, REST), track("vide", ...video),
    track("meta", [100, 100], meta), box("udta", box("\u00a9xyz", "+48.8566+002.3522/")));
  const mdatAt = ftyp.length + probe([[0, 0], [0, 0]], [0, 0]).length;
  const first = mdatAt + 16;
  const half = 2.5 * 2 ** 30;
  const video = [[half, SIZE - 1000 - first - half], [first, first + half]];
  const samples = [SIZE - 1000, SIZE - 500];
  const moov = probe(video, samples);
  const mdatHeader = concat(u32(1), "mdat", u64(SIZE - mdatAt));

  it("reads only headers, small boxes and the few bytes between samples, never the media data", async () => {
    const blob = new SparseBlob(SIZE, [[0, ftyp], [ftyp.length, moov], [mdatAt, mdatHeader]]);
    const result = await stripMetadata(blob, { name: "big.mp4", type: "video/mp4" });
    expect(result.status).toBe("cleaned");
    expect(result.removed).toEqual(["location", "creation_time", "software", "metadata_track"]);
    expect(result.source.size).toBe(SIZE);
    // inside the media data, only what lies between samples and belongs to no track (to name it)
    const inside = blob.reads.filter(([a, b]) => b > first && a < SIZE);
    expect(inside).toEqual([[SIZE - 900, SIZE - 500], [SIZE - 400, SIZE]]);
    const total = blob.reads.reduce((n, [a, b]) => n + b - a, 0);
    expect(total).toBeLessThan(moov.length + 1200);

    // Reading the cleaned source: the media data comes straight from the file, the bytes after
    // the video samples are zeros, the moov is patched.
    blob.reads.length = 0;
    const middle = await result.source.read(2 ** 32, 1 << 20);
    expect(middle.length).toBe(1 << 20);
    expect(blob.reads).toEqual([[2 ** 32, 2 ** 32 + (1 << 20)]]);
    blob.reads.length = 0;
    expect([...(await result.source.read(samples[0] - 2, 104))]).toEqual(new Array(104).fill(0));
    // one read-ahead window (clamped at the end of the file) serves the two bytes before the zeros
    expect(blob.reads).toEqual([[samples[0] - 2, SIZE]]);
    const head = await result.source.read(0, mdatAt + 16);
    expect(contains(head, "+48.8566")).toBe(false);
    expect(head.subarray(mdatAt)).toEqual(mdatHeader);
  });
});
