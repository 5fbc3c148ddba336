"""Attachment names and media types from an anonymous sender (docs/envelope.md, section 16).

``name`` and ``media_type`` in a report's manifest are whatever the sending phone put there:
anyone can send anything. ``safe_name`` turns a claimed name into one that is safe to create
as a file on any operating system and honest to show: one path component, no control or
invisible characters, no bidirectional overrides, no Windows device name, a bounded length,
and an extension chosen from the type the *reader* detected in the content, never the
sender's. ``detect_media_type`` is that detection, from the content's first bytes.

The JavaScript twin is pwa/src/crypto/names.js; tests/vectors/names-v1.json binds both.
"""

from __future__ import annotations

import re
import unicodedata

FALLBACK = "attachment"
MAX_STEM_CODE_POINTS = 100
MAX_STEM_BYTES = 200
MAX_SENDER_EXTENSION = 10
SNIFF_BYTES = 64

# Default_Ignorable_Code_Point (Unicode 15.1, DerivedCoreProperties.txt) and the interlinear
# annotation characters: invisible, or changing how the rest reads (U+202E turns "gpj.exe"
# into what looks like "exe.jpg"). Removed.
REMOVED = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Controls, line and paragraph separators, what Windows forbids in a name, slashes that only
# look like one, private-use and non-characters: each becomes "_".
REPLACED = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x2028, 0x2029), (0x2044, 0x2044), (0x2215, 0x2215),
    (0x29F8, 0x29F9), (0xFE68, 0xFE68), (0xFF0F, 0xFF0F), (0xFF3C, 0xFF3C), (0xE000, 0xF8FF),
    (0xFDD0, 0xFDEF), (0xF0000, 0x10FFFF),
)
REPLACED_ASCII = frozenset('<>:"|?*')
SPACES = frozenset([0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000])
RESERVED = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$)",
                      re.ASCII)

# What a reader may detect, and the only extensions a saved file may get.
EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif",
    "image/heic": "heic", "image/heic-sequence": "heics", "image/heif": "heif", "image/heif-sequence": "heifs",
    "image/avif": "avif", "image/tiff": "tif", "image/jxl": "jxl", "image/x-canon-cr3": "cr3",
    "video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/webm": "webm",
    "audio/mp4": "m4a", "application/pdf": "pdf",
}
HEIF_BRANDS = {
    "heic": "image/heic", "heix": "image/heic", "heim": "image/heic", "heis": "image/heic",
    "hevc": "image/heic-sequence", "hevx": "image/heic-sequence", "hevm": "image/heic-sequence",
    "hevs": "image/heic-sequence", "mif1": "image/heif", "mif2": "image/heif", "msf1": "image/heif-sequence",
    "avif": "image/avif", "avis": "image/avif",
}
SIGNATURES = (
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"), (b"\xff\x0a", "image/jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl"), (b"\x1a\x45\xdf\xa3", "video/webm"),
)
BARE_QUICKTIME = {b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}


def _in(ranges, cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def detect_media_type(head: bytes) -> str | None:
    """The content's type from its first bytes (at least SNIFF_BYTES when the content is that
    long), or None when it is none of the known ones."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        brand = head[8:12].decode("latin-1")
        if brand in HEIF_BRANDS:
            return HEIF_BRANDS[brand]
        if brand == "crx ":
            return "image/x-canon-cr3"
        if brand == "qt  ":
            return "video/quicktime"
        if brand.startswith(("3gp", "3g2")):
            return "video/3gpp"
        if brand in ("M4A ", "M4B "):
            return "audio/mp4"
        return "video/mp4"
    if len(head) >= 8 and head[4:8] in BARE_QUICKTIME:
        return "video/quicktime"
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def safe_stem(name: str) -> str:
    """Steps 1 to 10 of the spec: the name without an extension, safe on every system."""
    # 1. lone surrogates (a JSON string may hold them) cannot be written in any file name
    text = "".join("_" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in name)
    # 2. only the last path component, whatever the separator
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    # 3. invisible characters out; dangerous ones to "_"; every kind of space to a plain space
    out = []
    for ch in text:
        cp = ord(ch)
        if _in(REMOVED, cp):
            continue
        if _in(REPLACED, cp) or cp & 0xFFFE == 0xFFFE or ch in REPLACED_ASCII:  # U+xFFFE, U+xFFFF
            out.append("_")
        elif cp in SPACES:
            out.append(" ")
        else:
            out.append(ch)
    # 4. one spelling of each character (after step 3, which may bring characters together)
    text = unicodedata.normalize("NFC", "".join(out))
    # 5. no run of spaces (an extension pushed out of sight)
    text = re.sub(" {2,}", " ", text)
    # 6. the sender's extension is dropped: the reader names the type it found (safe_name)
    stem, dot, ext = text.rpartition(".")
    if dot and stem and 1 <= len(ext) <= MAX_SENDER_EXTENSION and " " not in ext:
        text = stem
    # 7. no dot is left: no hidden second extension, no "..", no leading-dot hidden file
    text = text.replace(".", "_").strip(" ")
    # 8. bounded: code points first, then UTF-8 bytes (whole code points only)
    text = text[:MAX_STEM_CODE_POINTS]
    while len(text.encode("utf-8")) > MAX_STEM_BYTES:
        text = text[:-1]
    text = text.rstrip(" ")
    # 9. a Windows device name, in any case, is not a file
    if RESERVED.fullmatch("".join(ch.upper() if "a" <= ch <= "z" else ch for ch in text)):
        text = "_" + text
    # 10. nothing left: a neutral name
    return text or FALLBACK


def safe_name(name: str, detected_media_type: str | None) -> str:
    """The name to save an attachment under: ``safe_stem`` plus the extension of the type the
    reader detected in the content (``detect_media_type``), or no extension."""
    ext = EXTENSIONS.get(detected_media_type or "")
    stem = safe_stem(name)
    return f"{stem}.{ext}" if ext else stem


# --- message text (section 17) -------------------------------------------------------------
LINE_BREAKS = frozenset([0x000D, 0x0085, 0x2028, 0x2029])
MAX_DISPLAY_LINE = 64


def display_text(text: str) -> str:
    """A message's or reply's text as a reader shows it (docs/envelope.md, section 17): line
    breaks kept (as LF) and tabs kept; invisible and bidirectional-control characters removed
    (as in section 16); every other control, surrogate and non-character made U+FFFD, so that
    nothing in it can move the cursor, recolour a terminal or reorder what is shown around it."""
    text = text.replace("\r\n", "\n")
    out = []
    for ch in text:
        cp = ord(ch)
        if cp in LINE_BREAKS:
            out.append("\n")
        elif _in(REMOVED, cp):
            continue
        elif ch in "\n\t":
            out.append(ch)
        elif (cp < 0x20 or 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xDFFF or 0xFDD0 <= cp <= 0xFDEF
              or cp & 0xFFFE == 0xFFFE):
            out.append("\ufffd")
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def display_line(text: str, limit: int = MAX_DISPLAY_LINE) -> str:
    """``display_text`` on one line (an author's name): line breaks and tabs become spaces, runs
    of spaces one, no space at either end, at most ``limit`` code points."""
    flat = re.sub(" {2,}", " ", re.sub("[\n\t]", " ", display_text(text))).strip(" ")
    return flat[:limit].rstrip(" ")
