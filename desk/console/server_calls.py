"""The few server calls a page makes while it is shown: short timeouts and no retries, so a slow
or absent server never holds a page; each answer is optional (the page says what is missing)."""

from __future__ import annotations

import requests

from ..client import Client

QUICK = (2, 5)  # connect, read


def _get(client: Client, path: str):
    try:
        response = requests.get(client._url(path), headers=dict(client.http.headers), timeout=QUICK)
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def case_audit(client: Client | None, case_id: str) -> list[dict] | None:
    """The case's part of the server's audit trail (who downloaded it, changed its status...),
    or None when the server has none or cannot be reached."""
    if client is None:
        return None
    body = _get(client, f"/cases/{case_id}/audit")
    entries = body.get("entries") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return None
    out = []
    for e in entries:
        if not isinstance(e, dict):
            continue
        detail = e.get("detail")
        if isinstance(detail, dict):
            detail = ", ".join(f"{k}: {v}" for k, v in detail.items() if isinstance(v, (str, int)))
        out.append({"at": e.get("at") if isinstance(e.get("at"), str) else "",
                    "actor": e.get("actor") if isinstance(e.get("actor"), str) else "",
                    "action": e.get("action") if isinstance(e.get("action"), str) else "",
                    "detail": detail if isinstance(detail, str) else ""})
    return out


def mark_read(client: Client | None, case_id: str, up_to: int) -> dict | None:
    """Tell the server the police read the citizen's messages up to ``up_to`` (best effort);
    its answer (with the case's ``unread_messages``), or None."""
    if client is None:
        return None
    try:
        response = requests.post(client._url(f"/cases/{case_id}/read"), json={"up_to": up_to},
                                 headers=dict(client.http.headers), timeout=QUICK)
    except requests.RequestException:
        return None
    if response.status_code >= 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
