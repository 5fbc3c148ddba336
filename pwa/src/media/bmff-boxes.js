// ISO BMFF boxes in memory (HEIF, AVIF and the boxes the video cleaner rewrites): read a box
// list, write a box. The video cleaner reads box headers from the picked file instead (bmff.js).
import { asciiBytes, check, latin1, view } from "./bytes.js";

/**
 * The box at `pos` in bytes[pos, end), as { type, start, payload, end, truncated }, or null when
 * fewer than 8 bytes are left. A box running past `end` is cut at `end` and marked truncated
 * when `lenient` (the last box of a truncated file); otherwise the file is damaged.
 */
export function readBox(bytes, pos, end, { lenient = false } = {}) {
  if (end - pos < 8) return null;
  const dv = view(bytes);
  const size32 = dv.getUint32(pos);
  const box = { type: latin1(bytes, pos + 4, pos + 8), start: pos, payload: pos + 8, end: pos + size32,
    truncated: false };
  if (size32 === 1) {
    check(end - pos >= 16, "broken 64-bit box header");
    const large = dv.getBigUint64(pos + 8);
    check(large <= BigInt(Number.MAX_SAFE_INTEGER), "box too large");
    box.payload = pos + 16;
    box.end = pos + Number(large);
  } else if (size32 === 0) {
    box.end = end;
  }
  check(box.end >= box.payload, `broken ${box.type} box`);
  if (box.end > end) {
    check(lenient, `${box.type} box runs past its container`);
    box.declaredEnd = box.end;
    box.end = end;
    box.truncated = true;
  }
  return box;
}

/** The boxes in bytes[start, end) (see readBox). */
export function readBoxes(bytes, start = 0, end = bytes.length, options = {}) {
  const boxes = [];
  for (let pos = start; pos < end;) {
    const box = readBox(bytes, pos, end, options);
    if (!box) {
      // QuickTime and some writers end a container with a 32-bit zero terminator.
      check(bytes.subarray(pos, end).every((b) => b === 0) || options.lenient, "broken box header");
      break;
    }
    boxes.push(box);
    pos = box.end;
  }
  return boxes;
}

/** A box: 32-bit size (64-bit when needed), type, then the payload pieces. */
export function writeBox(type, ...pieces) {
  const flat = pieces.flat(Infinity);
  const length = flat.reduce((n, p) => n + p.length, 0);
  const large = length + 8 > 0xffffffff;
  const out = new Uint8Array(length + (large ? 16 : 8));
  const dv = view(out);
  if (large) {
    dv.setUint32(0, 1);
    dv.setBigUint64(8, BigInt(out.length));
  } else dv.setUint32(0, out.length);
  out.set(asciiBytes(type), 4);
  let at = large ? 16 : 8;
  for (const piece of flat) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** A full box: version, 24-bit flags, payload. */
export const writeFullBox = (type, version, flags, ...pieces) =>
  writeBox(type, Uint8Array.of(version, (flags >> 16) & 0xff, (flags >> 8) & 0xff, flags & 0xff), ...pieces);

/** Big-endian unsigned integers of `width` bytes (1, 2, 4 or 8). */
export function uint(value, width) {
  const out = new Uint8Array(width);
  const dv = view(out);
  if (width === 1) out[0] = value;
  else if (width === 2) dv.setUint16(0, value);
  else if (width === 4) dv.setUint32(0, value);
  else if (width === 8) dv.setBigUint64(0, BigInt(value));
  else if (width !== 0) throw new RangeError(`width ${width}`);
  return out;
}

/** A cursor over big-endian fields; reading past `end` throws RangeError (a damaged file). */
export class Reader {
  constructor(bytes, pos, end) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    this.dv = view(bytes);
  }

  need(n) {
    if (this.pos + n > this.end) throw new RangeError("read past the end of a box");
  }

  uint(width) {
    this.need(width);
    let value = 0;
    if (width === 8) value = Number(this.dv.getBigUint64(this.pos));
    else for (let i = 0; i < width; i++) value = value * 256 + this.bytes[this.pos + i];
    this.pos += width;
    check(Number.isSafeInteger(value), "field too large");
    return value;
  }

  u8() { return this.uint(1); }

  u16() { return this.uint(2); }

  u32() { return this.uint(4); }

  type() {
    this.need(4);
    const text = latin1(this.bytes, this.pos, this.pos + 4);
    this.pos += 4;
    return text;
  }

  /** A NUL-terminated string (to the end of the box if the NUL is missing). */
  cstring() {
    let end = this.bytes.indexOf(0, this.pos);
    if (end === -1 || end >= this.end) end = this.end;
    const text = latin1(this.bytes, this.pos, end);
    this.pos = Math.min(end + 1, this.end);
    return text;
  }
}
