#!/usr/bin/env python3
"""Draw the app icons (a white shield with a speech bubble on navy) as PNG, with no image library.

    python3 pwa/scripts/make-icons.py      # writes pwa/icons/*.png

Committed output; rerun only to change the design.
"""

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "icons"
NAVY, WHITE, RED = (0x1B, 0x2A, 0x4A), (0xFF, 0xFF, 0xFF), (0xC6, 0x28, 0x28)


def png(path: Path, size: int, pixels) -> None:
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path.write_bytes(data)


def shield(x: float, y: float) -> bool:
    """Unit-square coordinates (0..1): a shield, flat top, pointed bottom."""
    if not 0.22 <= x <= 0.78 or not 0.18 <= y <= 0.86:
        return False
    if y <= 0.55:
        return True
    half = 0.28 * (1 - ((y - 0.55) / 0.31) ** 1.6)
    return abs(x - 0.5) <= half


def bubble(x: float, y: float) -> bool:
    """A speech bubble inside the shield: rounded rectangle plus a small tail."""
    in_rect = 0.33 <= x <= 0.67 and 0.30 <= y <= 0.52
    tail = 0.40 <= x <= 0.48 and 0.52 <= y <= 0.60 and (x - 0.40) >= (y - 0.52)
    return in_rect or tail


def render(size: int, scale: float = 1.0):
    ss = 4  # supersampling for smooth edges
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    u, v = (px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size
                    # shrink the drawing towards the centre (maskable icons keep a safe zone)
                    x, y = 0.5 + (u - 0.5) / scale, 0.5 + (v - 0.5) / scale
                    colour = NAVY  # full bleed: launchers apply their own mask
                    if shield(x, y):
                        colour = RED if bubble(x, y) else WHITE
                    acc = [a + c for a, c in zip(acc, colour)]
            row.append(tuple(round(a / ss / ss) for a in acc))
        rows.append(row)
    return rows


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    png(OUT / "icon-192.png", 192, render(192))
    png(OUT / "icon-512.png", 512, render(512))
    png(OUT / "icon-maskable-512.png", 512, render(512, scale=0.75))
    png(OUT / "apple-touch-icon-180.png", 180, render(180))
    print("icons written to", OUT)
