// Writes a cleaned HEIF/AVIF file: ftyp, a new meta box holding only the kept items, and one
// new mdat holding only their data. Nothing of the original is copied but the ftyp, the kept
// properties (colour profiles already rebuilt) and the kept items' data, so no stray byte of
// the original (an old Exif, a thumbnail, padding) can survive.
import { asciiBytes } from "./bytes.js";
import { uint, writeBox, writeFullBox } from "./bmff-boxes.js";

/**
 * Lay the kept extents out anew: overlapping or shared extents (encoders share tile data)
 * stay shared. Bytes missing from a truncated source are written as zeros.
 * @returns {{ data: Uint8Array, at: (offset: number) => number, missing: boolean }}
 */
function layOut(source, extents) {
  const ranges = extents.map((e) => [e.offset, e.offset + e.length]).sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  const total = merged.reduce((n, [s, e]) => n + e - s, 0);
  const data = new Uint8Array(total);
  const starts = [];
  let filled = 0;
  let missing = false;
  for (const [start, end] of merged) {
    starts.push(filled);
    const available = source.subarray(Math.min(start, source.length), Math.min(end, source.length));
    data.set(available, filled);
    missing ||= available.length < end - start;
    filled += end - start;
  }
  const at = (offset) => {
    const i = merged.findIndex(([s, e]) => offset >= s && offset <= e);
    return starts[i] + offset - merged[i][0];
  };
  return { data, at, missing };
}

const idWidth = (ids) => (ids.some((id) => id > 0xffff) ? 4 : 2);

function writeIinf(items) {
  const version = items.length > 0xffff ? 1 : 0;
  const entries = items.map((item) => {
    const wide = item.id > 0xffff;
    // The item name is free text: written empty. MIME and URI items are never kept.
    return writeFullBox("infe", wide ? 3 : 2, item.hidden ? 1 : 0, uint(item.id, wide ? 4 : 2), uint(0, 2),
      asciiBytes(item.type), Uint8Array.of(0));
  });
  return writeFullBox("iinf", version, 0, uint(items.length, version === 0 ? 2 : 4), entries);
}

function writeIloc(entries, sizes) {
  const version = idWidth(entries.map((e) => e.id)) === 4 ? 2 : 1;
  const body = entries.map((e) => [
    uint(e.id, version === 2 ? 4 : 2), uint(e.method, 2), uint(0, 2), uint(e.extents.length, 2),
    e.extents.map(({ offset, length }) => [uint(offset, sizes.offset), uint(length, sizes.length)]),
  ]);
  return writeFullBox("iloc", version, 0, Uint8Array.of((sizes.offset << 4) | sizes.length, 0),
    uint(entries.length, version === 2 ? 4 : 2), body);
}

function writeIref(references) {
  const width = idWidth(references.flatMap((r) => [r.from, ...r.to]));
  return writeFullBox("iref", width === 4 ? 1 : 0, 0, references.map((r) =>
    writeBox(r.type, uint(r.from, width), uint(r.to.length, 2), r.to.map((id) => uint(id, width)))));
}

function writeIprp(properties, associations) {
  const ids = [...associations.keys()].sort((a, b) => a - b);
  const wideIndex = properties.length > 127;
  const version = idWidth(ids) === 4 ? 1 : 0;
  const entries = ids.map((id) => {
    const list = associations.get(id);
    return [uint(id, version === 1 ? 4 : 2), uint(list.length, 1), list.map(({ index, essential }) =>
      (wideIndex ? uint(index | (essential ? 0x8000 : 0), 2) : uint(index | (essential ? 0x80 : 0), 1)))];
  });
  return writeBox("iprp", writeBox("ipco", properties),
    writeFullBox("ipma", version, wideIndex ? 1 : 0, uint(ids.length, 4), entries));
}

/**
 * @param {object} plan what heif.js kept: { source, ftyp, primary, items, locations, references,
 *   properties, associations, groups, idat }
 * @returns {{ bytes: Uint8Array, missing: boolean }} the file; `missing`: kept data was cut
 */
export function writeHeif(plan) {
  const located = plan.items.filter((item) => plan.locations.has(item.id));
  const fileExtents = located.flatMap((item) => {
    const loc = plan.locations.get(item.id);
    return loc.method === 0 ? loc.extents : [];
  });
  const idatExtents = located.flatMap((item) => {
    const loc = plan.locations.get(item.id);
    return loc.method === 1 ? loc.extents : [];
  });
  const media = layOut(plan.source, fileExtents);
  const idat = layOut(plan.idat, idatExtents);
  const big = media.data.length + 16 > 0xffffffff;
  const sizes = { offset: big ? 8 : 4, length: located.some((item) =>
    plan.locations.get(item.id).extents.some((e) => e.length > 0xffffffff)) ? 8 : 4 };

  const meta = (mdatPayload) => {
    const entries = located.map((item) => {
      const loc = plan.locations.get(item.id);
      const layout = loc.method === 0 ? media : idat;
      const base = loc.method === 0 ? mdatPayload : 0;
      return { id: item.id, method: loc.method, extents: loc.extents.map(({ offset, length }) =>
        ({ offset: base + layout.at(offset), length })) };
    });
    const wide = plan.primary > 0xffff;
    return writeFullBox("meta", 0, 0,
      writeFullBox("hdlr", 0, 0, uint(0, 4), asciiBytes("pict"), new Uint8Array(12), Uint8Array.of(0)),
      writeBox("dinf", writeFullBox("dref", 0, 0, uint(1, 4), writeFullBox("url ", 0, 1))),
      writeFullBox("pitm", wide ? 1 : 0, 0, uint(plan.primary, wide ? 4 : 2)),
      writeIloc(entries, sizes),
      writeIinf(plan.items),
      plan.references.length ? writeIref(plan.references) : [],
      writeIprp(plan.properties, plan.associations),
      idatExtents.length ? writeBox("idat", idat.data) : [],
      plan.groups.length ? writeBox("grpl", plan.groups) : []);
  };
  const mdatHeader = big ? 16 : 8;
  const probe = meta(0);
  const mdatPayload = plan.ftyp.length + probe.length + mdatHeader;
  const bytes = [plan.ftyp, meta(mdatPayload), writeBox("mdat", media.data)];
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return { bytes: out, missing: media.missing || idat.missing };
}
