"""Files shaped like what a phone attaches, full of metadata and canary strings, built in code."""

from __future__ import annotations

import os
import struct
import zlib

CANARY_GPS = "CANARY-GPS-48.8566N-2.3522E"
CANARY_MODEL = "CANARY-PHONE-MODEL-XR42"
CANARY_TEXT = "CANARY-PNG-TEXT-CHUNK"
CANARY_VIDEO = "CANARY-VIDEO-LOCATION-ATOM"

# long enough never to appear by chance in ciphertext
MARKERS = [b"Exif\x00\x00MM\x00*", b"\x89PNG\r\n\x1a\n", b"JFIF\x00\x01", b"ftypisom", b"tEXtComment"]


def jpeg_with_exif() -> bytes:
    """A JPEG-shaped file: SOI, APP1 Exif (make/model/GPS-like strings), APP0, filler, EOI."""
    tiff = b"MM\x00*\x00\x00\x00\x08" + CANARY_MODEL.encode() + b"\x00" + CANARY_GPS.encode()
    app1 = b"Exif\x00\x00" + tiff
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    body = os.urandom(20_000)
    return (b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
            + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + body + b"\xff\xd9")


def png_with_text() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + os.urandom(12) for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\x00" + CANARY_TEXT.encode())
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def video_like(size: int) -> bytes:
    """An MP4-shaped blob of ``size`` bytes with a canary in a user-data atom."""
    head = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2"
    udta = CANARY_VIDEO.encode()
    body = os.urandom(size - len(head) - len(udta))
    return head + udta + body
