"""A Python stand-in for the citizen's phone: encrypts with envelope.seal and uploads through
the real HTTP API, the way the PWA does (small items in one PUT, large ones in chunks)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests

from envelope.bundle import KeyBundle, verify_bundle
from envelope.constants import Kind
from envelope.manifest import AttachmentEntry
from envelope.seal import encrypt_stream

from .pow import requests_get, work_headers

DIRECT_LIMIT = 4 * 1024 * 1024
CHUNK_SIZE = 1024 * 1024


def digest_header(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


@dataclass
class Sealed:
    case_id: str
    item_id: str
    path: Path
    size: int
    sha256: str
    header_size: int
    entry: AttachmentEntry | None = None
    result: object = None  # envelope.seal.SealResult


@dataclass
class SentCase:
    case_id: str
    report_item: str
    attachments: list[Sealed] = field(default_factory=list)


class Phone:
    def __init__(self, base_url: str, workdir: Path, *, http: requests.Session | None = None,
                 chunk_size: int = CHUNK_SIZE, direct_limit: int = DIRECT_LIMIT):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.workdir = Path(workdir)
        self.http = http or requests.Session()
        self.chunk_size = chunk_size
        self.direct_limit = direct_limit

    # --- keys ---------------------------------------------------------------------------
    def fetch_bundle(self, root_public_key: bytes, origin: str) -> KeyBundle:
        r = self.http.get(f"{self.base}/key-bundle", timeout=30)
        r.raise_for_status()
        return verify_bundle(r.text, root_public_key, origin=origin)

    # --- encryption -----------------------------------------------------------------------
    def seal(self, case_id: str, kind: Kind, part: int, source, length: int, recipients: list[bytes]) -> Sealed:
        item_id = os.urandom(16)
        fd, name = tempfile.mkstemp(dir=self.workdir, suffix=".env")
        with os.fdopen(fd, "wb") as sink:
            result = encrypt_stream(source, sink, content_length=length, kind=kind, case_id=bytes.fromhex(case_id),
                                    part_index=part, recipients=recipients, envelope_id=item_id)
        path = Path(name)
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        return Sealed(case_id, item_id.hex(), path, path.stat().st_size, digest.hexdigest(), result.header.size,
                      result=result)

    def seal_attachment(self, case_id: str, part: int, path: Path, name: str, media_type: str,
                        recipients: list[bytes]) -> Sealed:
        with open(path, "rb") as src:
            sealed = self.seal(case_id, Kind.ATTACHMENT, part, src, path.stat().st_size, recipients)
        sealed.entry = AttachmentEntry.from_seal(sealed.result, name=name, media_type=media_type)
        return sealed

    def seal_report(self, case_id: str, fields: dict, entries: list[AttachmentEntry],
                    recipients: list[bytes]) -> Sealed:
        body = json.dumps({**fields, "attachments": [e.to_json() for e in entries]}, ensure_ascii=False).encode()
        return self.seal(case_id, Kind.REPORT, 0, io.BytesIO(body), len(body), recipients)

    # --- upload ---------------------------------------------------------------------------
    def work(self, purpose: str, size: int = 0) -> dict:
        """A proof of work for a new case or an item of ``size`` bytes (docs/api.md)."""
        return work_headers(requests_get(self.http, self.base.removesuffix("/api/v1")), purpose, size)

    def open_case(self, case_id: str) -> requests.Response:
        r = self.http.put(f"{self.base}/cases/{case_id}", timeout=30, headers=self.work("case"))
        r.raise_for_status()
        return r

    def upload(self, sealed: Sealed) -> dict:
        if sealed.size <= self.direct_limit:
            data = sealed.path.read_bytes()
            headers = {"Content-Type": "application/octet-stream", "Content-Digest": digest_header(data)}
            url = f"{self.base}/cases/{sealed.case_id}/items/{sealed.item_id}"
            r = self.http.put(url, data=data, timeout=60, headers=headers)
            if r.status_code == 428:  # past the case's free allowance: pay for this item's size
                r = self.http.put(url, data=data, timeout=60, headers={**headers, **self.work("upload", sealed.size)})
            r.raise_for_status()
            return r.json()
        return self.upload_chunked(sealed)

    def upload_url(self, sealed: Sealed) -> str:
        return f"{self.base}/cases/{sealed.case_id}/uploads/{sealed.item_id}"

    def create_upload(self, sealed: Sealed) -> dict:
        with open(sealed.path, "rb") as f:
            header = f.read(sealed.header_size)
        r = self.http.put(self.upload_url(sealed), timeout=30, headers=self.work("upload", sealed.size), json={
            "size": sealed.size, "chunk_size": self.chunk_size, "sha256": sealed.sha256,
            "header": base64.b64encode(header).decode()})
        r.raise_for_status()
        return r.json()

    def put_chunk(self, sealed: Sealed, index: int) -> requests.Response:
        with open(sealed.path, "rb") as f:
            f.seek(index * self.chunk_size)
            data = f.read(self.chunk_size)
        return self.http.put(f"{self.upload_url(sealed)}/chunks/{index}", data=data, timeout=60,
                             headers={"Content-Type": "application/octet-stream",
                                      "Content-Digest": digest_header(data)})

    def upload_chunked(self, sealed: Sealed) -> dict:
        state = self.create_upload(sealed)
        if not state["complete"]:
            held = set(self.http.get(self.upload_url(sealed), timeout=30).json()["received"])
            for index in range(state["chunk_count"]):
                if index not in held:
                    self.put_chunk(sealed, index).raise_for_status()
            r = self.http.post(f"{self.upload_url(sealed)}/complete", timeout=120)
            r.raise_for_status()
            state = r.json()
        return state["item"]

    # --- the whole flow -------------------------------------------------------------------
    def send_report(self, fields: dict, attachments: list[tuple[Path, str, str]], recipients: list[bytes]) -> SentCase:
        case_id = os.urandom(16).hex()
        self.open_case(case_id)
        sealed = [self.seal_attachment(case_id, i + 1, p, n, t, recipients) for i, (p, n, t) in enumerate(attachments)]
        report = self.seal_report(case_id, fields, [s.entry for s in sealed], recipients)
        for s in sealed:
            self.upload(s)
        self.upload(report)
        return SentCase(case_id, report.item_id, sealed)
