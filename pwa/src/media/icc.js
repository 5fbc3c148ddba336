// ICC colour profiles: keep the colours, drop what names the device. A photo's profile says how
// its numbers map to colours, and a decoder needs it; but a screenshot embeds the profile of the
// screen it was taken on, with the monitor's name, its EDID vendor, model and serial number
// (Apple 'mmod'), its calibration curves ('vcgt') and the date the profile was made.
//
// The profile is rebuilt, never patched: a new header, a new tag table and only the tags a
// colour engine reads to convert colours (matrix/TRC, LUT-based A2B/B2A, white point,
// chromatic adaptation, cicp...), each copied from its type signature to its exact length. The
// required description and copyright tags are replaced by neutral text (free text is never
// kept), the header's CMM, platform, device manufacturer and model, creator and date are zeroed,
// and the profile ID (an MD5 of the original) is zeroed, which the ICC specification reads as
// "not computed". A profile that does not parse is not kept at all (cleanIcc answers null).
import { Unsupported, asciiBytes, check, latin1, view } from "./bytes.js";

const HEADER = 128;
// Tags a colour engine uses to convert colours. Everything else (desc/cprt apart) is dropped:
// dmnd/dmdd (device names), mmod (Apple: EDID vendor, model, serial), ndin, dscm, vcgt/vcgp,
// aarg/aagg/aabg (Apple's private curves), lumi, meas, tech, view, vued, targ, calt, pseq, psid,
// clrt (colorant names), ncl2 (named colours), rig0/rig2, ciis and any private tag.
const RENDERING_TAGS = new Set([
  "A2B0", "A2B1", "A2B2", "A2B3", "B2A0", "B2A1", "B2A2", "B2A3",
  "D2B0", "D2B1", "D2B2", "D2B3", "B2D0", "B2D1", "B2D2", "B2D3",
  "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC", "kTRC", "wtpt", "bkpt", "chad", "chrm", "cicp",
  "gamt", "pre0", "pre1", "pre2", "clro", "resp",
]);
// Data types that hold numbers only; a rendering tag of any other type (text, say) is dropped.
const NUMERIC_TYPES = new Set(["XYZ ", "curv", "para", "sf32", "mAB ", "mBA ", "mft1", "mft2", "mpet", "chrm",
  "cicp", "clro", "ui08", "ui16", "ui32", "ui64", "uf32", "fl16", "fl32", "fl64"]);
// Tags that name the device (labels "icc_device"); Apple's mmod also holds a serial number.
const DEVICE_TAGS = new Set(["dmnd", "dmdd", "mmod", "ndin", "dscm"]);
const PARA_PARAMS = [1, 3, 4, 5, 7];

/** How many bytes of a tag's data are meaningful, from its type; null: the whole declared size. */
function exactLength(type, data) {
  const dv = view(data);
  if (type === "XYZ ") return 8 + 12 * Math.floor((data.length - 8) / 12);
  if (type === "curv" && data.length >= 12) return 12 + 2 * dv.getUint32(8);
  if (type === "para" && data.length >= 12) {
    const params = PARA_PARAMS[dv.getUint16(8)];
    return params === undefined ? -1 : 12 + 4 * params;
  }
  if (type === "chrm" && data.length >= 12) return 12 + 8 * dv.getUint16(8);
  if (type === "cicp") return 12;
  return null;
}

/** A text tag of the type the profile's version expects: 'desc'/'text' (v2) or 'mluc' (v4). */
function textTag(signature, text, major) {
  const ascii = asciiBytes(text);
  if (major >= 4) {
    const utf16 = new Uint8Array(ascii.length * 2);
    ascii.forEach((c, i) => { utf16[2 * i + 1] = c; });
    const out = new Uint8Array(28 + utf16.length);
    const dv = view(out);
    out.set(asciiBytes("mluc"));
    dv.setUint32(8, 1); // one record
    dv.setUint32(12, 12); // record size
    out.set(asciiBytes("enUS"), 16);
    dv.setUint32(20, utf16.length);
    dv.setUint32(24, 28);
    out.set(utf16, 28);
    return out;
  }
  if (signature === "desc") {
    // textDescriptionType: ASCII (with its NUL), then empty Unicode and ScriptCode descriptions.
    const out = new Uint8Array(12 + ascii.length + 1 + 8 + 3 + 67);
    out.set(asciiBytes("desc"));
    view(out).setUint32(8, ascii.length + 1);
    out.set(ascii, 12);
    return out;
  }
  const out = new Uint8Array(8 + ascii.length + 1);
  out.set(asciiBytes("text"));
  out.set(ascii, 8);
  return out;
}

const pad4 = (n) => (n + 3) & ~3;

/**
 * Rebuild an ICC profile without what names the device.
 * @param {Uint8Array} profile the embedded profile
 * @param {{ size?: number }} options `size`: the rebuilt profile is padded with zeros to exactly
 *   this many bytes (for containers patched in place); throws Unsupported if it cannot fit
 * @returns {{ profile: Uint8Array, removed: string[] }|null} the rebuilt profile and label keys of
 *   what named the device; null if the profile does not parse (or does not fit `size`)
 */
export function cleanIcc(profile, options = {}) {
  try {
    return rebuild(profile, options);
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RangeError) return null;
    throw error;
  }
}

/** @param {Uint8Array} profile @param {{ size?: number }} options */
function rebuild(profile, { size }) {
  check(profile.length >= HEADER + 4 && latin1(profile, 36, 40) === "acsp", "not an ICC profile");
  const dv = view(profile);
  const declared = dv.getUint32(0);
  check(declared >= HEADER + 4 && declared <= profile.length, "an ICC profile longer than its container");
  const count = dv.getUint32(HEADER);
  check(count <= 1000 && HEADER + 4 + 12 * count <= declared, "an ICC tag table past the profile");
  const major = profile[8];
  const removed = new Set();
  if (dv.getUint32(48) !== 0 || dv.getUint32(52) !== 0) removed.add("icc_device");

  const tags = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER + 4 + 12 * i;
    const signature = latin1(profile, at, at + 4);
    const offset = dv.getUint32(at + 4);
    const length = dv.getUint32(at + 8);
    check(offset >= HEADER + 4 && length >= 8 && offset + length <= declared, `ICC tag ${signature} out of bounds`);
    const data = profile.subarray(offset, offset + length);
    const type = latin1(data, 0, 4);
    if (DEVICE_TAGS.has(signature)) {
      removed.add("icc_device");
      if (signature === "mmod" && data.length >= 20 && view(data).getUint32(16) !== 0) removed.add("serial");
    }
    if (!RENDERING_TAGS.has(signature) || !NUMERIC_TYPES.has(type)) continue;
    const exact = exactLength(type, data);
    if (exact !== null && (exact < 8 || exact > data.length)) continue; // malformed: not kept
    tags.push({ signature, offset, data: exact === null ? data : data.subarray(0, exact) });
  }
  const space = latin1(profile, 16, 20).trim();
  tags.push({ signature: "desc", offset: -1, data: textTag("desc", space, major) });
  tags.push({ signature: "cprt", offset: -2, data: textTag("cprt", "", major) });

  // Lay out: header, tag table, then each distinct data block once (tags may share data).
  const blocks = new Map(); // original offset -> new offset
  let end = HEADER + 4 + 12 * tags.length;
  const placed = tags.map((tag) => {
    if (!blocks.has(tag.offset)) {
      blocks.set(tag.offset, end);
      end = pad4(end + tag.data.length);
    }
    return { ...tag, at: blocks.get(tag.offset) };
  });
  const total = size ?? end;
  check(end <= total, "the cleaned colour profile does not fit in place");
  const out = new Uint8Array(total);
  const odv = view(out);
  out.set(profile.subarray(0, HEADER));
  odv.setUint32(0, total);
  // CMM, date, platform, device manufacturer and model, creator, profile ID, reserved: zeroed.
  for (const [from, to] of [[4, 8], [24, 36], [40, 44], [48, 56], [80, 128]]) out.fill(0, from, to);
  odv.setUint32(HEADER, placed.length);
  placed.forEach((tag, i) => {
    const at = HEADER + 4 + 12 * i;
    out.set(asciiBytes(tag.signature), at);
    odv.setUint32(at + 4, tag.at);
    odv.setUint32(at + 8, tag.data.length);
    out.set(tag.data, tag.at);
  });
  return { profile: out, removed: [...removed] };
}
