"""Fetch new ciphertext since the last cursor. Resumable: the cursor only moves once every
item of a page is safely on disk, and a half-downloaded item resumes where it stopped.

The server's listing is not trusted (docs/envelope.md, section 15): its ids become folder and
file names here, so a page whose ids, kinds or sizes are not well formed is refused before
anything is written; what each envelope really is, is decided when it is opened (desk.decrypt)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from envelope.vocabulary import ITEM_KINDS

from .client import Client, DeskError
from .files import private_dir, read_json, write_json
from .safe import markup
from .workspace import Workspace


_ID = re.compile(r"[0-9a-f]{32}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
KINDS = ITEM_KINDS


def _is_int(value, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def check_page(page) -> None:
    """Refuse a change-feed page that could not come from an honest server."""
    def bad(why: str):
        raise DeskError(f"the server's listing is malformed ({why}); nothing was saved from this page")

    if not isinstance(page, dict) or not isinstance(page.get("cases"), list) or not isinstance(page.get("items"), list):
        bad("not a page")
    if not _is_int(page.get("cursor"), 0, 2**63) or not isinstance(page.get("more"), bool):
        bad("cursor")
    for case in page["cases"]:
        if not isinstance(case, dict) or not isinstance(case.get("case_id"), str) or not _ID.fullmatch(case["case_id"]):
            bad("a case id")
    for item in page["items"]:
        if not isinstance(item, dict):
            bad("an item")
        for key in ("item_id", "case_id"):
            if not isinstance(item.get(key), str) or not _ID.fullmatch(item[key]):
                bad(f"an item's {key}")
        if item.get("kind") not in KINDS or not _is_int(item.get("part_index"), 0, 2**32 - 1):
            bad("an item's kind or part")
        if not _is_int(item.get("size"), 1, 2**40) or not _is_int(item.get("seq"), 1, 2**63):
            bad("an item's size or sequence number")
        if not isinstance(item.get("sha256"), str) or not _SHA256.fullmatch(item["sha256"]):
            bad("an item's SHA-256")
    deleted = page.get("deleted", [])  # absent from servers without retention
    if not isinstance(deleted, list):
        bad("deleted cases")
    for gone in deleted:
        # these ids name folders this desk removes: nothing but a well-formed id gets near rmtree
        if not isinstance(gone, dict) or not isinstance(gone.get("case_id"), str) or not _ID.fullmatch(gone["case_id"]):
            bad("a deleted case id")


def forget_case(ws: Workspace, case_id: str) -> bool:
    """Remove this desk's copies of a case the server deleted (retention): its ciphertext and
    what was decrypted from it. True if there was anything to remove."""
    found = False
    for folder in (ws.ciphertext_dir(case_id), ws.case_dir(case_id)):
        if folder.is_dir():
            shutil.rmtree(folder)
            found = True
    return found


@dataclass
class SyncReport:
    cases: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # cases the server deleted and this desk forgot
    items: int = 0
    bytes: int = 0
    cursor: int = 0


def _save_read_mark(ws: Workspace, mark) -> None:
    """A read mark of the feed (who read a case's conversation up to which item) into the case's
    record, where ``unread_messages`` counts from it. Malformed marks are ignored, not saved."""
    if not isinstance(mark, dict) or not isinstance(mark.get("case_id"), str) or not _ID.fullmatch(mark["case_id"]):
        return
    if mark.get("by") not in ("citizen", "police") or not _is_int(mark.get("up_to"), 0, 2**63):
        return
    meta = ws.load_case_meta(mark["case_id"])
    meta[f"read_by_{mark['by']}_up_to"] = mark["up_to"]
    ws.save_case_meta(mark["case_id"], meta)


def unread_messages(meta: dict) -> int:
    """Citizen messages listed after the police's read mark (from this desk's copy of the feed)."""
    read = meta.get("read_by_police_up_to")
    read = read if type(read) is int else 0
    return sum(1 for i in (meta.get("items") or {}).values() if i.get("kind") == "message" and i.get("seq", 0) > read)


def sync(client: Client, ws: Workspace, *, page_size: int = 200, show_progress: bool = True,
         on_page: Callable[[dict], None] | None = None) -> SyncReport:
    """Download every item listed since the saved cursor. ``on_page`` sees each page once it is
    saved (``tipline-desk watch`` announces what it brought)."""
    state = read_json(ws.sync_file, {})
    if state.get("server") not in (None, client.server):
        raise ValueError(f"this desk folder syncs {state['server']}; use another TIPLINE_DESK_HOME for {client.server}")
    cursor = int(state.get("cursor", 0))
    report = SyncReport(cursor=cursor)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                        disable=not show_progress, transient=False)
    with progress:
        while True:
            page = client.changes(since=cursor, limit=page_size)
            check_page(page)
            # Deletions first: a tombstone comes before anything of a case opened again under its id.
            for gone in page.get("deleted", []):
                if forget_case(ws, gone["case_id"]):
                    report.deleted.add(gone["case_id"])
            for case in page["cases"]:
                meta = ws.load_case_meta(case["case_id"])
                meta.update({k: v for k, v in case.items() if k != "items"})
                ws.save_case_meta(case["case_id"], meta)
                report.cases.add(case["case_id"])
            for item in page["items"]:
                case_id = item["case_id"]
                dest = ws.envelope_path(case_id, item["item_id"])
                private_dir(dest.parent)
                if not dest.exists():
                    # checked by check_page, and escaped all the same: the description is read as markup
                    task = progress.add_task(markup(f"{item['kind']:10} {item['item_id'][:8]}"), total=item["size"])
                    client.download(item, dest, lambda n, t=task: progress.advance(t, n))
                    report.bytes += item["size"]
                meta = ws.load_case_meta(case_id)
                meta.setdefault("items", {})[item["item_id"]] = item
                ws.save_case_meta(case_id, meta)
                report.cases.add(case_id)
                report.items += 1
            for mark in page.get("reads") or []:
                _save_read_mark(ws, mark)
            cursor = page["cursor"]
            write_json(ws.sync_file, {"server": client.server, "cursor": cursor})
            if on_page is not None:
                on_page(page)
            if not page["more"]:
                break
    report.cursor = cursor
    return report
