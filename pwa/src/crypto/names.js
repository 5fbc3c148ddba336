// Attachment names from an anonymous sender (docs/envelope.md, section 16), the twin of
// envelope/names.py; tests/vectors/names-v1.json binds both. The phone puts safeName() of the
// picked file's name in the manifest, with the extension of the type it found in the bytes;
// every reader sanitises again, because anyone can send anything.

export const FALLBACK = "attachment";
const MAX_STEM_CODE_POINTS = 100;
const MAX_STEM_BYTES = 200;
const MAX_SENDER_EXTENSION = 10;

// Default_Ignorable_Code_Point (Unicode 15.1) and the interlinear annotation characters: removed.
const REMOVED = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x061c, 0x061c], [0x115f, 0x1160], [0x17b4, 0x17b5],
  [0x180b, 0x180f], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164],
  [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfffb], [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a], [0xe0000, 0xe0fff],
];
// Controls, line separators, slashes that only look like one, private use, non-characters: "_".
const REPLACED = [
  [0x0000, 0x001f], [0x007f, 0x009f], [0x2028, 0x2029], [0x2044, 0x2044], [0x2215, 0x2215],
  [0x29f8, 0x29f9], [0xfe68, 0xfe68], [0xff0f, 0xff0f], [0xff3c, 0xff3c], [0xe000, 0xf8ff],
  [0xfdd0, 0xfdef], [0xf0000, 0x10ffff],
];
const REPLACED_ASCII = new Set('<>:"|?*');
const SPACES = new Set([0x00a0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
  0x2009, 0x200a, 0x202f, 0x205f, 0x3000]);
const RESERVED = /^(?:CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$)$/;

/** The only extensions a saved attachment may get, by the media type found in its bytes. */
export const EXTENSIONS = {
  "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif",
  "image/heic": "heic", "image/heic-sequence": "heics", "image/heif": "heif", "image/heif-sequence": "heifs",
  "image/avif": "avif", "image/tiff": "tif", "image/jxl": "jxl", "image/x-canon-cr3": "cr3",
  "video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/webm": "webm",
  "audio/mp4": "m4a", "application/pdf": "pdf",
};

const within = (ranges, cp) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
const utf8Length = (text) => new TextEncoder().encode(text).length;
const asciiUpper = (text) => text.replace(/[a-z]/g, (c) => c.toUpperCase());

/** The claimed name without an extension, safe on every system (spec steps 1 to 10). */
export function safeStem(name) {
  // 1. lone surrogates: no file system can hold them
  let text = "";
  for (const ch of String(name)) {
    const cp = ch.codePointAt(0);
    text += cp >= 0xd800 && cp <= 0xdfff ? "_" : ch;
  }
  // 2. only the last path component, whatever the separator
  text = text.replaceAll("\\", "/");
  text = text.slice(text.lastIndexOf("/") + 1);
  // 3. invisible characters out, dangerous ones to "_", every kind of space to a plain space
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (within(REMOVED, cp)) continue;
    if (within(REPLACED, cp) || (cp & 0xfffe) === 0xfffe || REPLACED_ASCII.has(ch)) out += "_"; // U+xFFFE/F
    else if (SPACES.has(cp)) out += " ";
    else out += ch;
  }
  // 4. one spelling of each character; 5. no run of spaces
  text = out.normalize("NFC").replace(/ {2,}/g, " ");
  // 6. the sender's extension is dropped
  const dot = text.lastIndexOf(".");
  if (dot > 0) {
    const ext = text.slice(dot + 1);
    const length = [...ext].length;
    if (length >= 1 && length <= MAX_SENDER_EXTENSION && !ext.includes(" ")) text = text.slice(0, dot);
  }
  // 7. no dot left; no space at either end
  text = text.replaceAll(".", "_").replace(/^ +| +$/g, "");
  // 8. at most 100 code points and 200 UTF-8 bytes
  const points = [...text].slice(0, MAX_STEM_CODE_POINTS);
  while (utf8Length(points.join("")) > MAX_STEM_BYTES) points.pop();
  text = points.join("").replace(/ +$/, "");
  // 9. a Windows device name is not a file; 10. nothing left: a neutral name
  if (RESERVED.test(asciiUpper(text))) text = `_${text}`;
  return text || FALLBACK;
}

/** The name to give the file: safeStem plus the extension of the type detected in its bytes. */
export function safeName(name, detectedMediaType) {
  const ext = Object.hasOwn(EXTENSIONS, detectedMediaType ?? "") ? EXTENSIONS[detectedMediaType] : null;
  const stem = safeStem(name);
  return ext ? `${stem}.${ext}` : stem;
}

// --- message text (section 17) ---------------------------------------------------------------
const LINE_BREAKS = new Set([0x000d, 0x0085, 0x2028, 0x2029]);
export const MAX_DISPLAY_LINE = 64;

/**
 * A message's or reply's text as a reader shows it (docs/envelope.md, section 17): line breaks
 * (as "\n") and tabs kept; invisible and bidirectional-control characters removed (as in section
 * 16); every other control, lone surrogate and non-character made U+FFFD. Show the result as
 * text (textContent), never as markup, in an element isolated for bidi (dir="auto").
 */
export function displayText(text) {
  let out = "";
  for (const ch of String(text).replaceAll("\r\n", "\n")) {
    const cp = ch.codePointAt(0);
    if (LINE_BREAKS.has(cp)) out += "\n";
    else if (within(REMOVED, cp)) continue;
    else if (ch === "\n" || ch === "\t") out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) ||
      (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) out += "\ufffd";
    else out += ch;
  }
  return out.normalize("NFC");
}

/** displayText on one line (an author's name): no line break or tab, one space at most in a row. */
export function displayLine(text, limit = MAX_DISPLAY_LINE) {
  const flat = displayText(text).replace(/[\n\t]/g, " ").replace(/ {2,}/g, " ").replace(/^ +| +$/g, "");
  return [...flat].slice(0, limit).join("").replace(/ +$/, "");
}
