"""A case's conversation as plain text for the terminal (``tipline-desk messages``).

Everything the citizen (or a colleague) wrote goes through ``display_text`` / ``display_line``
(docs/envelope.md section 17): no control character, escape sequence or bidirectional override
reaches the terminal, and it is printed as plain text (never through rich's markup).
"""

from __future__ import annotations

from collections.abc import Iterator

from envelope.names import display_line, display_text

from .conversation import ConversationItem
from .files import read_json

WHO = {"message": "citizen", "reply": "police"}


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


def thread_lines(ws, case_id: str, items: list[ConversationItem], *, read_by_citizen_up_to: int | None
                 ) -> Iterator[str]:
    """The lines to print, oldest first (the server's order)."""
    folder = ws.case_dir(case_id)
    for item in sorted(items, key=lambda i: i.seq):
        if item.status != "verified":
            yield f"#{item.seq}  REFUSED {item.kind} {item.item_id[:8]}: {item.error_code} (not shown)"
            continue
        record = read_json(folder / item.saved_as, {}) or {}
        who = WHO.get(item.kind, item.kind)
        if item.author:
            who += f" - {display_line(item.author)}"
        seen = ""
        if item.kind == "reply" and read_by_citizen_up_to is not None and item.seq <= read_by_citizen_up_to:
            seen = "  (read by the citizen)"
        yield f"#{item.seq}  {item.written_at} UTC (sender's clock)  {who}{seen}"
        text = display_text(record.get("text") or "")
        if text:
            yield _indent(text)
        for f in item.files:
            label = f"[{f.part}] {display_line(f.name, 100)} ({display_line(f.media_type, 60)} claimed"
            label += f"; {f.detected_media_type or 'unknown bytes'} found)" if f.status == "verified" else ")"
            if f.status == "verified":
                yield f"    file {label} -> {folder / f.saved_as}"
            elif f.status == "pending":
                yield f"    file {label}: not arrived yet"
            else:
                yield f"    file {label}: REFUSED {f.error_code}"
