// HEIC, HEIF and AVIF photos (ISO BMFF items): rebuilt losslessly from the items a viewer
// needs. An iPhone or Android photo is a set of items: the primary image (often a 'grid' of
// 512x512 tiles), a thumbnail, an Exif item, an XMP ('mime') item, auxiliary images (alpha,
// depth maps, portrait mattes, Apple's HDR gain map) and, on Samsung phones, a motion-photo
// video after the image. The cleaned file holds:
//   - the primary image and every image it is derived from (grid tiles, 'iden'/'iovl' inputs);
//   - its alpha plane (an auxiliary image a viewer composites) and an ISO 21496-1 gain map
//     ('tmap' with its gain-map image: the HDR rendition, described by binary numbers only);
//   - any other master image of a multi-image file, the same way;
//   - their decoding properties (codec configuration, size, colour, irot/imir orientation,
//     clap crop...), colour profiles rebuilt without what names the device (icc.js).
// Dropped: Exif, XMP and every other metadata item, thumbnails, depth and matte images, Apple's
// pre-ISO gain map (its parameters live in the Apple maker notes, which go with the Exif),
// descriptive properties ('udes', 'altt'), item names, unknown boxes and bytes that belong to
// no kept item. The image data is copied byte for byte, so the decoded pixels cannot change.
import { Unsupported, check, latin1, view } from "./bytes.js";
import { readBox, writeBox } from "./bmff-boxes.js";
import { readExif } from "./exif.js";
import { parseMeta } from "./heif-items.js";
import { writeHeif } from "./heif-write.js";
import { cleanIcc } from "./icc.js";
import { xmpKeys } from "./keywords.js";

const IMAGE_TYPES = new Set(["hvc1", "hev1", "av01", "avc1", "vvc1", "jpeg", "j2k1", "unci", "grid", "iovl", "iden",
  "tmap"]);
const ALPHA = new Set(["urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1"]);
// Properties a decoder or viewer reads, kept as they are: codec configurations, sizes, pixel
// layout, orientation and crop, colour volume, layer selection, auxiliary type, tiling hints.
const DECODING_PROPERTIES = new Set(["hvcC", "av1C", "avcC", "vvcC", "jpgC", "j2kH", "uncC", "cmpd", "cpal", "cpat",
  "ispe", "pixi", "irot", "imir", "clap", "pasp", "lsel", "a1op", "a1lx", "clli", "mdcv", "cclv", "amve", "reve",
  "auxC", "rloc", "iscl", "tols", "ccst", "lhvC", "oinf", "splz", "sbpm", "snuc", "cloc", "itai"]);
// Free text a person (or an app) wrote about the picture.
const TEXT_PROPERTIES = new Set(["udes", "altt"]);
const PADDING = new Set(["free", "skip"]);
// Photos are cleaned in memory (strip.js's limit); a damaged size must not ask for more.
const MAX_OUTPUT = 256 * 1024 * 1024;

/** The label keys of what a dropped Exif item held. */
function exifItemKeys(data) {
  if (data.length < 4) return ["other_metadata"];
  const start = 4 + view(data).getUint32(0); // offset of the TIFF header after this field
  const tiff = data.subarray(Math.min(start, data.length));
  return [...readExif(tiff).keys];
}

class HeifCleaner {
  constructor(bytes, meta) {
    this.bytes = bytes;
    this.meta = meta;
    this.byId = new Map(meta.items.map((item) => [item.id, item]));
    this.keep = new Set();
    this.removed = new Set();
    this.kept = new Set();
    this.auxOf = new Map(); // image id -> ids of its auxiliary images
    for (const ref of meta.references.filter((r) => r.type === "auxl")) {
      for (const to of ref.to) this.auxOf.set(to, [...(this.auxOf.get(to) ?? []), ref.from]);
    }
  }

  refs(type, from) {
    return this.meta.references.filter((r) => r.type === type && r.from === from).flatMap((r) => r.to);
  }

  property(index) {
    return this.meta.properties[index - 1];
  }

  auxType(id) {
    for (const { index } of this.meta.associations.get(id) ?? []) {
      const prop = this.property(index);
      if (prop.type === "auxC") return latin1(this.bytes, prop.payload + 4, prop.end).split("\0")[0];
    }
    return "";
  }

  /** Keep an image with what it is made of (tiles, inputs) and its alpha plane. */
  keepImage(id) {
    if (this.keep.has(id)) return;
    const item = this.byId.get(id);
    check(item && IMAGE_TYPES.has(item.type), `image ${id} missing or not an image`);
    this.keep.add(id);
    for (const input of [...this.refs("dimg", id), ...this.refs("base", id)]) this.keepImage(input);
    for (const aux of this.auxOf.get(id) ?? []) {
      if (ALPHA.has(this.auxType(aux))) this.keepImage(aux);
    }
  }

  chooseItems() {
    const { items, references, primary } = this.meta;
    const inputs = new Set(references.filter((r) => r.type === "dimg" || r.type === "base").flatMap((r) => r.to));
    const roles = new Set(references.filter((r) => r.type === "thmb" || r.type === "auxl").map((r) => r.from));
    this.keepImage(primary);
    for (const item of items) {
      const master = IMAGE_TYPES.has(item.type) && item.type !== "tmap" && !item.hidden && !inputs.has(item.id)
        && !roles.has(item.id);
      if (master) this.keepImage(item.id);
    }
    // An ISO gain map: a 'tmap' image derived from a kept image and its gain-map image.
    for (const item of items.filter((i) => i.type === "tmap")) {
      if (this.keep.has(this.refs("dimg", item.id)[0])) this.keepImage(item.id);
    }
    // A thumbnail may itself be a grid: its tiles are thumbnail too.
    const thumbnails = new Set(references.filter((r) => r.type === "thmb").map((r) => r.from));
    for (const id of thumbnails) [...this.refs("dimg", id)].forEach((tile) => thumbnails.add(tile));
    for (const item of items.filter((i) => !this.keep.has(i.id))) this.labelDropped(item, thumbnails);
    for (const item of items.filter((i) => this.keep.has(i.id))) {
      check(item.protection === 0, "a protected item");
    }
  }

  itemData(id) {
    const location = this.meta.locations.get(id);
    if (!location || location.method > 1) return new Uint8Array(0);
    const from = location.method === 0 ? this.bytes : this.meta.idat;
    const pieces = location.extents.map(({ offset, length }) =>
      from.subarray(Math.min(offset, from.length), Math.min(offset + length, from.length)));
    const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  labelDropped(item, thumbnails) {
    const add = (keys) => keys.forEach((key) => this.removed.add(key));
    if (item.type === "Exif") add(exifItemKeys(this.itemData(item.id)));
    else if (item.type === "mime" && /xmp|rdf\+xml/i.test(item.contentType)) add(["xmp", ...xmpKeys(this.itemData(item.id))]);
    else if (thumbnails.has(item.id)) add(["thumbnail"]);
    else if (IMAGE_TYPES.has(item.type)) add(["auxiliary_images"]);
    else add(["other_metadata"]);
  }

  /** A kept property as the bytes to write, or null to drop it. */
  cleanProperty(prop, essential) {
    if (DECODING_PROPERTIES.has(prop.type)) {
      if ((prop.type === "irot" && (this.bytes[prop.payload] & 3) !== 0) || prop.type === "imir") this.kept.add("orientation");
      return prop.bytes;
    }
    if (prop.type === "colr") {
      const kind = latin1(this.bytes, prop.payload, prop.payload + 4);
      if (kind === "nclx" || kind === "nclc") return prop.bytes;
      if (kind === "prof" || kind === "rICC") {
        const icc = cleanIcc(this.bytes.subarray(prop.payload + 4, prop.end));
        if (icc) {
          this.kept.add("icc_profile");
          icc.removed.forEach((key) => this.removed.add(key));
          return writeBox("colr", this.bytes.subarray(prop.payload, prop.payload + 4), icc.profile);
        }
      }
    } else if (TEXT_PROPERTIES.has(prop.type)) {
      this.removed.add("comment");
    } else if (!PADDING.has(prop.type)) {
      this.removed.add("other_metadata");
    }
    // Dropping a property a decoder must understand would change the picture: not cleaned.
    if (essential) throw new Unsupported("unsupported_format", `essential property ${prop.type}`);
    return null;
  }

  /** The kept items' properties, renumbered; shared properties stay shared. */
  properties() {
    const list = [];
    const renumbered = new Map(); // old index -> new index, or 0 when dropped
    const associations = new Map();
    for (const id of [...this.keep].sort((a, b) => a - b)) {
      const kept = [];
      for (const { index, essential } of this.meta.associations.get(id) ?? []) {
        if (!renumbered.has(index)) {
          const bytes = this.cleanProperty(this.property(index), essential);
          if (bytes) list.push(bytes);
          renumbered.set(index, bytes ? list.length : 0);
        } else if (renumbered.get(index) === 0 && essential) {
          throw new Unsupported("unsupported_format", "an essential property dropped");
        }
        if (renumbered.get(index)) kept.push({ index: renumbered.get(index), essential });
      }
      associations.set(id, kept);
    }
    return { properties: list, associations };
  }

  /** `limit`: where the file's data may end (past its last byte only for a truncated file). */
  plan(ftyp, limit) {
    const { meta } = this;
    let total = 0;
    for (const id of this.keep) {
      const location = meta.locations.get(id);
      if (!location) continue;
      check(location.dataReference === 0, "item data in another file");
      if (location.method > 1) throw new Unsupported("unsupported_format", "item data by item offset");
      const end = location.method === 0 ? limit : meta.idat.length;
      for (const { offset, length } of location.extents) {
        check(length > 0, "an extent to the end of the file");
        check(offset + length <= end, `item ${id} lies past the end of its data`);
        total += length;
      }
    }
    if (total > MAX_OUTPUT) throw new Unsupported("too_large", "items too large for a phone's memory");
    const references = meta.references
      .filter((r) => this.keep.has(r.from))
      .map((r) => ({ ...r, to: r.to.filter((id) => this.keep.has(id)) }))
      .filter((r) => r.to.length > 0);
    const groups = meta.groups.filter((g) => g.entities.every((id) => this.keep.has(id))).map((g) => g.bytes);
    return {
      source: this.bytes, ftyp, primary: meta.primary, items: meta.items.filter((i) => this.keep.has(i.id)),
      locations: meta.locations, references, ...this.properties(), groups, idat: meta.idat,
    };
  }
}

/** Top-level boxes, stopping at bytes that are no box (a vendor trailer after the image). */
function topLevel(bytes) {
  const boxes = [];
  for (let pos = 0; pos < bytes.length;) {
    let box = null;
    try {
      box = readBox(bytes, pos, bytes.length, { lenient: true });
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
    }
    // A cut box that is none of the boxes an image file holds is a vendor trailer, not a box.
    const stray = box && box.truncated && !["mdat", "meta", "moov", "mpvd", "free", "skip"].includes(box.type);
    if (!box || !/^[\x20-\x7e]{4}$/.test(box.type) || stray) {
      check(boxes.some((b) => b.type === "meta"), `broken box at byte ${pos}`);
      return { boxes, trailer: !bytes.subarray(pos).every((b) => b === 0) };
    }
    boxes.push(box);
    pos = box.end;
  }
  return { boxes, trailer: false };
}

/**
 * @param {Uint8Array} bytes the whole HEIF/AVIF file
 * @returns {{ parts: Uint8Array[], removed: string[], kept: string[] }}
 */
export function cleanHeif(bytes) {
  const { boxes, trailer } = topLevel(bytes);
  check(boxes[0]?.type === "ftyp" && !boxes[0].truncated, "no ftyp box");
  const metas = boxes.filter((b) => b.type === "meta");
  check(metas.length === 1 && !metas[0].truncated, "no complete meta box");
  if (boxes.some((b) => b.type === "moov")) {
    // An image sequence (animated AVIF, HEIF burst): its frames are a track, not items.
    throw new Unsupported("image_sequence", "an image sequence");
  }
  const cleaner = new HeifCleaner(bytes, parseMeta(bytes, metas[0]));
  cleaner.chooseItems();
  const last = boxes.at(-1);
  const limit = last.truncated && last.type === "mdat" ? last.declaredEnd : bytes.length;
  const { bytes: out, missing } = writeHeif(cleaner.plan(bytes.subarray(boxes[0].start, boxes[0].end), limit));
  for (const box of boxes) {
    const zeros = bytes.subarray(box.payload, box.end).every((b) => b === 0);
    if (box.type === "mpvd") cleaner.removed.add("motion_photo"); // Samsung: the motion photo's video
    else if (!["ftyp", "meta", "mdat", "free", "skip", "wide"].includes(box.type) && !zeros) cleaner.removed.add("other_metadata");
  }
  if (trailer) cleaner.removed.add("trailer");
  if (missing) cleaner.kept.add("incomplete");
  return { parts: [out], removed: [...cleaner.removed], kept: [...cleaner.kept] };
}
