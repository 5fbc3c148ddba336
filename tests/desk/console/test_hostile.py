"""Everything shown comes from an anonymous sender: payloads in every field and file name are
shown as text, and attachments are never served as documents."""

from __future__ import annotations

import json

from tests.desk.console.builder import jpeg

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(2)>{{7*7}}'
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<script>alert(document.cookie)</script></svg>')
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
# a GIF header that is also HTML: a sniffing browser could take it for either
POLYGLOT = b"GIF89a/*<html><script>alert(1)</script></html>*/=1;"


def hostile_report() -> dict:
    return {
        "place": {"text": XSS, "position": {"latitude": 47.0, "longitude": 6.0, "accuracy_m": XSS}},
        "when": {"seen_at": XSS, "frequency": XSS},
        "people": [{"clothing": XSS, "height": XSS, "signs": XSS, "role": XSS}],
        "vehicles": [{"type": XSS, "colour": XSS, "make": XSS, "plate": XSS}],
        "risks": {"children": True, "weapons": XSS, "details": XSS},
        "details": XSS, "written_at": XSS, "language": XSS,
        "contact": {"wanted": True, "phone": XSS, "email": XSS, "when": XSS},
        "coach": {"level": XSS, "missing": [XSS], "flags": [{"kind": XSS, "field": XSS, "phrase": XSS}],
                  "danger": {"active": True, "kinds": [XSS]}},
        "withdrawn": [{"name": XSS, "reason": XSS}],
    }


def test_every_field_and_file_name_is_shown_as_text(console, desk):
    cid = desk.add_case(hostile_report(), [(XSS + ".jpg", XSS, jpeg()), (XSS + ".svg", "image/svg+xml", SVG)],
                        messages=[XSS])
    console.reindex()
    for path in ("/", f"/cases/{cid}", "/?q=script", "/statistics"):
        page = console.get(path).text
        assert "<script>alert" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
        assert "<img src=x" not in page and "<svg onload" not in page
    page = console.get(f"/cases/{cid}").text
    assert page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 15  # each field, escaped, once each
    assert "{{7*7}}" in page and ">49<" not in page  # not evaluated as a template either


def test_a_report_of_the_wrong_shapes_does_not_break_the_pages(console, desk):
    weird = {"place": ["not", "an", "object"], "when": "x", "people": {"a": 1}, "vehicles": [None, 3, "x"],
             "risks": {"children": "yes"}, "contact": {"wanted": "true"}, "coach": {"level": 99, "flags": "x"},
             "details": {"nested": True}}
    cid = desk.add_case(weird)
    console.reindex()
    page = console.get(f"/cases/{cid}")
    assert page.status_code == 200
    row = console.get("/").text
    assert "risk-children" not in row and "Souhaité" not in row  # "yes" and "true" are not true


def test_svg_html_and_polyglots_are_downloads_never_documents(console, desk):
    cid = desk.add_case({"details": "x"}, [("photo.jpg", "image/jpeg", SVG), ("page.html", "text/html", HTML),
                                           ("p.gif", "image/gif", POLYGLOT), ("ok.jpg", "image/jpeg", jpeg())])
    console.reindex()
    page = console.get(f"/cases/{cid}").text
    assert page.count("<img ") == 2  # the real JPEG, and the polyglot as the GIF its bytes say it is
    for part in (1, 2):
        for mode in ("view", "download"):
            r = console.get(f"/cases/{cid}/attachments/{part}/{mode}")
            assert r.status_code == 200
            assert r.headers["Content-Type"] == "application/octet-stream"
            assert r.headers["Content-Disposition"].startswith("attachment;")
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in r.headers["Content-Security-Policy"]
    for part, media_type in ((3, "image/gif"), (4, "image/jpeg")):
        # shown inside <img> only, typed by its bytes, never sniffed into a page, sandboxed if opened
        shown = console.get(f"/cases/{cid}/attachments/{part}/view")
        assert shown.headers["Content-Type"] == media_type
        assert shown.headers["Content-Disposition"].startswith("inline")
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in shown.headers["Content-Security-Policy"]
        assert console.get(f"/cases/{cid}/attachments/{part}/download").headers["Content-Type"] == \
            "application/octet-stream"


def test_a_verification_file_cannot_point_outside_the_case(console, desk):
    cid = desk.add_case({"details": "x"}, [("a.jpg", "image/jpeg", jpeg())])
    path = desk.ws.case_dir(cid) / "verification.json"
    ver = json.loads(path.read_text())
    ver["attachments"][0]["saved_as"] = "../../keyring/" + next(desk.ws.keyring_dir.iterdir()).name
    path.write_text(json.dumps(ver))
    assert console.get(f"/cases/{cid}/attachments/1/download").status_code == 404


def test_case_ids_are_checked(console):
    for bad in ("..%2f..%2fkeyring", "0" * 31, "G" * 32, "0" * 32):
        assert console.get(f"/cases/{bad}").status_code == 404


def test_a_video_plays_inline_and_seeks(console, desk):
    # an MP4 by its bytes (ftyp box), whatever its claimed name and type
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 40
    cid = desk.add_case({"details": "x"}, [("clip.bin", "application/octet-stream", mp4)])
    console.reindex()
    page = console.get(f"/cases/{cid}").text
    assert "<video controls" in page and "1 vidéo(s)" in console.get("/").text
    r = console.get(f"/cases/{cid}/attachments/1/view", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.headers["Content-Type"] == "video/mp4" and len(r.data) == 100
    assert r.data == mp4[100:200]
