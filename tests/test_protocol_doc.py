"""Every JSON example in docs/protocol.md parses against the protocol's models: a client
message as a `ClientMessage`, a server event as a `ServerEvent` (a frame's header as a
`FrameHeader`, one of its arrays as a `FrameArray`). The doc and the code cannot drift."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.protocol import CLIENT_MESSAGE, SERVER_EVENT, FrameArray, FrameHeader, ServerEvent

DOC = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"
FENCED_JSON = re.compile(r"^ *```json\n(.*?)^ *```", re.MULTILINE | re.DOTALL)
CLIENT_TYPES = set(CLIENT_MESSAGE.json_schema()["discriminator"]["mapping"])
SERVER_TYPES = set(SERVER_EVENT.json_schema()["discriminator"]["mapping"])


def examples() -> list[Any]:
    """Each JSON object of each ```json block (a block may hold several, one a line)."""
    found = []
    decoder = json.JSONDecoder()
    for block in FENCED_JSON.findall(DOC.read_text()):
        text, at = block.strip(), 0
        while at < len(text):
            value, end = decoder.raw_decode(text, at)
            found.append(_without_ellipses(value))
            at = end
            while at < len(text) and text[at].isspace():
                at += 1
    return found


def _without_ellipses(value: Any) -> Any:
    """The doc writes `"..."` for the rest of a long list of numbers: drop it."""
    if isinstance(value, dict):
        return {k: _without_ellipses(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ellipses(v) for v in value if v != "..."]
    return value


EXAMPLES = examples()


def test_the_doc_has_an_example_of_every_message_and_event() -> None:
    shown = {e.get("type") for e in EXAMPLES}
    assert CLIENT_TYPES <= shown, CLIENT_TYPES - shown
    assert SERVER_TYPES <= shown, SERVER_TYPES - shown


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e.get("type", e.get("name"))))
def test_each_example_parses(example: dict[str, Any]) -> None:
    kind = example.get("type")
    if kind in CLIENT_TYPES:
        CLIENT_MESSAGE.validate_python(example)
    elif kind in SERVER_TYPES:
        event: ServerEvent = SERVER_EVENT.validate_python(example)
        assert isinstance(event, FrameHeader) or event.wire() == example  # nothing added
    else:
        assert kind is None, f"unknown type {kind!r}"
        FrameArray.model_validate(example)  # a frame's array, shown on its own
