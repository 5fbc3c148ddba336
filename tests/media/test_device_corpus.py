"""The phone's stripper on real device files (tests/data/media, SOURCES.md there): each one is
cleaned, exiftool -ee -a -u -G1 finds nothing identifying in the result, a byte search finds none
of the identifying values exiftool read from the input (nor any piece of its metadata blocks),
and independent decoders see the very same pixels, frames and sound."""

from __future__ import annotations

import shutil

import pytest

from tests.media.corpus import (
    CORPUS, decoded, expanded, exiftool_leaks, ffmpeg_frames, identifying_needles, identifying_tags, leaks, rendering,
    with_metadata_copy_in_mdat,
)
from tests.media.fixtures import run, strip_file

# file: what the stripper must say it removed (at least) and kept.
CORPUS_FILES = {
    "iphone11pro-IMG_2927.heic": ({"make_model", "datetime", "serial", "software", "xmp", "icc_device"},
                                  ["icc_profile"]),
    "livephoto-IMG_7943.heic": ({"gps", "make_model", "datetime", "serial", "software", "xmp", "auxiliary_images",
                                 "icc_device"}, ["icc_profile"]),
    "samsung-s24fe.heic": ({"make_model", "datetime", "software", "xmp", "thumbnail", "icc_device"}, ["icc_profile"]),
    "livephoto-IMG_7943.mov": ({"location", "make_model", "creation_time", "serial", "software", "metadata_track"}, []),
    "iphone6-with-gps.mov": ({"location", "make_model", "creation_time", "software", "metadata_track"}, []),
    "android6-with-gps.mp4": ({"location", "creation_time"}, []),
    "pixel-IMG_20180725_163423.jpg": ({"gps", "make_model", "datetime", "software", "thumbnail"}, ["icc_profile"]),
    "macos-screenshot.png": ({"comment", "xmp", "icc_device", "serial"}, ["icc_profile"]),
    "iphone3gs-irvine.avif": ({"make_model", "datetime"}, []),
    "libavif-paris_icc_exif_xmp.avif": ({"make_model", "datetime", "xmp"}, ["icc_profile"]),
    "libavif-color_grid_alpha_grid_gainmap_nogrid.avif": (set(), []),
}


def clean(source, tmp_path):
    out = tmp_path / f"clean-{source.name}"
    result = strip_file(source, out)
    assert result["status"] == "cleaned", result
    return result, out


@pytest.mark.parametrize("name", sorted(CORPUS_FILES))
def test_device_file_is_cleaned_without_a_trace_and_decodes_the_same(name, tmp_path):
    source = CORPUS / name
    must_remove, kept = CORPUS_FILES[name]
    needles = identifying_needles(source)
    if must_remove:
        assert needles, "the input holds no identifying value: the test would prove nothing"
    result, out = clean(source, tmp_path)
    assert must_remove <= set(result["removed"]), result
    assert result["kept"] == kept
    assert exiftool_leaks(out) == {}
    assert leaks(source, out) == []
    assert decoded(out) == decoded(source)
    assert rendering(out) == rendering(source)  # the colour profile converts the same colours


def test_the_byte_search_finds_what_is_there():
    """The oracle itself: on the inputs, most identifying needles are found (a needle list that
    matched nothing would make the leak test vacuous)."""
    for name in ("livephoto-IMG_7943.heic", "livephoto-IMG_7943.mov", "macos-screenshot.png"):
        source = CORPUS / name
        data = expanded(source)
        needles = identifying_needles(source)
        found = [n for n in needles if n in data]
        assert len(found) >= 5, (name, needles)
        assert leaks(source, source), name


def test_live_photo_pair_comes_out_with_nothing_linking_the_two(tmp_path):
    still, video = CORPUS / "livephoto-IMG_7943.heic", CORPUS / "livephoto-IMG_7943.mov"
    uuid = next(iter(identifying_tags(still)["Apple:MediaGroupUUID"]))
    assert identifying_tags(video)["Keys:ContentIdentifier"] == {uuid}  # a real pair
    shared = {v for vs in identifying_tags(still).values() for v in vs} & \
        {v for vs in identifying_tags(video).values() for v in vs}
    assert uuid in shared
    _, still_out = clean(still, tmp_path)
    _, video_out = clean(video, tmp_path)
    for out in (still_out, video_out):
        data = out.read_bytes()
        for form in (uuid.upper(), uuid.lower(), uuid.replace("-", "")):
            for encoding in ("ascii", "utf-16-le", "utf-16-be"):
                assert form.encode(encoding) not in data
        assert bytes.fromhex(uuid.replace("-", "")) not in data
        # nothing else the two files had in common (model, iOS version, dates, position) either
        assert [v for v in shared if len(v) >= 5 and v.encode() in data] == []


def test_live_photo_video_with_its_metadata_copied_inside_the_media_data(tmp_path):
    """iPhone camera originals keep a copy of the movie's metadata in mdat, outside every sample.
    Reconstructed from the real file (SOURCES.md): the copy must be zeroed, the samples kept."""
    real = CORPUS / "livephoto-IMG_7943.mov"
    source = with_metadata_copy_in_mdat(real, tmp_path / "IMG_7943-camera.mov")
    data = source.read_bytes()
    meta_copy_at = data.find(b"com.apple.quicktime.content.identifier")
    assert meta_copy_at != -1 and meta_copy_at < data.find(b"moov")  # a copy in mdat, before the movie box
    assert decoded(source) == decoded(real)  # the rebuilt file plays as the real one
    uuid = next(iter(identifying_tags(real)["Keys:ContentIdentifier"]))
    assert data.count(uuid.encode()) == 3
    result, out = clean(source, tmp_path)
    assert {"location", "make_model", "serial", "metadata_track"} <= set(result["removed"])
    assert uuid.encode() not in out.read_bytes()
    assert leaks(real, out) == []
    assert exiftool_leaks(out) == {}
    assert decoded(out) == decoded(real)


# --- damaged files: cleaned as far as they can be read ------------------------------------------
def test_truncated_phone_jpeg_is_cleaned_and_decodes_as_the_cut_original(tmp_path):
    full = CORPUS / "pixel-IMG_20180725_163423.jpg"
    data = full.read_bytes()
    for fraction in (0.9, 0.5, 0.2):
        source = tmp_path / f"cut-{fraction}.jpg"
        source.write_bytes(data[: int(len(data) * fraction)])
        result, out = clean(source, tmp_path)
        assert "incomplete" in result["kept"] and {"gps", "make_model"} <= set(result["removed"])
        assert exiftool_leaks(out) == {}
        assert leaks(full, out) == []
        assert decoded(out) == decoded(source)  # libjpeg (Pillow), the missing part filled alike
        assert ffmpeg_frames(out) == ffmpeg_frames(source)


def test_jpeg_cut_inside_its_metadata_holds_no_picture_and_is_refused(tmp_path):
    data = (CORPUS / "pixel-IMG_20180725_163423.jpg").read_bytes()
    source = tmp_path / "cut.jpg"
    source.write_bytes(data[:3000])  # inside the Exif block, before any picture data
    out = tmp_path / "out.jpg"
    assert strip_file(source, out) == {"status": "refused", "mediaType": "image/jpeg", "removed": [], "kept": [],
                                       "reason": "no_picture", "exit": 3}
    assert not out.exists()


def test_empty_file_is_refused(tmp_path):
    source, out = tmp_path / "empty.jpg", tmp_path / "out"
    source.write_bytes(b"")
    assert strip_file(source, out) == {"status": "refused", "mediaType": "application/octet-stream", "removed": [],
                                       "kept": [], "reason": "empty", "exit": 3}


def test_truncated_phone_png_screenshot_is_cleaned(tmp_path):
    full = CORPUS / "macos-screenshot.png"
    source = tmp_path / "cut.png"
    source.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 3])
    result, out = clean(source, tmp_path)
    assert "incomplete" in result["kept"]
    assert exiftool_leaks(out) == {}
    assert leaks(full, out) == []
    assert decoded(out) == decoded(source)


def test_truncated_heic_keeps_what_is_there_and_nothing_else(tmp_path):
    full = CORPUS / "samsung-s24fe.heic"
    source = tmp_path / "cut.heic"
    source.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    result, out = clean(source, tmp_path)
    assert "incomplete" in result["kept"]
    assert exiftool_leaks(out) == {}
    assert leaks(full, out) == []


def test_video_cut_in_its_media_data_is_cleaned_when_its_movie_box_comes_first(tmp_path):
    """A fast-start copy (ffmpeg -c copy, moov first) of the real iPhone video, cut in mdat."""
    real = CORPUS / "iphone6-with-gps.mov"
    faststart = tmp_path / "faststart.mov"
    run("ffmpeg", "-v", "error", "-i", real, "-map", "0", "-c", "copy", "-map_metadata", "0", "-movflags",
        "+faststart+use_metadata_tags", faststart)
    source = tmp_path / "cut.mov"
    source.write_bytes(faststart.read_bytes()[: faststart.stat().st_size * 3 // 4])
    result, out = clean(source, tmp_path)
    assert "incomplete" in result["kept"]
    assert out.stat().st_size == source.stat().st_size
    assert exiftool_leaks(out) == {}
    assert leaks(source, out) == []
    assert decoded(out) == decoded(source)


def test_video_cut_before_its_movie_box_cannot_be_cleaned_and_says_so(tmp_path):
    """iPhones write the movie box last: cut, the samples cannot be told from metadata."""
    data = (CORPUS / "livephoto-IMG_7943.mov").read_bytes()
    source, out = tmp_path / "cut.mov", tmp_path / "out.mov"
    source.write_bytes(data[: len(data) // 2])
    result = strip_file(source, out)
    assert (result["status"], result["reason"]) == ("unsupported", "damaged")


def test_animated_avif_is_not_called_cleaned(tmp_path):
    source, out = CORPUS / "libavif-colors-animated-8bpc-alpha-exif-xmp.avif", tmp_path / "out.avif"
    assert strip_file(source, out) == {"status": "unsupported", "mediaType": "image/avif", "removed": [], "kept": [],
                                       "reason": "image_sequence", "exit": 3}


def test_heic_with_exif_after_the_media_data_and_a_vendor_trailer(tmp_path):
    """Exif at the end of the file (some editors) and bytes after the last box (Samsung)."""
    real = CORPUS / "iphone11pro-IMG_2927.heic"
    source = tmp_path / "trailer.heic"
    shutil.copy(real, source)
    with source.open("ab") as f:
        f.write(b"SEFH\x00\x01" + real.read_bytes()[-4000:])  # junk that is no box
    result, out = clean(source, tmp_path)
    assert "trailer" in result["removed"]
    assert leaks(real, out) == []
    assert decoded(out) == decoded(real)
