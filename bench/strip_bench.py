"""What cleaning a video on the phone costs, this version against the previous one (the media
code of the ``main`` branch), in the same run on the same files:

    .venv/bin/python -m bench.strip_bench [--baseline main] [--rounds 3]

Files (made in a temp dir, removed at the end): a 240 MB incompressible MP4 (ffmpeg, as the
slow test in tests/media makes it) whose samples fill its media data, and a ~240 MB iPhone
QuickTime movie: the real iPhone 6 file of tests/data/media looped by ffmpeg (-c copy), so its
two metadata tracks' samples lie between the video and sound chunks all along the file. For
each: the stripper's time and the bytes it reads from the picked file, then the time to read
the cleaned file through in 1 MiB pieces (what sealing does) against reading the picked file
raw the same way. Node runs the phone's modules (pwa/src/media); Chromium reads Blobs
differently, the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .common import REPO

MEASURE = REPO / "bench" / "strip_measure.mjs"


def ffmpeg(*args: str | Path) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def make_inputs(tmp: Path) -> dict[str, Path]:
    seed, mp4 = tmp / "seed.mp4", tmp / "noise-240mb.mp4"
    ffmpeg("-f", "lavfi", "-i", "nullsrc=s=640x480:r=25,geq=lum='random(1)*255':cb=128:cr=128", "-t", "2",
           "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", seed)
    ffmpeg("-stream_loop", "9", "-i", seed, "-c", "copy", "-movflags", "+use_metadata_tags",
           "-metadata", "location=+48.8566+002.3522/", "-metadata", "make=CANARY-MAKE", mp4)
    iphone = tmp / "iphone-240mb.mov"
    real = REPO / "tests" / "data" / "media" / "iphone6-with-gps.mov"
    loops = 240 * 2**20 // real.stat().st_size
    ffmpeg("-stream_loop", str(loops), "-i", real, "-map", "0", "-c", "copy", "-f", "mov", iphone)
    return {"240 MB MP4, samples back to back": mp4, "240 MB iPhone MOV, metadata samples between": iphone}


def media_of(ref: str, into: Path) -> Path:
    """pwa/src/media as it is in git ref `ref`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "pwa/src/media"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "pwa" / "src" / "media"


def measure(media: Path, file: Path, rounds: int) -> dict:
    done = subprocess.run(["node", str(MEASURE), str(media), str(file), str(rounds)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", default="main", help="git ref of the previous stripper (default main)")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    console = Console(width=160)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        inputs = make_inputs(tmp)
        old = media_of(args.baseline, tmp / "baseline")
        new = REPO / "pwa" / "src" / "media"
        table = Table(title=f"video stripping, this version against {args.baseline}")
        for column in ("file", "MB", "version", "answer", "strip ms", "bytes read", "reads", "read clean ms",
                       "read raw ms", "clean/raw"):  # "read": 1 MiB pieces through, as sealing does
            table.add_column(column)
        results = {}
        for name, file in inputs.items():
            for label, media in (("baseline", old), ("this", new)):
                r = measure(media, file, args.rounds)
                results[(name, label)] = r
                table.add_row(name, f"{file.stat().st_size / 1e6:.0f}", label, r["status"], f"{r['stripMs']:.0f}",
                              f"{r['strippedBytesRead']:,}", str(r["reads"]), f"{r['readCleanMs']:.0f}",
                              f"{r['readRawMs']:.0f}", f"{r['readCleanMs'] / r['readRawMs']:.2f}")
        console.print(table)
        for name in inputs:
            a, b = results[(name, "baseline")], results[(name, "this")]
            console.print(f"{name}: strip time {b['stripMs'] / a['stripMs']:.2f}x the baseline, bytes read "
                          f"{b['strippedBytesRead'] / a['strippedBytesRead']:.2f}x; removed {b['removed']}")


if __name__ == "__main__":
    main()
