// What a block of metadata we drop talked about: it only chooses the words shown to the citizen
// ("position GPS retirée"); the block goes whatever it holds. Property names are read, not
// guessed from substrings: an XMP packet's element and attribute names, a QuickTime 'keys'
// list and user-data atom types, a PNG text keyword. A name counts only for what it really
// holds: GPSVersionID or a location accuracy is no position, a toolkit name is no author.
import { latin1 } from "./bytes.js";
import { readBoxes } from "./bmff-boxes.js";

// Local names (any namespace prefix) and the label key each reveals.
/** @type {[string, string[]][]} */
const NAMES = [
  ["gps", ["GPSLatitude", "GPSLongitude", "GPSDestLatitude", "GPSDestLongitude", "GPSCoordinates", "GPSPosition"]],
  ["place", ["City", "State", "Country", "CountryName", "CountryCode", "Sublocation", "Location", "ProvinceState",
    "WorldRegion", "LocationName", "LocationCreated", "LocationShown", "GPSAreaInformation"]],
  ["make_model", ["Make", "Model", "LensMake", "LensModel", "Lens", "LensID", "CameraModelName", "HostComputer"]],
  ["serial", ["SerialNumber", "CameraSerialNumber", "BodySerialNumber", "LensSerialNumber", "InternalSerialNumber",
    "ImageUniqueID", "DocumentID", "OriginalDocumentID", "InstanceID", "documentID", "instanceID",
    "originalDocumentID", "ContentIdentifier", "MediaGroupUUID"]],
  ["datetime", ["DateTimeOriginal", "DateTimeDigitized", "CreateDate", "ModifyDate", "MetadataDate", "DateCreated",
    "DateTime", "GPSTimeStamp", "GPSDateStamp", "GPSDateTime", "when", "OffsetTimeOriginal", "SubSecTimeOriginal"]],
  ["software", ["CreatorTool", "Software", "softwareAgent", "xmptk", "ProcessingSoftware", "Encoder"]],
  ["owner", ["creator", "Artist", "Author", "rights", "Copyright", "OwnerName", "Owner", "Credit", "By-line",
    "CaptionWriter", "AuthorsPosition", "PersonInImage", "Name"]],
  ["comment", ["description", "title", "UserComment", "Caption", "Headline", "subject", "Keywords", "Label",
    "Instructions", "ImageDescription", "Comment"]],
  ["thumbnail", ["Thumbnails", "Thumbnail", "ThumbnailImage"]],
];
const BY_NAME = new Map(NAMES.flatMap(([key, names]) => names.map((name) => [name, key])));
// Namespace plumbing, not properties.
const STRUCTURE = new Set(["rdf", "xmlns", "xml", "x"]);

/** Label keys for a list of property names; anything unnamed here is "other_metadata". */
function classify(names) {
  const keys = new Set();
  for (const name of names) keys.add(BY_NAME.get(name) ?? "other_metadata");
  return [...keys];
}

/** The label keys of an XMP packet, from its element and attribute names. */
export function xmpKeys(bytes) {
  const text = latin1(bytes);
  const names = [];
  for (const [, prefix, local] of text.matchAll(/[<\s]([A-Za-z][\w-]*):([A-Za-z][\w-]*)(?==|[\s>/])/g)) {
    if (prefix === "x" && local === "xmptk") names.push(local); // the toolkit: "XMP Core 6.0.0" is Apple's
    else if (!STRUCTURE.has(prefix) && !(prefix === "xmpMM" && local === "History")) names.push(local);
  }
  return classify(names);
}

// QuickTime user-data atoms and Apple/ffmpeg metadata keys ('mdta' names).
const ATOMS = {
  "\u00a9xyz": "gps", loci: "gps", "\u00a9mak": "make_model", "\u00a9mod": "make_model", "\u00a9day": "datetime",
  "\u00a9swr": "software", "\u00a9too": "software", "\u00a9enc": "software", "\u00a9ART": "owner", "\u00a9aut": "owner",
  "\u00a9wrt": "owner", "\u00a9cmt": "comment", "\u00a9des": "comment", "\u00a9nam": "comment", "\u00a9inf": "comment",
  desc: "comment", titl: "comment", auth: "owner", cprt: "owner", covr: "thumbnail", PICT: "thumbnail",
};
/** @type {[RegExp, string][]} */
const KEY_NAMES = [
  [/(^|\.)location\.ISO6709$|^location(-\w+)?$|^com\.apple\.quicktime\.location$/, "gps"],
  [/(^|\.)(make|model)$|camera\.lens_model$|camera\.identifier$/, "make_model"],
  [/(^|\.)(software|encoder)$/, "software"],
  [/(^|\.)(creationdate|creation_time|date)$/, "datetime"],
  [/content\.identifier$|(^|\.)serial/, "serial"],
  [/(^|\.)(author|artist|copyright|publisher)$/, "owner"],
  [/(^|\.)(description|comment|title|keywords|information)$/, "comment"],
];

/** The 'mdta' names of a QuickTime 'keys' box payload (after version and flags). */
function keyNames(bytes, box) {
  const names = [];
  for (let pos = box.payload + 8; pos + 8 <= box.end;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0);
    if (size < 8 || pos + size > box.end) break;
    names.push(latin1(bytes, pos + 8, pos + size));
    pos += size;
  }
  return names;
}

/**
 * The label keys of a QuickTime/MP4 metadata box (udta, meta, a keys list...), given its bytes
 * from its type on (bytes[0..4) is the box type, as bmff.js reads a box it neutralises).
 */
export function quickTimeKeys(bytes) {
  const keys = new Set();
  const visit = (parent, start, end, depth) => {
    let boxes;
    try {
      boxes = readBoxes(bytes, start, end, { lenient: true });
    } catch {
      return;
    }
    for (const box of boxes) {
      if (ATOMS[box.type]) keys.add(ATOMS[box.type]);
      if (box.type === "keys") {
        for (const name of keyNames(bytes, box)) keys.add(keyName(name));
      } else if (box.type === "XMP_" || box.type === "uuid") {
        xmpKeys(bytes.subarray(box.payload, box.end)).forEach((key) => keys.add(key));
      } else if (["udta", "meta", "ilst", "moov", "trak"].includes(box.type) && depth < 6) {
        visit(box.type, childrenStart(bytes, box.type, box.payload), box.end, depth + 1);
      } else if (parent === "ilst") {
        // The values of a 'keys' list (boxes named by their index) are named by the list;
        // iTunes-style atoms that ATOMS does not name are values of tags we do not label.
        if (!ATOMS[box.type] && !/^\0/.test(box.type)) keys.add("other_metadata");
      } else if (!ATOMS[box.type] && !["hdlr", "data", "free", "skip", "mean", "name"].includes(box.type)) {
        keys.add("other_metadata");
      }
    }
  };
  const type = latin1(bytes, 0, 4);
  visit(type, childrenStart(bytes, type, 4), bytes.length, 0);
  return [...keys];
}

/** A QuickTime 'meta' is a plain container; an ISO one is a full box (4 bytes more). */
function childrenStart(bytes, type, payload) {
  if (type !== "meta") return payload;
  return latin1(bytes, payload + 4, payload + 8) === "hdlr" ? payload : payload + 4;
}

function keyName(name) {
  const rule = KEY_NAMES.find(([pattern]) => pattern.test(name));
  return rule ? rule[1] : "other_metadata";
}

/**
 * Metadata found in bytes that belong to no box we know (between the samples of a video): the
 * QuickTime key names and ISO 6709 positions of a stray copy of a movie's metadata.
 */
export function embeddedKeys(bytes) {
  const text = latin1(bytes);
  const keys = new Set();
  for (const [name] of text.matchAll(/com\.apple\.quicktime\.[\w.-]+/g)) keys.add(keyName(name));
  if (/[+-]\d{2}\.\d{3,}[+-]\d{3}\.\d{3,}/.test(text)) keys.add("gps");
  return [...keys];
}

// Free-form blocks (PNG text keywords, vendor segments): whole tag names, never substrings of
// other words.
/** @type {[string, RegExp][]} */
const RULES = [
  ["gps", /GPS(Latitude|Longitude|Position|Coordinates)|ISO6709/],
  ["make_model", /\b(Make|Model|LensMake|LensModel)\b/],
  ["datetime", /\b(DateTimeOriginal|CreateDate|ModifyDate|Creation Time|DateCreated)\b/],
  ["software", /\b(Software|CreatorTool|Encoder)\b/],
  ["serial", /Serial|UniqueID/],
  ["owner", /\b(Author|Artist|Copyright|Creator|Owner|By-line)\b/],
  ["comment", /\b(Comment|Description|Caption|Title)\b/],
  ["thumbnail", /[Tt]humbnail/],
];

/** The keys (labels.js) whose tag names appear in a free-form block (a PNG keyword, say). */
export function keywordKeys(bytes) {
  const text = latin1(bytes);
  return RULES.filter(([, pattern]) => pattern.test(text)).map(([key]) => key);
}
