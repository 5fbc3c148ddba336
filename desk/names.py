"""File names from the citizen's phone are untrusted input: make them safe to write."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_LEN = 100


def safe_filename(name: str, part: int) -> str:
    """A name that stays inside its folder on any OS, unique per part: ``03-IMG_0001.jpg``."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp"))
    name = name.strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = ext[:16]
    stem = stem[: MAX_LEN - len(ext) - 1]
    name = f"{stem}.{ext}" if ext else stem
    return f"{part:02d}-{name or 'piece-jointe'}"
