"""Proof of work in the real browser against the real server: the citizen's report still goes
through end to end (the crypto worker solves a case's and an attachment's challenges, the desk
decrypts what arrived), and a case opened without work, or with work already used, is refused."""

from __future__ import annotations

import re

from tests.browser.conftest import desk_decrypt, make_app_server
from tests.browser.helpers import (
    EXIF_MARKERS, FORM_CANARIES, attach, camera_jpeg, fill_report, open_app, scan_requests, send, wait_delivered,
    wait_for_key,
)

# Ten times the other browser tests' difficulty: the phone's search really runs (thousands of
# hashes per challenge) and still takes a moment.
MAX_NUMBER = 20_000


def test_report_goes_through_with_work_and_a_case_without_work_is_refused(tmp_path, desk_keys, pwa_build, page,
                                                                          media):
    srv = make_app_server(tmp_path, desk_keys, pwa_build, env={"TIPLINE_POW_MAX_NUMBER": str(MAX_NUMBER)}).start()
    try:
        open_app(page, srv.url, "signaler")
        wait_for_key(page)
        fill_report(page)
        attach(page, [camera_jpeg(media, tmp_path / "IMG_0001.jpg")])
        case_id = send(page)
        wait_delivered(page)
        assert page.js_errors == []
        assert desk_decrypt(srv)[case_id]["verdict"] == "VERIFIED"

        # what the phone sent: a challenge asked for each purpose, and the solution on the case's
        # opening and on the attachment's upload
        heads = [r.split(b"\n\n", 1)[0].decode("latin-1") for r in srv.requests()]
        asked = [h for h in heads if h.startswith("GET /api/v1/pow")]
        assert len(asked) >= 2
        opened = [h for h in heads if h.startswith(f"PUT /api/v1/cases/{case_id}\n")]
        uploads = [h for h in heads if re.match(rf"PUT /api/v1/cases/{case_id}/uploads/\w+\n", h)]
        assert opened and all("HTTP_X_TIPLINE_POW: " in h for h in opened[:1])
        assert uploads and "HTTP_X_TIPLINE_POW: " in uploads[0]

        # a case opened from the same page without work is refused; with the phone's used work too
        answers = page.evaluate("""async ([caseId, used]) => {
            const put = (id, headers) => fetch(`/api/v1/cases/${id}`, { method: "PUT", headers })
              .then(async (r) => [r.status, (await r.json()).error]);
            const fresh = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
              (b) => b.toString(16).padStart(2, "0")).join("");
            return [await put(fresh(), {}), await put(fresh(), { "X-Tipline-Pow": used }),
                    await put(caseId, {})];
        }""", [case_id, opened[0].split("HTTP_X_TIPLINE_POW: ", 1)[1].split("\n", 1)[0]])
        assert answers == [[428, "pow_required"], [403, "pow_invalid"], [200, None]]
        assert scan_requests(srv.requests(), [v.encode() for v in FORM_CANARIES.values()] + EXIF_MARKERS) == []
    finally:
        srv.stop()
