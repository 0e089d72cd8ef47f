"""The outbox keeps what a slow client must not miss: the newest frame, and the newest frame
with the slow views (confusion, mistakes, gradient through time) when a newer frame without
them replaced it before sending."""

from __future__ import annotations

from app.web.sessions import Outbox


def frame(data: bytes, slow: bool) -> dict[str, object]:
    return {"type": "frame", "run": "r", "data": data, "slow": slow}


def test_a_frame_with_slow_views_is_not_replaced_by_a_fast_one() -> None:
    box = Outbox(max_points=10, max_events=10)
    box.put(frame(b"slow-1", slow=True))
    box.put(frame(b"fast-1", slow=False))
    box.put(frame(b"fast-2", slow=False))
    assert box.take() == [b"slow-1", b"fast-2"]
    assert box.take() == []


def test_a_newer_frame_with_slow_views_replaces_both() -> None:
    box = Outbox(max_points=10, max_events=10)
    box.put(frame(b"slow-1", slow=True))
    box.put(frame(b"fast-1", slow=False))
    box.put(frame(b"slow-2", slow=True))
    assert box.take() == [b"slow-2"]


def test_fast_frames_alone_keep_only_the_newest() -> None:
    box = Outbox(max_points=10, max_events=10)
    for i in range(3):
        box.put(frame(f"fast-{i}".encode(), slow=False))
    assert box.take() == [b"fast-2"]
