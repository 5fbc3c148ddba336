"""Camera-style files for the metadata oracle tests, made with ffmpeg and exiftool the way phones
fill them (GPS, make and model, serial, dates, thumbnail, XMP, IPTC, comments, motion photo,
QuickTime location and Apple keys), the phone's stripper run through its Node CLI, and the
oracles that check the result: exiftool, ffprobe, mat2 and ffmpeg's decoded-frame hashes.

Every value written is a canary that must not survive. A missing tool fails the test (it never
skips): ``scripts/setup --system`` installs them all.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "pwa" / "scripts" / "strip-file.mjs"

LAT, LON = "48.8566", "2.3522"
CANARIES = {
    "make": "CANARY-MAKE",
    "model": "CANARY-MODEL",
    "software": "CANARY-SOFTWARE",
    "serial": "CANARY-SERIAL",
    "owner": "CANARY-OWNER",
    "xmp": "CANARY-XMP-CREATOR",
    "iptc": "CANARY-IPTC-CITY",
    "comment": "CANARY-COMMENT",
    "thumbnail": "CANARY-THUMBNAIL",
    "motion": "CANARY-MOTION-MAKE",
    "subtitle": "CANARY-SUBTITLE",
    "png_text": "CANARY-PNG-TEXT",
}
# What an exiftool output may not name, whatever the group (dates are checked apart: QuickTime
# headers keep their fields, zeroed).
FORBIDDEN_TAG = (r"^(GPS.*|Make|Model|Software|SerialNumber|OwnerName|Artist|Creator|Author|By-line|City|Comment"
                 r"|DateTimeOriginal|CreationTime|CreationDate|ThumbnailImage|ThumbnailOffset|ThumbnailLength"
                 r"|MicroVideo.*|Location.*|Encoder|Title|Description|XMPToolkit|ApplicationRecordVersion)$")
ZERO_DATE = "0000:00:00 00:00:00"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install the test tools with scripts/setup --system", pytrace=False)
    return path


def run(*args: str | Path, text: bool = True) -> str | bytes:
    done = subprocess.run([tool(str(args[0])), *map(str, args[1:])], capture_output=True, text=text)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"
    return done.stdout


def ffmpeg(*args: str | Path) -> None:
    run("ffmpeg", "-v", "error", "-y", *args)


def exiftool_write(path: Path, *assignments: str) -> None:
    run("exiftool", "-overwrite_original", "-q", *assignments, path)


# --- the stripper --------------------------------------------------------------------------------
def strip_file(source: Path, out: Path) -> dict:
    """Run the phone's stripper (Node CLI) on ``source``; its JSON answer plus the exit code."""
    done = subprocess.run([tool("node"), CLI, source, out], capture_output=True, text=True)
    assert done.returncode in (0, 3), done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return {**json.loads(lines[0]), "exit": done.returncode}


# --- oracles -------------------------------------------------------------------------------------
def exiftool_tags(path: Path) -> dict:
    """Every tag exiftool finds in the file (-a duplicates, -u unknown, -ee embedded), as
    "Group:Tag": value; the File group (type, size, JPEG's COM comment) included, not the
    file system's own (System) nor exiftool's."""
    tags = json.loads(run("exiftool", "-j", "-G1", "-a", "-u", "-ee", path))[0]
    return {k: v for k, v in tags.items() if k.split(":")[0] not in ("ExifTool", "System", "SourceFile")}


def metadata_keys(tags: dict) -> set[str]:
    """The tags but the File group's description of the format (checked by FORBIDDEN_TAG apart)."""
    return {k for k in tags if not k.startswith("File:")}


def ffprobe(path: Path) -> dict:
    return json.loads(run("ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", path))


def mat2_show(path: Path) -> list[str]:
    """What mat2 --show prints, line by line: a header, then one "Name: value" per metadata item."""
    return [line.strip() for line in run("mat2", "--show", path).splitlines()]


def packet_ranges(path: Path, stream: str) -> list[tuple[int, int]]:
    """(file offset, size) of every packet of one stream, as ffprobe locates them."""
    probe = json.loads(run("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=pos,size",
                           "-of", "json", path))
    return [(int(p["pos"]), int(p["size"])) for p in probe["packets"]]


def same_bytes(a: Path, b: Path, start: int, end: int, piece: int = 1 << 24) -> bool:
    """Do two files hold the same bytes in [start, end)? Read piece by piece (files may be large)."""
    with a.open("rb") as fa, b.open("rb") as fb:
        fa.seek(start)
        fb.seek(start)
        for at in range(start, end, piece):
            n = min(piece, end - at)
            if fa.read(n) != fb.read(n):
                return False
    return True


def frame_hashes(path: Path, stream: str = "v:0") -> str:
    """ffmpeg's MD5 of every decoded frame (or audio packet after decoding) of one stream."""
    return run("ffmpeg", "-v", "error", "-i", path, "-map", f"0:{stream}", "-f", "framemd5", "-")


def icc_profile() -> bytes:
    """A small valid ICC v2 display profile (header and one copyright tag)."""
    profile = bytearray(160)
    struct.pack_into(">I4sI4s4s4s6H4s", profile, 0, 160, b"none", 0x02100000, b"mntr", b"RGB ", b"XYZ ",
                     2020, 1, 1, 0, 0, 0, b"acsp")
    struct.pack_into(">3I", profile, 68, 0xF6D6, 0x10000, 0xD32D)  # D50 illuminant
    struct.pack_into(">I4sII", profile, 128, 1, b"cprt", 144, 16)
    profile[144:160] = b"text\0\0\0\0public\0\0"
    return bytes(profile)


# --- the files -----------------------------------------------------------------------------------
EXIF_CAMERA = [
    f"-GPSLatitude={LAT}", "-GPSLatitudeRef=N", f"-GPSLongitude={LON}", "-GPSLongitudeRef=E", "-GPSAltitude=35",
    "-GPSAltitudeRef=0", f"-Make={CANARIES['make']}", f"-Model={CANARIES['model']}",
    f"-Software={CANARIES['software']}", f"-SerialNumber={CANARIES['serial']}", f"-OwnerName={CANARIES['owner']}",
    "-DateTimeOriginal=2024:05:01 10:00:00", "-CreateDate=2024:05:01 10:00:00",
]
XMP_CAMERA = [f"-XMP-dc:Creator={CANARIES['xmp']}", f"-XMP-exif:GPSLatitude={LAT} N",
              f"-XMP-tiff:Model={CANARIES['model']}"]


class MediaFactory:
    """Builds each file once per test module, on first use (so a missing tool fails the test using it)."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.cache: dict[str, Path] = {}

    def _once(self, name: str, build) -> Path:
        if name not in self.cache:
            path = self.dir / name
            build(path)
            self.cache[name] = path
        return self.cache[name]

    def thumbnail(self) -> Path:
        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "1", path)
            exiftool_write(path, f"-Comment={CANARIES['thumbnail']}")
        return self._once("thumb.jpg", build)

    def camera_jpeg(self) -> Path:
        """A phone photo: full Exif with GPS and a thumbnail, rotated (Orientation 6), XMP, IPTC, a comment."""
        thumb = self.thumbnail()

        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480", "-frames:v", "1", "-q:v", "2", path)
            exiftool_write(path, *EXIF_CAMERA, *XMP_CAMERA, "-Orientation#=6", f"-ThumbnailImage<={thumb}",
                           f"-IPTC:City={CANARIES['iptc']}", f"-IPTC:By-line={CANARIES['owner']}",
                           f"-Comment={CANARIES['comment']}")
        return self._once("camera.jpg", build)

    def icc_jpeg(self) -> Path:
        """A photo with an upright Orientation and the real display profile of a Mac (the corpus
        screenshot's: the panel's names, EDID serial number, calibration): no Exif may come back."""
        profile = self.dir / "profile.icc"
        screenshot = REPO / "tests" / "data" / "media" / "macos-screenshot.png"
        profile.write_bytes(run("exiftool", "-b", "-ICC_Profile", screenshot, text=False))

        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", path)
            exiftool_write(path, f"-ICC_Profile<={profile}", "-Orientation#=1", f"-Make={CANARIES['make']}")
        return self._once("icc.jpg", build)

    def motion_photo(self) -> Path:
        """A Google-style motion photo: XMP GCamera:MicroVideo tags, an MP4 with its own GPS after EOI."""
        video = self.dir / "micro.mp4"

        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=160x120", "-movflags", "+use_metadata_tags",
                   "-metadata", f"location=+{LAT}+00{LON}/", "-metadata", f"make={CANARIES['motion']}", video)
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480", "-frames:v", "1", path)
            exiftool_write(path, "-XMP-GCamera:MicroVideo=1", "-XMP-GCamera:MicroVideoVersion=1",
                           f"-XMP-GCamera:MicroVideoOffset={video.stat().st_size}", f"-Make={CANARIES['make']}")
            with path.open("ab") as f:
                f.write(video.read_bytes())
        return self._once("motion.jpg", build)

    def png(self) -> Path:
        """A PNG with text chunks (tEXt), tIME, XMP (iTXt), Exif (eXIf) and a colour profile (iCCP)."""
        profile = self.dir / "profile-png.icc"
        profile.write_bytes(icc_profile())

        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", path)
            exiftool_write(path, f"-PNG:Comment={CANARIES['png_text']}", f"-PNG:Author={CANARIES['owner']}",
                           f"-PNG:Software={CANARIES['software']}", "-PNG:CreationTime=2024:05:01 10:00:00",
                           "-PNG:ModifyDate=2024:05:01 10:00:00", *XMP_CAMERA, *EXIF_CAMERA,
                           f"-ICC_Profile<={profile}")
        return self._once("screen.png", build)

    def webp(self, animated: bool = False) -> Path:
        """A WebP (libwebp) with Exif and XMP, lossy still or lossless animation."""
        def build(path):
            if animated:
                ffmpeg("-f", "lavfi", "-i", "testsrc=duration=0.4:size=160x120:rate=10", "-c:v", "libwebp_anim",
                       "-lossless", "1", "-loop", "0", path)
            else:
                ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", "-c:v", "libwebp", path)
            exiftool_write(path, *EXIF_CAMERA, *XMP_CAMERA)
        return self._once("animated.webp" if animated else "photo.webp", build)

    def mp4(self) -> Path:
        """A phone-style video: ffmpeg's location, creation time, make and model, then QuickTime GPS,
        make and model, Apple keys and XMP written by exiftool."""
        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=duration=2:size=320x240", "-f", "lavfi", "-i", "sine=duration=2",
                   "-c:v", "libx264", "-c:a", "aac", "-movflags", "+use_metadata_tags",
                   "-metadata", f"location=+{LAT}+00{LON}/", "-metadata", "creation_time=2024-05-01T10:00:00Z",
                   "-metadata", f"make={CANARIES['make']}", "-metadata", f"model={CANARIES['model']}", path)
            exiftool_write(path, f"-QuickTime:GPSCoordinates={LAT}, {LON}, 35", f"-UserData:Make={CANARIES['make']}",
                           f"-UserData:Model={CANARIES['model']}", f"-Keys:Software={CANARIES['software']}",
                           f"-XMP-dc:Creator={CANARIES['xmp']}")
        return self._once("video.mp4", build)

    def mov(self) -> Path:
        """An iPhone-style QuickTime movie: Apple keys (location ISO 6709, make, model, software, date)."""
        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=320x240", "-f", "lavfi", "-i", "sine=duration=1",
                   "-c:v", "libx264", "-c:a", "aac", "-metadata", "creation_time=2024-05-01T10:00:00Z",
                   "-f", "mov", path)
            exiftool_write(path, f"-Keys:GPSCoordinates={LAT}, {LON}, 35", f"-Keys:Make={CANARIES['make']}",
                           f"-Keys:Model={CANARIES['model']}", f"-Keys:Software={CANARIES['software']}",
                           "-Keys:CreationDate=2024:05:01 10:00:00+02:00")
        return self._once("iphone.mov", build)

    def subtitled_mp4(self) -> Path:
        """A video with a text track (mov_text) carrying a position, as dashcams do."""
        subtitles = self.dir / "track.srt"
        subtitles.write_text(f"1\n00:00:00,000 --> 00:00:01,000\n{CANARIES['subtitle']} {LAT}N {LON}E\n")

        def build(path):
            ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=160x120", "-f", "lavfi", "-i", "sine=duration=1",
                   "-i", subtitles, "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
                   "-c:s", "mov_text", path)
        return self._once("dashcam.mp4", build)

    def avif(self) -> Path:
        return self._once("photo.avif", lambda path: ffmpeg(
            "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", "-c:v", "libaom-av1", "-cpu-used", "8",
            "-still-picture", "1", path))

    def gif(self) -> Path:
        return self._once("anim.gif", lambda path: ffmpeg(
            "-f", "lavfi", "-i", "testsrc=duration=0.3:size=64x64:rate=10", path))


def top_level_boxes(path: Path) -> list[tuple[str, int, int]]:
    """(type, offset, size) of each top-level ISO BMFF box, read from the headers only."""
    boxes = []
    total = path.stat().st_size
    with path.open("rb") as f:
        offset = 0
        while offset < total:
            f.seek(offset)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = total - offset
            boxes.append((kind.decode("latin-1"), offset, size))
            offset += size
    return boxes


def png_chunks(data: bytes) -> list[tuple[str, bytes, bool]]:
    """(type, data, CRC valid) of each PNG chunk."""
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 4:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        chunks.append((kind.decode("latin-1"), body[4:], zlib.crc32(body) == crc))
        pos += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[tuple[str, bytes]]:
    """(fourcc, data) of each chunk inside the RIFF."""
    chunks, pos = [], 12
    while pos < len(data):
        kind, size = data[pos:pos + 4].decode("latin-1"), struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunks.append((kind, data[pos + 8:pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks
