"""POST /api/export refuses what a browser may send it, in words, before asking any worker
(the download itself: tests/page/test_page_export.py)."""

from __future__ import annotations

import httpx


def test_export_refuses_bad_bodies_in_words(ws_server: str) -> None:
    url = f"{ws_server}/api/export"
    with httpx.Client(timeout=30) as client:
        missing = client.post(url, json={})
        assert missing.status_code == 422
        assert missing.json()["errors"] == [{"field": "session", "message": "session is missing"}]
        long = client.post(url, json={"session": "x" * 201})
        assert long.status_code == 422 and "200" in long.json()["detail"]
        assert "x" * 50 not in long.text  # the value is never echoed
        extra = client.post(url, json={"session": "a", "path": "/etc/passwd"})
        assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "path"
        garbage = client.post(url, content=b"\xff{not json")
        assert garbage.status_code == 422 and "Traceback" not in garbage.text
        unknown = client.post(url, json={"session": "no-such-session"})
        assert unknown.status_code == 404
        assert unknown.json() == {"detail": "there is no run to export: press play (or step) first"}
