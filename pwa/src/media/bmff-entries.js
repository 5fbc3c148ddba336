// The sample descriptions ('stsd') of an audio or video track, cleaned in place: they tell the
// decoder how to read the samples, but QuickTime also put free text there. Kept: the fields and
// child boxes a decoder reads (codec configuration, sizes, sample rate, colour, aspect ratio,
// HDR metadata, channel layout...). Blanked: the 'vendor' code ('appl', 'FFMP'), the video
// 'compressorname' ("H.264", "Lavc60.3 libx264", "HEVC"), every child box not known to be
// needed (renamed 'free' and zeroed), and colour profiles are rebuilt at the same size without
// what names the device (icc.js). Nothing moves: the result is a list of patches.
import { Unsupported, latin1 } from "./bytes.js";
import { readBoxes } from "./bmff-boxes.js";
import { cleanIcc } from "./icc.js";

const VISUAL_FIXED = 78; // after the 8-byte entry header: reserved ... colour table id
const VENDOR = [12, 16];
const COMPRESSOR_NAME = [42, 74];
// Decoder configuration and rendering boxes inside a visual sample entry.
const VISUAL_CHILDREN = new Set(["avcC", "hvcC", "av1C", "vpcC", "vvcC", "lhvC", "dvcC", "dvvC", "dvwC", "esds", "d263",
  "btrt", "pasp", "clap", "colr", "fiel", "gama", "mdcv", "clli", "cclv", "amve", "SmDm", "CoLL", "st3d", "sinf",
  "ccst", "avcE", "hvcE", "m4ds", "glbl", "ARES", "APRG", "ACLR", "jpgC"]);
const SOUND_CHILDREN = new Set(["esds", "wave", "chan", "dOps", "dfLa", "alac", "dac3", "dec3", "dac4", "btrt", "sinf",
  "pcmC", "chnl", "damr", "enda", "srat", "frma", "mp4a", "ms\u0000\u0011", "glbl", "dmlp", "ddts", "SA3D"]);
// A QuickTime 'wave' box holds more children (frma, esds, chan, an empty terminator).
const CONTAINERS = new Set(["wave", "sinf"]);

/** Where a sound entry's child boxes start: after its fixed fields, which grow with its version. */
function soundFixed(entry, bytes) {
  const version = (bytes[entry.payload + 8] << 8) | bytes[entry.payload + 9];
  return version === 1 ? 44 : version === 2 ? 64 : 28;
}

/**
 * @param {Uint8Array} bytes the stsd box payload (after its version, flags and entry count)
 * @param {number} fileOffset where bytes[0] lies in the file
 * @param {"vide"|"soun"} handler the track's media type
 * @returns {{ patches: Array<{start: number, end: number, bytes?: Uint8Array}>, removed: Set<string>, kept: Set<string> }}
 */
export function cleanSampleEntries(bytes, fileOffset, handler) {
  const patches = [];
  const removed = new Set();
  const kept = new Set();
  const at = (pos) => fileOffset + pos;
  const blank = (start, end, key) => {
    if (bytes.subarray(start, end).some((b) => b !== 0)) {
      patches.push({ start: at(start), end: at(end) });
      if (key) removed.add(key);
    }
  };
  const neutralise = (box) => {
    patches.push({ start: at(box.start + 4), end: at(box.start + 8), bytes: Uint8Array.of(0x66, 0x72, 0x65, 0x65) });
    blank(box.payload, box.end, "other_metadata");
  };

  const children = (start, end, allowed) => {
    for (const box of readBoxes(bytes, start, end)) {
      if (box.type === "colr") cleanColour(box);
      else if (CONTAINERS.has(box.type)) children(box.payload, box.end, allowed);
      else if (!allowed.has(box.type) && !/^\0{4}$/.test(box.type)) neutralise(box);
    }
  };

  const cleanColour = (box) => {
    const kind = latin1(bytes, box.payload, box.payload + 4);
    if (kind === "nclx" || kind === "nclc") return;
    if (kind !== "prof" && kind !== "rICC") return neutralise(box);
    const profile = bytes.subarray(box.payload + 4, box.end);
    const icc = cleanIcc(profile, { size: profile.length });
    if (!icc) return neutralise(box); // unreadable: a decoder could not use it either
    patches.push({ start: at(box.payload + 4), end: at(box.end), bytes: icc.profile });
    kept.add("icc_profile");
    icc.removed.forEach((key) => removed.add(key));
  };

  for (const entry of readBoxes(bytes, 0, bytes.length)) {
    const fixed = handler === "vide" ? VISUAL_FIXED : soundFixed(entry, bytes);
    if (entry.end - entry.payload < fixed) throw new Unsupported("damaged", `short ${entry.type} sample entry`);
    // The vendor code names the software's maker ('appl'); the compressor name is free text
    // (usually the codec's name, sometimes the encoder's and its version).
    blank(entry.payload + VENDOR[0], entry.payload + VENDOR[1], "software");
    if (handler === "vide") blank(entry.payload + COMPRESSOR_NAME[0], entry.payload + COMPRESSOR_NAME[1]);
    children(entry.payload + fixed, entry.end, handler === "vide" ? VISUAL_CHILDREN : SOUND_CHILDREN);
  }
  return { patches, removed, kept };
}
