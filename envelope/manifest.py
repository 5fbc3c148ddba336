"""The report manifest: how a report binds its attachments (docs/envelope.md, "Report manifest").

The report's plaintext is a JSON object; its ``attachments`` member lists, for every
attachment envelope of the case, the part index, the original name and media type, the
plaintext length and SHA-256, and the BLAKE2b-256 hash of the attachment's header. A desk
refuses a case whose attachments do not match it, so an attachment cannot be swapped,
dropped, replayed from another case or altered without the operator seeing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import errors

MAX_ATTACHMENTS = 1000
# Parts 1024 and up belong to the attachments of messages and replies (section 17).
MAX_REPORT_PART = 1023
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = {"part", "name", "media_type", "length", "sha256", "header_hash"}


@dataclass(frozen=True)
class AttachmentEntry:
    part: int
    name: str
    media_type: str
    length: int
    sha256: bytes
    header_hash: bytes

    @classmethod
    def from_seal(cls, result, *, name: str, media_type: str) -> AttachmentEntry:
        """Build the entry from what encryption returned (``envelope.seal.SealResult``)."""
        return cls(
            part=result.header.part_index,
            name=name,
            media_type=media_type,
            length=result.content_length,
            sha256=result.content_sha256,
            header_hash=result.header_hash,
        )

    def to_json(self) -> dict:
        return {
            "part": self.part,
            "name": self.name,
            "media_type": self.media_type,
            "length": self.length,
            "sha256": self.sha256.hex(),
            "header_hash": self.header_hash.hex(),
        }

    @classmethod
    def from_json(cls, obj) -> AttachmentEntry:
        if not isinstance(obj, dict) or not _FIELDS <= set(obj):
            raise errors.ManifestInvalid(f"an attachment entry must have the fields {sorted(_FIELDS)}")
        part, name, media, length = obj["part"], obj["name"], obj["media_type"], obj["length"]
        if not _is_int(part) or not 1 <= part < 2**32:
            raise errors.ManifestInvalid("part must be an integer from 1 to 2^32-1")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise errors.ManifestInvalid("name must be a string of 1 to 255 characters")
        if not isinstance(media, str) or not 1 <= len(media) <= 255:
            raise errors.ManifestInvalid("media_type must be a string of 1 to 255 characters")
        if not _is_int(length) or length < 0:
            raise errors.ManifestInvalid("length must be a non-negative integer")
        for key in ("sha256", "header_hash"):
            if not isinstance(obj[key], str) or not _HEX64.fullmatch(obj[key]):
                raise errors.ManifestInvalid(f"{key} must be 64 lowercase hex digits")
        return cls(part, name, media, length, bytes.fromhex(obj["sha256"]), bytes.fromhex(obj["header_hash"]))


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_manifest(report: Mapping) -> dict[int, AttachmentEntry]:
    """The attachment entries of a decrypted report, by part index."""
    items = report.get("attachments", []) if isinstance(report, Mapping) else None
    if not isinstance(items, list):
        raise errors.ManifestInvalid("attachments must be a list")
    if len(items) > MAX_ATTACHMENTS:
        raise errors.ManifestInvalid(f"more than {MAX_ATTACHMENTS} attachments")
    entries: dict[int, AttachmentEntry] = {}
    for obj in items:
        entry = AttachmentEntry.from_json(obj)
        if entry.part > MAX_REPORT_PART:
            raise errors.ManifestInvalid(f"a report's attachments are parts 1 to {MAX_REPORT_PART}, not {entry.part}")
        if entry.part in entries:
            raise errors.ManifestInvalid(f"part {entry.part} is listed twice")
        entries[entry.part] = entry
    return entries


def check_header(entry: AttachmentEntry, header_hash: bytes) -> None:
    """Before decrypting: the envelope must be the very one the report names."""
    if header_hash != entry.header_hash:
        raise errors.AttachmentMismatch(f"part {entry.part}: the header hash differs from the manifest")


def check_content(entry: AttachmentEntry, length: int, sha256: bytes) -> None:
    """After decrypting: the content must be the one the citizen attached."""
    if length != entry.length:
        raise errors.AttachmentMismatch(f"part {entry.part}: {length} bytes, the manifest says {entry.length}")
    if sha256 != entry.sha256:
        raise errors.AttachmentMismatch(f"part {entry.part}: the SHA-256 differs from the manifest")


def verify_case(entries: Mapping[int, AttachmentEntry], opened: Mapping[int, object]) -> None:
    """Check a whole case: ``opened`` maps part index to each attachment's OpenResult."""
    for part in sorted(set(opened) - set(entries)):
        raise errors.AttachmentUnexpected(f"part {part} is not in the report's manifest")
    for part, entry in sorted(entries.items()):
        if part not in opened:
            raise errors.AttachmentMissing(f"part {part} ({entry.name}) has not arrived")
        result = opened[part]
        check_header(entry, result.header_hash)
        check_content(entry, result.content_length, result.content_sha256)
