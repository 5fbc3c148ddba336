"""File names from the citizen's phone are untrusted input (docs/envelope.md, section 16).

An attachment is saved as ``NN-<safe name>``: the part number keeps names unique and the
sanitising of ``envelope.names`` keeps them inside their folder on every system, honest to
read (no bidirectional override, no invisible character) and with an extension chosen from
the type found in the decrypted bytes, never from the sender's name or ``media_type``.
"""

from __future__ import annotations

from envelope.names import REMOVED, REPLACED, SNIFF_BYTES, _in, detect_media_type, safe_name

__all__ = ["SNIFF_BYTES", "attachment_file_name", "detect_media_type", "visible"]


def attachment_file_name(claimed: str, part: int, detected_media_type: str | None) -> str:
    """``03-IMG_0001.jpg``: the part number, then the sanitised name and the detected type's extension."""
    return f"{part:02d}-{safe_name(claimed, detected_media_type)}"


def visible(text: str) -> str:
    """The sender's own text for a record (verification.json): every character the sanitising
    would remove or replace, and any other non-printable one, written as ``\\u{XXXX}`` so that
    nothing in it acts on a terminal or reorders what is shown around it."""
    out = []
    for ch in text:
        cp = ord(ch)
        if (_in(REMOVED, cp) or _in(REPLACED, cp) or cp & 0xFFFE == 0xFFFE or 0xD800 <= cp <= 0xDFFF
                or not (ch.isprintable() or ch == " ")):
            out.append(f"\\u{{{cp:04X}}}")
        else:
            out.append(ch)
    return "".join(out)
