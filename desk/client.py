"""The desk's HTTP client for the operator API."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TIMEOUT = (10, 120)


class DeskError(Exception):
    pass


class ApiFailure(DeskError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code = status, code


def check_server_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeskError(f"not a server URL: {url!r}")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise DeskError("refusing plain http to a remote server: use https")
    return url.rstrip("/")


class Client:
    def __init__(self, server: str, token: str | None = None):
        self.server = check_server_url(server)
        self.http = requests.Session()
        # GETs are retried on connection errors and 5xx with backoff; writes are not.
        retry = Retry(total=5, backoff_factor=0.5, status_forcelist=(502, 503, 504), allowed_methods={"GET"})
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.http.mount("https://", HTTPAdapter(max_retries=retry))
        self.http.headers["User-Agent"] = "tipline-desk"
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        return f"{self.server}/api/operator/v1{path}"

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, self._url(path), timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise DeskError(f"cannot reach {self.server}: {exc}") from None
        if response.status_code >= 400:
            try:
                body = response.json()
                code, message = body["error"], body["message"]
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", response.reason
            if response.status_code == 401 and code != "invalid_credentials":
                message += " — run `tipline-desk login`"
            raise ApiFailure(response.status_code, code, message)
        return response

    def login(self, username: str, password: str, code: str | None = None, device: str | None = None) -> dict:
        body = {"username": username, "password": password}
        body.update({k: v for k, v in (("code", code), ("device", device)) if v})
        return self._call("POST", "/session", json=body).json()

    def logout(self) -> None:
        self._call("DELETE", "/session")

    def whoami(self) -> dict:
        return self._call("GET", "/whoami").json()

    def changes(self, since: int, limit: int = 200) -> dict:
        return self._call("GET", "/changes", params={"since": since, "limit": limit}).json()

    def case(self, case_id: str) -> dict:
        return self._call("GET", f"/cases/{case_id}").json()

    def set_status(self, case_id: str, status: str) -> dict:
        return self._call("PUT", f"/cases/{case_id}/status", json={"status": status}).json()

    def record_export(self, case_id: str, what: str) -> dict:
        """Tell the server's audit trail that this desk exported the case (case_file_pdf, originals_zip)."""
        return self._call("POST", f"/cases/{case_id}/audit", json={"action": "exported", "what": what}).json()

    def set_assignee(self, case_id: str, assignee: str | None) -> dict:
        return self._call("PUT", f"/cases/{case_id}/assignee", json={"assignee": assignee}).json()

    # --- the conversation (docs/conversation.md) ------------------------------------------
    def key_bundle(self) -> dict:
        """The signed key bundle the server hands to phones (a public route; verify it before use)."""
        try:
            response = self.http.get(f"{self.server}/api/v1/key-bundle", timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise DeskError(f"cannot reach {self.server}: {exc}") from None
        if response.status_code != 200:
            raise DeskError(f"the server has no key bundle to give ({response.status_code})")
        try:
            return response.json()
        except ValueError:
            raise DeskError("the server's key bundle is not JSON") from None

    def put_item(self, case_id: str, item_id: str, path: Path) -> dict:
        """Store a reply or a reply's attachment (an envelope sealed here) in one PUT; the answer
        must name that item and the SHA-256 of what was sent."""
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Digest": "sha-256=:" + base64.b64encode(digest.digest()).decode() + ":"}
        with open(path, "rb") as f:
            answer = self._call("PUT", f"/cases/{case_id}/items/{item_id}", data=f, headers=headers).json()
        if answer.get("item_id") != item_id or answer.get("sha256") != digest.hexdigest():
            raise DeskError(f"the server's receipt for item {item_id} does not match what was sent")
        return answer

    def mark_read(self, case_id: str, up_to: int) -> dict:
        return self._call("POST", f"/cases/{case_id}/read", json={"up_to": up_to}).json()

    def wait_for_changes(self, after: int, timeout: float = 60) -> int | None:
        """Long poll: the change feed's sequence once it differs from ``after`` (or the same after
        the server's wait). None when the server has no live route (then poll ``changes``)."""
        try:
            response = self.http.get(self._url("/events/operator"), params={"after": after},
                                     timeout=(TIMEOUT[0], timeout))
        except requests.RequestException as exc:
            raise DeskError(f"cannot reach {self.server}: {exc}") from None
        if response.status_code in (404, 405):
            return None
        if response.status_code >= 400:
            raise ApiFailure(response.status_code, "http_error", f"the live feed answered {response.status_code}")
        try:
            seq = response.json()["seq"]
        except (ValueError, KeyError, TypeError):
            raise DeskError("the live feed's answer is malformed") from None
        if type(seq) is not int or seq < 0:
            raise DeskError("the live feed's answer is malformed")
        return seq

    def download(self, item: dict, dest: Path, progress: Callable[[int], None] = lambda n: None) -> None:
        """Fetch an item's ciphertext into ``dest``, resuming a ``.part`` file with a Range request,
        and rename it into place only once its size and SHA-256 match what the server listed."""
        part = dest.with_name(dest.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        if have > item["size"]:
            part.unlink()
            have = 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        if have == item["size"]:
            response = None
        else:
            response = self._call("GET", f"/items/{item['item_id']}/content", headers=headers, stream=True)
            if have and response.status_code != 206:
                have = 0  # the server sent the whole thing: start over
        progress(have)
        mode = "ab" if have else "wb"
        if response is not None:
            with response, open(part, mode) as f:
                for block in response.iter_content(256 * 1024):
                    f.write(block)
                    progress(len(block))
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        if part.stat().st_size != item["size"] or digest.hexdigest() != item["sha256"]:
            part.unlink()
            raise DeskError(f"item {item['item_id']} arrived damaged (size or SHA-256 differs); sync again")
        part.replace(dest)
