"""The phone's metadata stripper (pwa/src/media, through its Node CLI) on real files made by
ffmpeg and filled by exiftool, judged by independent oracles: exiftool and mat2 must find no
metadata but what is kept on purpose, ffprobe no location, make, model or creation time, every
canary value must be gone from the bytes, and ffmpeg must decode the very same pixels and sound.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.media.corpus import decoded, leaks, rendering
from tests.media.fixtures import (
    CANARIES, CLI, FORBIDDEN_TAG, LAT, ZERO_DATE, MediaFactory, exiftool_tags, ffmpeg, ffprobe, frame_hashes,
    mat2_show, metadata_keys, packet_ranges, png_chunks, same_bytes, strip_file, tool, top_level_boxes, webp_chunks,
)

JFIF_TAGS = {"JFIF:JFIFVersion", "JFIF:ResolutionUnit", "JFIF:XResolution", "JFIF:YResolution",
             "Composite:ImageSize", "Composite:Megapixels"}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> MediaFactory:
    return MediaFactory(tmp_path_factory.mktemp("media"))


def cleaned(source, tmp_path, **expected):
    """Strip ``source`` into tmp_path; check the CLI's answer; return the cleaned file's path."""
    out = tmp_path / f"clean-{source.name}"
    result = strip_file(source, out)
    assert result == {"status": "cleaned", "reason": None, "exit": 0, **expected}
    return out


def assert_canaries_gone(source, out, names):
    original, clean = source.read_bytes(), out.read_bytes()
    for name in names:
        canary = CANARIES[name].encode()
        assert canary in original, f"the fixture lacks {name}: the test would prove nothing"
        assert canary not in clean, name


def assert_no_forbidden_tags(tags):
    bad = {k: v for k, v in tags.items() if re.match(FORBIDDEN_TAG, k.split(":", 1)[1])}
    assert bad == {}
    dates = {k: v for k, v in tags.items() if k.endswith("Date")}
    assert all(v == ZERO_DATE for v in dates.values()), dates


def mat2_names(lines):
    return {line.split(":", 1)[0] for line in lines[1:]}


# --- photos --------------------------------------------------------------------------------------
def test_camera_jpeg_keeps_only_the_orientation_and_the_pixels(media, tmp_path):
    source = media.camera_jpeg()
    assert {"GPS:GPSLatitude", "IFD0:Make", "IFD0:Model", "IFD0:Software", "ExifIFD:SerialNumber",
            "ExifIFD:OwnerName", "ExifIFD:DateTimeOriginal", "IFD1:ThumbnailImage", "XMP-dc:Creator",
            "XMP-exif:GPSLatitude", "IPTC:City", "File:Comment"} <= set(exiftool_tags(source))
    out = cleaned(source, tmp_path, mediaType="image/jpeg",
                  removed=["gps", "make_model", "datetime", "owner", "serial", "software", "comment", "thumbnail",
                           "xmp", "iptc", "other_metadata"],
                  kept=["orientation"])
    tags = exiftool_tags(out)
    assert_no_forbidden_tags(tags)
    assert metadata_keys(tags) == JFIF_TAGS | {"IFD0:Orientation"}
    assert tags["IFD0:Orientation"] == "Rotate 90 CW"
    assert mat2_show(out) == [f"[+] Metadata for {out}:", "ExifByteOrder: Big-endian (Motorola, MM)",
                              "Orientation: Rotate 90 CW"]
    assert frame_hashes(out) == frame_hashes(source)
    assert_canaries_gone(source, out, ["make", "model", "software", "serial", "owner", "xmp", "iptc", "comment",
                                       "thumbnail"])
    assert LAT.encode() not in out.read_bytes()


def test_screen_colour_profile_keeps_its_colours_without_naming_the_screen(media, tmp_path):
    """A JPEG carrying a real macOS display profile (from the corpus screenshot): the colours convert
    the same through Little CMS, the screen's names, serial number and calibration are gone."""
    source = media.icc_jpeg()
    before = exiftool_tags(source)
    assert {"ICC_Profile:MakeAndModel", "ICC_Profile:VideoCardGamma",
            "ICC_Profile:ProfileDescriptionML-fr-FR"} <= set(before)
    out = cleaned(source, tmp_path, mediaType="image/jpeg", removed=["make_model", "serial", "icc_device", "comment"],
                  kept=["icc_profile"])
    tags = exiftool_tags(out)
    assert_no_forbidden_tags(tags)
    icc = {k for k in tags if k.startswith("ICC")}
    assert metadata_keys(tags) == JFIF_TAGS | icc and icc
    assert {k.split(":", 1)[1] for k in icc if k.startswith("ICC_Profile:")} == {
        "ProfileDescription", "ProfileCopyright", "MediaWhitePoint", "RedMatrixColumn", "GreenMatrixColumn",
        "BlueMatrixColumn", "RedTRC", "GreenTRC", "BlueTRC", "ChromaticAdaptation"}
    assert tags["ICC-header:DeviceManufacturer"] == tags["ICC-header:DeviceModel"] == ""
    assert rendering(out) == rendering(source)
    assert leaks(source, out) == []
    # mat2 lists the colour profile's fields, and nothing else.
    assert mat2_names(mat2_show(out)) <= {k.split(":", 1)[1] for k in icc}
    assert frame_hashes(out) == frame_hashes(source)
    assert_canaries_gone(source, out, ["make"])


def test_motion_photo_video_after_the_image_is_cut(media, tmp_path):
    source = media.motion_photo()
    data = source.read_bytes()
    assert b"ftyp" in data and CANARIES["motion"].encode() in data
    out = cleaned(source, tmp_path, mediaType="image/jpeg",
                  removed=["make_model", "software", "comment", "motion_photo", "xmp", "other_metadata"], kept=[])
    clean = out.read_bytes()
    assert clean.endswith(b"\xff\xd9") and b"ftyp" not in clean
    tags = exiftool_tags(out)
    assert_no_forbidden_tags(tags)
    assert metadata_keys(tags) == JFIF_TAGS
    assert mat2_show(out) == [f"No metadata found in {out}."]
    assert frame_hashes(out) == frame_hashes(source)
    assert_canaries_gone(source, out, ["motion", "make"])


def test_png_text_time_xmp_and_exif_chunks_are_dropped(media, tmp_path):
    source = media.png()
    before = png_chunks(source.read_bytes())
    assert {"tEXt", "tIME", "iTXt", "eXIf", "iCCP"} <= {kind for kind, _, _ in before}
    out = cleaned(source, tmp_path, mediaType="image/png",
                  removed=["gps", "make_model", "datetime", "owner", "serial", "software", "comment", "xmp",
                           "text_chunks", "other_metadata"],
                  kept=["icc_profile"])
    after = png_chunks(out.read_bytes())
    assert {kind for kind, _, _ in after} == {"IHDR", "pHYs", "iCCP", "IDAT", "IEND"}
    assert all(crc_ok for _, _, crc_ok in after)
    idat = lambda chunks: b"".join(data for kind, data, _ in chunks if kind == "IDAT")  # noqa: E731
    assert idat(after) == idat(before)
    tags = exiftool_tags(out)
    assert {k.split(":")[0] for k in metadata_keys(tags)} == {"PNG", "PNG-pHYs", "ICC-header", "ICC_Profile",
                                                               "Composite"}
    assert_no_forbidden_tags(tags)
    png_tags = {k for k in tags if k.startswith("PNG:")}
    assert png_tags == {"PNG:ImageWidth", "PNG:ImageHeight", "PNG:BitDepth", "PNG:ColorType", "PNG:Compression",
                        "PNG:Filter", "PNG:Interlace", "PNG:ProfileName"}
    # mat2 shows the pixel density (pHYs) and the colour profile, which are kept on purpose.
    kept = {k.split(":", 1)[1] for k in tags if k.split(":")[0] in ("PNG-pHYs", "ICC-header", "ICC_Profile")}
    assert mat2_names(mat2_show(out)) == kept | {"ProfileName"}
    assert frame_hashes(out) == frame_hashes(source)
    assert_canaries_gone(source, out, ["png_text", "owner", "software", "xmp", "make", "model", "serial"])


@pytest.mark.parametrize("animated", [False, True], ids=["still", "animated"])
def test_webp_exif_and_xmp_are_dropped_and_the_riff_stays_valid(media, tmp_path, animated):
    source = media.webp(animated=animated)
    data = source.read_bytes()
    assert {"EXIF", "XMP "} <= {kind for kind, _ in webp_chunks(data)}
    out = cleaned(source, tmp_path, mediaType="image/webp",
                  removed=["gps", "make_model", "datetime", "owner", "serial", "software", "xmp", "other_metadata"],
                  kept=[])
    clean = out.read_bytes()
    assert int.from_bytes(clean[4:8], "little") == len(clean) - 8
    image = lambda d: [c for c in webp_chunks(d) if c[0] not in ("VP8X", "EXIF", "XMP ")]  # noqa: E731
    assert image(clean) == image(data)  # every frame, byte for byte
    tags = exiftool_tags(out)
    assert tags["RIFF:WebP_Flags"] == ("Animation" if animated else "(none)")
    assert {k.split(":")[0] for k in metadata_keys(tags)} == {"RIFF", "Composite"}
    assert_no_forbidden_tags(tags)
    # mat2 cannot read WebP: exiftool and the bytes are the oracles here.
    assert mat2_show(out) == [f"[-] {out}'s format (image/webp) is not supported"]
    if not animated:  # ffmpeg 5 cannot decode animated WebP; its frames were compared byte for byte above
        assert frame_hashes(out) == frame_hashes(source)
    assert_canaries_gone(source, out, ["make", "model", "software", "serial", "owner", "xmp"])


# --- videos --------------------------------------------------------------------------------------
def assert_video_cleaned(source, out, streams, zeroed=(), dropped=()):
    """Same size and boxes; mdat unchanged but for the ``zeroed`` (offset, size) ranges; no metadata
    left for ffprobe or exiftool (a stream keeps its language, its handler name and vendor are
    blank); the ``dropped`` stream types gone; identical decoded ``streams``."""
    assert out.stat().st_size == source.stat().st_size
    assert [(o, s) for _, o, s in top_level_boxes(out)] == [(o, s) for _, o, s in top_level_boxes(source)]
    expected, clean = bytearray(source.read_bytes()), out.read_bytes()
    for offset, size in zeroed:
        expected[offset:offset + size] = bytes(size)
    for kind, offset, size in top_level_boxes(source):
        if kind == "mdat":
            assert clean[offset:offset + size] == expected[offset:offset + size]
    probe = ffprobe(out)
    # ffmpeg reports creation_time only when it is not zero: zeroed, it is absent.
    assert set(probe["format"].get("tags", {})) == {"major_brand", "minor_version", "compatible_brands"}
    original = [s for s in ffprobe(source)["streams"] if s["codec_type"] not in dropped]
    assert [s["codec_type"] for s in probe["streams"]] == [s["codec_type"] for s in original]
    for before, after in zip(original, probe["streams"]):
        tags = after.get("tags", {})
        assert set(tags) <= {"language", "vendor_id"}, tags
        assert tags.get("vendor_id", "[0][0][0][0]") == "[0][0][0][0]"
        assert tags.get("language") == before.get("tags", {}).get("language")
    tags = exiftool_tags(out)
    assert_no_forbidden_tags(tags)
    assert {k.split(":")[0] for k in metadata_keys(tags)} <= {"QuickTime", "Track1", "Track2", "Track3", "Composite"}
    assert tags["QuickTime:CreateDate"] == ZERO_DATE
    for stream in streams:
        assert frame_hashes(out, stream) == frame_hashes(source, stream), stream


def test_mp4_location_make_model_xmp_and_times_are_neutralised_in_place(media, tmp_path):
    source = media.mp4()
    before = exiftool_tags(source)
    assert {"ItemList:GPSCoordinates", "UserData:Make", "XMP-dc:Creator"} <= set(before)
    assert {"location", "make", "model", "creation_time"} <= set(ffprobe(source)["format"]["tags"])
    out = cleaned(source, tmp_path, mediaType="video/mp4",
                  removed=["location", "make_model", "creation_time", "owner", "software", "xmp"], kept=[])
    assert_video_cleaned(source, out, ["v:0", "a:0"])
    assert_canaries_gone(source, out, ["make", "model", "software", "xmp"])
    assert f"+{LAT}".encode() not in out.read_bytes()


def test_iphone_style_mov_apple_keys_are_neutralised(media, tmp_path):
    source = media.mov()
    assert {"Keys:GPSCoordinates", "Keys:Make", "Keys:CreationDate"} <= set(exiftool_tags(source))
    out = cleaned(source, tmp_path, mediaType="video/quicktime",
                  removed=["location", "make_model", "creation_time", "software"], kept=[])
    assert_video_cleaned(source, out, ["v:0", "a:0"])
    assert_canaries_gone(source, out, ["make", "model", "software"])


def test_text_track_is_dropped_its_samples_zeroed_and_sound_and_picture_kept(media, tmp_path):
    source = media.subtitled_mp4()
    assert CANARIES["subtitle"] in exiftool_tags(source)["Track3:Text"]
    out = cleaned(source, tmp_path, mediaType="video/mp4", removed=["software", "metadata_track"], kept=[])
    texts = packet_ranges(source, "s:0")
    assert texts
    assert_video_cleaned(source, out, ["v:0", "a:0"], zeroed=texts, dropped=("subtitle",))
    assert "Track3:Text" not in exiftool_tags(out)  # the text track is gone, its samples zeroed
    assert_canaries_gone(source, out, ["subtitle"])


# --- what is not cleaned -------------------------------------------------------------------------
def uncleanable(media, kind, path):
    if kind == "gif":
        path.write_bytes(media.gif().read_bytes())
    elif kind == "jpeg-cut-in-its-exif":
        path.write_bytes(media.camera_jpeg().read_bytes()[:600])
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4096)))


@pytest.mark.parametrize("kind, answer", [
    ("gif", {"status": "unsupported", "mediaType": "image/gif", "reason": "unsupported_format"}),
    ("random-bytes", {"status": "unsupported", "mediaType": "application/octet-stream", "reason": "unknown_format"}),
    ("jpeg-cut-in-its-exif", {"status": "refused", "mediaType": "image/jpeg", "reason": "no_picture"}),
    ("empty", {"status": "refused", "mediaType": "application/octet-stream", "reason": "empty"}),
])
def test_files_that_cannot_be_cleaned_are_never_called_cleaned(media, tmp_path, kind, answer):
    source, out = tmp_path / "input", tmp_path / "output"
    uncleanable(media, kind, source)
    assert strip_file(source, out) == {**answer, "removed": [], "kept": [], "exit": 3}
    assert not out.exists()


def test_ffmpeg_avif_is_cleaned_not_refused(media, tmp_path):
    """AVIF is no HEIC: cleaned (pixels by libavif through Pillow), never the iPhone message."""
    source = media.avif()
    out = cleaned(source, tmp_path, mediaType="image/avif", removed=[], kept=[])
    assert decoded(out) == decoded(source)


# --- a large video -------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_240_mb_video_is_streamed_not_loaded(tmp_path):
    """Incompressible video (random noise, lossless) looped to about 240 MB: the CLI must clean it
    with far less memory than the file's size, and leave every media byte as it was."""
    seed, big, out = tmp_path / "seed.mp4", tmp_path / "big.mp4", tmp_path / "clean.mp4"
    ffmpeg("-f", "lavfi", "-i", "nullsrc=s=640x480:r=25,geq=lum='random(1)*255':cb=128:cr=128", "-t", "2",
           "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", seed)
    ffmpeg("-stream_loop", "9", "-i", seed, "-c", "copy", "-movflags", "+use_metadata_tags",
           "-metadata", f"location=+{LAT}+002.3522/", "-metadata", f"make={CANARIES['make']}", big)
    size = big.stat().st_size
    assert size > 200 * 2**20
    # A fresh Python whose only child is node: RUSAGE_CHILDREN then holds node's peak memory alone.
    measure = ("import resource, subprocess, sys;"
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.stdout.strip())")
    done = subprocess.run([sys.executable, "-c", measure, tool("node"), str(CLI), str(big), str(out)],
                          capture_output=True, text=True, check=True)
    code, peak_kib, answer = done.stdout.split(" ", 2)
    assert code == "0", answer
    # ffmpeg copies the brands into its metadata keys: "other metadata"
    assert json.loads(answer)["removed"] == ["location", "make_model", "software", "other_metadata"]
    assert int(peak_kib) * 1024 < 160 * 2**20, f"node peaked at {int(peak_kib) // 1024} MiB for a {size >> 20} MiB file"
    # Every byte outside moov is unchanged: the media data was streamed through as it was.
    assert out.stat().st_size == size
    (moov,) = [(o, s) for kind, o, s in top_level_boxes(big) if kind == "moov"]
    assert same_bytes(big, out, 0, moov[0])
    assert same_bytes(big, out, moov[0] + moov[1], size)
    with big.open("rb") as a, out.open("rb") as b:
        a.seek(moov[0])
        b.seek(moov[0])
        before, after = a.read(moov[1]), b.read(moov[1])
    assert CANARIES["make"].encode() in before and f"+{LAT}".encode() in before
    assert CANARIES["make"].encode() not in after and f"+{LAT}".encode() not in after
