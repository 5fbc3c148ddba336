"""Fetch new ciphertext since the last cursor. Resumable: the cursor only moves once every
item of a page is safely on disk, and a half-downloaded item resumes where it stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from .client import Client
from .files import private_dir, read_json, write_json
from .workspace import Workspace


@dataclass
class SyncReport:
    cases: set[str] = field(default_factory=set)
    items: int = 0
    bytes: int = 0
    cursor: int = 0


def sync(client: Client, ws: Workspace, *, page_size: int = 200, show_progress: bool = True) -> SyncReport:
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
                    task = progress.add_task(f"{item['kind']:10} {item['item_id'][:8]}", total=item["size"])
                    client.download(item, dest, lambda n, t=task: progress.advance(t, n))
                    report.bytes += item["size"]
                meta = ws.load_case_meta(case_id)
                meta.setdefault("items", {})[item["item_id"]] = item
                ws.save_case_meta(case_id, meta)
                report.cases.add(case_id)
                report.items += 1
            cursor = page["cursor"]
            write_json(ws.sync_file, {"server": client.server, "cursor": cursor})
            if not page["more"]:
                break
    report.cursor = cursor
    return report
