// The item structure of a HEIF/AVIF 'meta' box, parsed into plain objects: items (type, name,
// hidden flag, MIME type), their locations (iloc), references (iref), properties (ipco/ipma),
// groups (grpl), the primary item (pitm) and the item data box (idat). heif.js decides what to
// keep and heif-write.js writes it back.
import { Unsupported, check } from "./bytes.js";
import { Reader, readBoxes } from "./bmff-boxes.js";

function parseInfe(bytes, box) {
  const r = new Reader(bytes, box.payload, box.end);
  const version = r.u8();
  const flags = r.uint(3);
  // Versions 0 and 1 (no item type) come from HEIF's predecessors; no phone writes them.
  if (version < 2) throw new Unsupported("unsupported_format", "item info entry version 0 or 1");
  const id = version === 2 ? r.u16() : r.u32();
  const protection = r.u16();
  const type = r.type();
  const name = r.cstring();
  const item = { id, type, name, hidden: (flags & 1) === 1, protection, contentType: "", uri: "" };
  if (type === "mime") item.contentType = r.cstring();
  else if (type === "uri ") item.uri = r.cstring();
  return item;
}

function parseIinf(bytes, box) {
  const r = new Reader(bytes, box.payload, box.end);
  const version = r.u8();
  r.uint(3);
  const count = version === 0 ? r.u16() : r.u32();
  const entries = readBoxes(bytes, r.pos, box.end).filter((b) => b.type === "infe");
  check(entries.length === count, "iinf count does not match its entries");
  return entries.map((entry) => parseInfe(bytes, entry));
}

function parseIloc(bytes, box) {
  const r = new Reader(bytes, box.payload, box.end);
  const version = r.u8();
  r.uint(3);
  check(version <= 2, `iloc version ${version}`);
  const sizes = r.u8();
  const more = r.u8();
  const [offsetSize, lengthSize, baseSize] = [sizes >> 4, sizes & 15, more >> 4];
  const indexSize = version === 0 ? 0 : more & 15;
  for (const size of [offsetSize, lengthSize, baseSize, indexSize]) check([0, 4, 8].includes(size), "iloc field size");
  const count = version < 2 ? r.u16() : r.u32();
  const locations = new Map();
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? r.u16() : r.u32();
    const method = version === 0 ? 0 : r.u16() & 15;
    const dataReference = r.u16();
    const base = r.uint(baseSize);
    const extentCount = r.u16();
    const extents = [];
    for (let e = 0; e < extentCount; e++) {
      r.uint(indexSize);
      extents.push({ offset: base + r.uint(offsetSize), length: r.uint(lengthSize) });
    }
    check(!locations.has(id), `item ${id} located twice`);
    locations.set(id, { method, dataReference, extents });
  }
  return locations;
}

function parseIref(bytes, box) {
  const r = new Reader(bytes, box.payload, box.end);
  const version = r.u8();
  r.uint(3);
  const width = version === 0 ? 2 : 4;
  return readBoxes(bytes, r.pos, box.end).map((ref) => {
    const rr = new Reader(bytes, ref.payload, ref.end);
    const from = rr.uint(width);
    const count = rr.u16();
    const to = Array.from({ length: count }, () => rr.uint(width));
    return { type: ref.type, from, to };
  });
}

function parseIprp(bytes, box) {
  const children = readBoxes(bytes, box.payload, box.end);
  const ipco = children.find((b) => b.type === "ipco");
  check(ipco, "no ipco box");
  // Property indices are 1-based; index 0 means "no property".
  const properties = readBoxes(bytes, ipco.payload, ipco.end).map((p) => ({ ...p, bytes: bytes.subarray(p.start, p.end) }));
  const associations = new Map();
  for (const ipma of children.filter((b) => b.type === "ipma")) {
    const r = new Reader(bytes, ipma.payload, ipma.end);
    const version = r.u8();
    const flags = r.uint(3);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const id = version < 1 ? r.u16() : r.u32();
      const n = r.u8();
      const list = associations.get(id) ?? [];
      for (let k = 0; k < n; k++) {
        const value = flags & 1 ? r.u16() : r.u8();
        const bits = flags & 1 ? 15 : 7;
        const index = value & ((1 << bits) - 1);
        if (index === 0) continue;
        check(index <= properties.length, `item ${id} names a missing property`);
        list.push({ index, essential: value >> bits === 1 });
      }
      associations.set(id, list);
    }
  }
  return { properties, associations };
}

function parseGrpl(bytes, box) {
  return readBoxes(bytes, box.payload, box.end).map((group) => {
    const r = new Reader(bytes, group.payload + 4, group.end); // after version and flags
    r.u32(); // group_id
    const count = r.u32();
    const entities = Array.from({ length: count }, () => r.u32());
    return { type: group.type, entities, bytes: bytes.subarray(group.start, group.end) };
  });
}

/**
 * @param {Uint8Array} bytes the file
 * @param {{ payload: number, end: number }} meta the meta box
 */
export function parseMeta(bytes, meta) {
  const children = readBoxes(bytes, meta.payload + 4, meta.end); // meta is a full box
  const byType = new Map(children.map((b) => [b.type, b]));
  const hdlr = byType.get("hdlr");
  check(hdlr && hdlr.end - hdlr.payload >= 12, "meta without handler");
  const handler = new Reader(bytes, hdlr.payload + 8, hdlr.end).type();
  if (handler !== "pict") throw new Unsupported("unsupported_format", `meta handler ${handler}`);
  if (byType.has("ipro") || byType.has("ipmc")) throw new Unsupported("unsupported_format", "protected items");
  for (const required of ["pitm", "iinf", "iloc", "iprp"]) check(byType.has(required), `no ${required} box`);
  const pitm = byType.get("pitm");
  const pr = new Reader(bytes, pitm.payload, pitm.end);
  const primary = pr.u8() === 0 ? (pr.uint(3), pr.u16()) : (pr.uint(3), pr.u32());
  const idat = byType.get("idat");
  return {
    children,
    primary,
    items: parseIinf(bytes, byType.get("iinf")),
    locations: parseIloc(bytes, byType.get("iloc")),
    references: byType.has("iref") ? parseIref(bytes, byType.get("iref")) : [],
    ...parseIprp(bytes, byType.get("iprp")),
    groups: byType.has("grpl") ? parseGrpl(bytes, byType.get("grpl")) : [],
    idat: idat ? bytes.subarray(idat.payload, idat.end) : new Uint8Array(0),
  };
}
