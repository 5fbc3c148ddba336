"""Oracles for the real device files of tests/data/media (see SOURCES.md there).

What identifies a file's owner is read from the input by exiftool at run time, never written
down here: every value of an identifying tag (position, make, model, serial numbers, lens,
software, owner, dates, content identifiers, the names a colour profile gives its device) in
the forms it takes in files: text (UTF-8 and UTF-16 in both byte orders), ISO 6709 positions,
Exif rationals in the file's byte order, raw UUIDs. Whole metadata blocks (Exif, XMP, the
QuickTime metadata and user-data boxes, sample descriptions of metadata tracks, the device tags
of a colour profile) are searched too, in 32-byte windows. Decoded pixels come from libheif
(pillow-heif), libavif (Pillow) and ffmpeg; colour rendering from Little CMS (Pillow's
ImageCms). None of these shares code with the phone's stripper.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zlib
from pathlib import Path

from tests.media.fixtures import REPO, run

CORPUS = REPO / "tests" / "data" / "media"

# Tag names (after the group) whose values identify a device, a person, a place or a moment.
IDENTIFYING = re.compile(
    r"^(GPS.*|Make|Model|.*Make|.*Model|HostComputer|.*Serial.*|Lens.*|Software|CreatorTool|XMPToolkit|"
    r"Owner.*|Artist|Creator|Author|By-line|Copyright|ProfileCopyright|ContentIdentifier|MediaGroupUUID|"
    r"ImageUniqueID|ImageCaptureReqestID|Apple_0x002b|.*DocumentID|.*InstanceID|UserComment|Comment|"
    r".*Date|.*DateTime.*|DateCreated|CreationDate|CameraLens.*|Location.*|ISO6709|Encoder|AndroidVersion|"
    r"Keywords|Title|Description|ImageDescription|City|DeviceManufacturer|DeviceModel|ProfileDescription.*|"
    r"HandlerDescription|HandlerVendorID|CompressorName|ProfileCreator|ProfileCMMType|PrimaryPlatform)$")
# exiftool's own and the file system's groups say nothing about the file's content.
IGNORED_GROUPS = {"ExifTool", "System", "SourceFile", "File"}
# Values too generic to search for (an empty ICC copyright, a "no" flag...).
GENERIC = {"", "0", "none", "unknown", "unknown ()", "n/a", "no", "yes"}
REAL_DATE = re.compile(r"(?<!\d)(19[7-9]\d|20\d\d)[:-](0[1-9]|1[0-2])[:-](0[1-9]|[12]\d|3[01])")


def exiftool_json(path: Path, *extra: str) -> dict:
    tags = json.loads(run("exiftool", "-j", "-G1", "-a", "-u", "-ee", "-api", "LargeFileSupport=1", *extra, path))[0]
    return {k: v for k, v in tags.items() if k.split(":")[0] not in IGNORED_GROUPS}


def identifying_tags(path: Path) -> dict:
    """{"Group:Tag": value} for every identifying tag exiftool reads, printed and numeric."""
    found = {}
    for extra in ((), ("-n",)):
        for key, value in exiftool_json(path, *extra).items():
            if IDENTIFYING.match(key.split(":", 1)[1]) and str(value).strip().lower() not in GENERIC:
                found.setdefault(key, set()).add(str(value))
    return found


def _text_needles(value: str) -> set[bytes]:
    value = value.strip()
    forms = {value}
    if REAL_DATE.search(value):
        day = REAL_DATE.search(value).group(0)
        forms |= {day.replace("-", ":"), day.replace(":", "-")}
    if re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", value, re.I):
        forms |= {value.upper(), value.lower()}
    needles = set()
    for form in forms:
        if len(form) < 4 or form.lower() in GENERIC or re.fullmatch(r"[-+]?\d{1,3}(\.\d)?", form):
            continue
        needles |= {form.encode(), form.encode("utf-16-le"), form.encode("utf-16-be")}
        if re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", form, re.I):
            needles.add(bytes.fromhex(form.replace("-", "")))
    return needles


def _gps_needles(path: Path) -> set[bytes]:
    """ISO 6709 text (QuickTime keys, ©xyz) and the Exif rationals as the file stores them."""
    numeric = exiftool_json(path, "-n")
    needles = set()
    lat = next((v for k, v in numeric.items() if k.endswith(":GPSLatitude") and isinstance(v, (int, float))), None)
    lon = next((v for k, v in numeric.items() if k.endswith(":GPSLongitude") and isinstance(v, (int, float))), None)
    if lat and lon:
        needles |= {f"{lat:+08.4f}".encode(), f"{lon:+09.4f}".encode(), f"{lat:.4f}".encode()}
    exif = exif_block(path)
    if exif:
        from PIL import Image

        ifd = Image.Exif()
        ifd.load(b"Exif\x00\x00" + exif)
        order = "<" if exif[:2] == b"II" else ">"
        gps = ifd.get_ifd(0x8825)
        for tag in (2, 4):  # GPSLatitude, GPSLongitude: three rationals
            rationals = gps.get(tag)
            if rationals and any(float(r) for r in rationals):
                needles.add(b"".join(struct.pack(order + "II", r.numerator, r.denominator) for r in rationals))
    return needles


def exif_block(path: Path) -> bytes:
    data = run("exiftool", "-b", "-EXIF", path, text=False)
    return data[6:] if data.startswith(b"Exif\x00\x00") else data


def identifying_needles(path: Path) -> dict[bytes, str]:
    """{needle: where it came from} for the byte search."""
    needles = {}
    for key, values in identifying_tags(path).items():
        for value in values:
            for needle in _text_needles(value):
                needles[needle] = f"{key}={value!r}"
    for needle in _gps_needles(path):
        needles[needle] = "GPS position"
    return needles


# --- metadata blocks ------------------------------------------------------------------------------
def bmff_boxes(data: bytes, start: int, end: int):
    """(type, start, payload, end) of the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind.decode("latin-1"), pos, pos + header, pos + size
        pos += size


def video_metadata_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """The movie's metadata boxes (meta, udta, uuid at the movie and track levels) and the
    sample descriptions (stsd) of tracks that are neither video nor sound."""
    blocks = []
    for kind, _, payload, end in bmff_boxes(data, 0, len(data)):
        if kind != "moov":
            continue
        for child, start, cpayload, cend in bmff_boxes(data, payload, end):
            if child in ("meta", "udta", "uuid"):
                blocks.append((f"moov/{child}", data[start:cend]))
            if child != "trak":
                continue
            handler = None
            for part, pstart, ppayload, pend in bmff_boxes(data, cpayload, cend):
                if part in ("meta", "udta"):
                    blocks.append((f"trak/{part}", data[pstart:pend]))
                if part == "mdia":
                    for sub, _, spayload, send in bmff_boxes(data, ppayload, pend):
                        if sub == "hdlr":
                            handler = data[spayload + 8:spayload + 12].decode("latin-1")
                        if sub == "minf" and handler not in ("vide", "soun"):
                            blocks += [(f"{handler} track sample descriptions", data[s:e]) for s, e in
                                       _find(data, spayload, send, "stsd")]
    return blocks


def _find(data: bytes, start: int, end: int, wanted: str) -> list[tuple[int, int]]:
    """(start, end) of every `wanted` box under the containers of a track's media information."""
    found = []
    for kind, s, p, e in bmff_boxes(data, start, end):
        if kind == wanted:
            found.append((s, e))
        elif kind in ("stbl", "minf"):
            found += _find(data, p, e, wanted)
    return found


def icc_device_blocks(path: Path) -> list[tuple[str, bytes]]:
    """The data of the tags a colour profile uses to name its device, and its header's device fields."""
    profile = run("exiftool", "-b", "-ICC_Profile", path, text=False)
    if len(profile) < 132:
        return []
    blocks = [("ICC header device", profile[48:56])] if profile[48:56].strip(b"\0") else []
    count = struct.unpack(">I", profile[128:132])[0]
    for i in range(count):
        sig, offset, size = struct.unpack(">4sII", profile[132 + 12 * i:144 + 12 * i])
        if sig in (b"mmod", b"dmnd", b"dmdd", b"ndin", b"dscm", b"vcgt", b"vcgp", b"desc"):
            blocks.append((f"ICC {sig.decode()}", profile[offset:offset + size]))
    return blocks


def metadata_blocks(path: Path) -> list[tuple[str, bytes]]:
    data = path.read_bytes()
    blocks = [("Exif", exif_block(path)), ("XMP", run("exiftool", "-b", "-XMP", path, text=False))]
    blocks += icc_device_blocks(path)
    if data[4:8] in (b"ftyp", b"wide", b"mdat", b"moov") and path.suffix.lower() not in (".heic", ".avif"):
        blocks += video_metadata_blocks(data)
    return [(name, block) for name, block in blocks if block]


def windows(block: bytes, size: int = 32, step: int = 8):
    """Distinctive pieces of a block: windows with enough different bytes not to occur by chance."""
    for at in range(0, max(len(block) - size, 0) + 1, step):
        piece = block[at:at + size]
        if len(piece) == size and len(set(piece)) >= 12:
            yield piece


def expanded(path: Path) -> bytes:
    """The file's bytes, followed by the inflated content of its compressed PNG chunks (iCCP,
    zTXt, compressed iTXt): a value deflated in a chunk is still in the file."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return data
    extra = []
    pos = 8
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        nul = body.find(b"\0")
        start = {b"iCCP": nul + 2, b"zTXt": nul + 2}.get(kind)
        if kind == b"iTXt" and nul != -1 and body[nul + 1:nul + 2] == b"\x01":
            rest = body[nul + 3:]  # language and translated keyword follow, NUL-terminated
            start = nul + 3 + rest.find(b"\0") + 1
            start += body[start:].find(b"\0") + 1
        if start is not None and nul != -1:
            try:
                extra.append(zlib.decompressobj().decompress(body[start:]))
            except zlib.error:
                pass
        pos += 12 + length
    return data + b"".join(extra)


def leaks(source: Path, cleaned: Path) -> list[str]:
    """Every identifying value or metadata block of `source` found in `cleaned`'s bytes."""
    out = expanded(cleaned)
    found = [f"{origin} as {needle[:40]!r}" for needle, origin in identifying_needles(source).items() if needle in out]
    for name, block in metadata_blocks(source):
        hits = [piece for piece in windows(block) if piece in out]
        if hits:
            found.append(f"{len(hits)} pieces of the {name} block, e.g. {hits[0]!r}")
    return found


def exiftool_leaks(path: Path) -> dict:
    """Identifying tags exiftool -ee -a -u -G1 still reads (empty values apart), and any value
    anywhere that looks like a real date."""
    tags = exiftool_json(path)
    bad = {k: v for k, v in tags.items() if IDENTIFYING.match(k.split(":", 1)[1]) and str(v).strip().lower() not in
           GENERIC and not str(v).startswith("0000:00:00")}
    # A rebuilt colour profile names only its colour space, which is no leak.
    bad = {k: v for k, v in bad.items() if not (k.endswith(":ProfileDescription") and v in ("RGB", "GRAY", "CMYK"))}
    bad |= {k: v for k, v in tags.items() if REAL_DATE.search(str(v))}
    return bad


# --- pixels ---------------------------------------------------------------------------------------
def decoded(path: Path) -> str:
    """A hash of the decoded pixels (every frame and sound packet for videos), by an independent decoder."""
    data = path.read_bytes()
    if path.suffix.lower() in (".heic", ".avif"):
        import pillow_heif
        from PIL import Image

        pillow_heif.register_heif_opener()
        image = Image.open(path)
        image.load()
        return f"{image.size} {image.mode} " + hashlib.sha256(image.tobytes()).hexdigest()
    if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n":
        from PIL import Image, ImageFile

        ImageFile.LOAD_TRUNCATED_IMAGES = True  # a cut file is compared as its decoders read it
        try:
            image = Image.open(path)
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        return f"{image.size} {image.mode} " + hashlib.sha256(image.tobytes()).hexdigest()
    streams = json.loads(run("ffprobe", "-v", "error", "-show_streams", "-of", "json", path))["streams"]
    kinds = sorted({s["codec_type"] for s in streams if s["codec_type"] in ("video", "audio")})
    hashes = []
    for kind in kinds:
        out = run("ffmpeg", "-v", "error", "-i", path, "-map", f"0:{kind[0]}", "-f", "framemd5", "-")
        hashes.append("\n".join(line for line in out.splitlines() if not line.startswith("#")))
    return "\n".join(hashes)


def ffmpeg_frames(path: Path) -> str:
    """ffmpeg's view of a photo (its own JPEG/PNG decoder), to compare with Pillow's."""
    out = run("ffmpeg", "-v", "quiet", "-i", path, "-f", "framemd5", "-")
    return "\n".join(line for line in out.splitlines() if not line.startswith("#"))


def rendering(path: Path) -> str | None:
    """The pixels converted to sRGB through the file's own colour profile (Little CMS), every intent."""
    from PIL import Image, ImageCms

    profile = run("exiftool", "-b", "-ICC_Profile", path, text=False)
    if not profile:
        return None
    if path.suffix.lower() in (".heic", ".avif"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    image = Image.open(path).convert("RGB")
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    srgb = ImageCms.createProfile("sRGB")
    return " ".join(hashlib.sha256(ImageCms.profileToProfile(image, source, srgb, renderingIntent=intent).tobytes())
                    .hexdigest()[:16] for intent in range(4))


# --- a reconstruction -----------------------------------------------------------------------------
def with_metadata_copy_in_mdat(source: Path, out: Path) -> Path:
    """The real Live Photo video with its real moov/meta box copied twice into its mdat, at the
    start and between two chunks, every chunk offset shifted to match (see SOURCES.md)."""
    data = bytearray(source.read_bytes())
    boxes = list(bmff_boxes(bytes(data), 0, len(data)))
    (_, mdat_start, mdat_payload, mdat_end), = [b for b in boxes if b[0] == "mdat"]
    (_, _, moov_payload, moov_end), = [b for b in boxes if b[0] == "moov"]
    meta = next(bytes(data[s:e]) for kind, s, _, e in bmff_boxes(bytes(data), moov_payload, moov_end) if kind == "meta")
    assert mdat_start < moov_payload, "the reconstruction expects mdat before moov"
    # chunk offsets of every track
    tables = []

    def find(start, end):
        for kind, s, p, e in bmff_boxes(bytes(data), start, end):
            if kind in ("trak", "mdia", "minf", "stbl"):
                find(p, e)
            elif kind in ("stco", "co64"):
                tables.append((kind, p))
    find(moov_payload, moov_end)
    offsets = sorted({off for kind, p in tables for off in _chunk_offsets(data, kind, p)})
    middle = offsets[len(offsets) // 2]  # a chunk boundary in the middle of the media data
    inserts = [(mdat_payload, meta), (middle, meta)]
    for kind, p in tables:
        count = struct.unpack(">I", data[p + 4:p + 8])[0]
        width, fmt = (4, ">I") if kind == "stco" else (8, ">Q")
        for i in range(count):
            at = p + 8 + i * width
            off = struct.unpack(fmt, data[at:at + width])[0]
            shift = sum(len(blob) for pos, blob in inserts if pos <= off)
            data[at:at + width] = struct.pack(fmt, off + shift)
    total = sum(len(blob) for _, blob in inserts)
    size = struct.unpack(">I", data[mdat_start:mdat_start + 4])[0]
    assert size != 1, "a 64-bit mdat size is not handled here"
    data[mdat_start:mdat_start + 4] = struct.pack(">I", size + total)
    for pos, blob in sorted(inserts, reverse=True):
        data[pos:pos] = blob
    out.write_bytes(bytes(data))
    return out


def _chunk_offsets(data, kind, payload):
    count = struct.unpack(">I", data[payload + 4:payload + 8])[0]
    width, fmt = (4, ">I") if kind == "stco" else (8, ">Q")
    return [struct.unpack(fmt, data[payload + 8 + i * width:payload + 8 + (i + 1) * width])[0] for i in range(count)]
