"""What travels in the streams, as Redis stream fields. The wire stays app/protocol.py's
events as JSON (`dumps`: NaN and infinities as null); a frame's bytes travel as they are,
and so do a checkpoint's (safetensors files, beside its JSON). Nothing is ever pickled: a
Redis any host can write to must not run code in a reader."""

from __future__ import annotations

import json
from typing import Any

from app.protocol import dumps
from app.worker.api import Event

CHECKPOINT_FILES = ("weights", "optimizer")  # a checkpoint's safetensors bytes

# Stream fields as redis-py takes them (its stubs want invariant dicts of its own unions).
Fields = dict[Any, Any]


class CodecError(ValueError):
    """A stream entry that is not one of ours (written by another version, or by hand)."""


def encode_event(event: Event) -> Fields:
    """A run's event (an app/worker/api.py event dict) as stream fields."""
    if event["type"] == "frame":
        return {"frame": event["data"], "slow": b"1" if event.get("slow") else b"0"}
    if event["type"] == "checkpoint":
        meta = {k: v for k, v in event.items() if k not in CHECKPOINT_FILES}
        return {"json": dumps(meta)} | {name: event[name] for name in CHECKPOINT_FILES}
    return {"json": dumps(event)}


def decode_event(run: str, fields: dict[bytes, bytes]) -> Event:
    """The event dict back, as the pool's `deliver` callback expects it."""
    if b"frame" in fields:
        return {
            "type": "frame",
            "run": run,
            "data": fields[b"frame"],
            "slow": fields.get(b"slow") == b"1",
        }
    event = _json_object(fields, b"json")
    if event.get("type") == "checkpoint":
        event |= _checkpoint_files(fields)
    return event


def checkpoint_size(checkpoint: dict[str, Any]) -> int:
    """Bytes a checkpoint (an event, or a recorded run's to reopen) puts on a stream."""
    return sum(len(checkpoint[name]) for name in CHECKPOINT_FILES)


def _checkpoint_files(fields: dict[bytes, bytes]) -> dict[str, bytes]:
    try:
        return {name: fields[name.encode()] for name in CHECKPOINT_FILES}
    except KeyError as error:
        raise CodecError(f"a checkpoint entry without its {error} file") from None


def encode_command(message: dict[str, Any]) -> Fields:
    """A control message for a run's owner: a validated client message (model_dump), or
    {"type": "close"} / {"type": "adopt"} from a replica."""
    return {"json": json.dumps(message)}


def decode_command(fields: dict[bytes, bytes]) -> dict[str, Any]:
    return _json_object(fields, b"json")


def encode_job(
    run: str, spec: dict[str, Any], paused: bool, checkpoint: dict[str, Any] | None = None
) -> Fields:
    """A new run on a dispatch stream: its id, its validated spec, whether it starts paused,
    and a recorded run's checkpoint to continue from, if any ({"weights", "optimizer",
    "epoch"}: its files travel as bytes)."""
    fields: Fields = {"run": run, "spec": json.dumps(spec), "paused": b"1" if paused else b"0"}
    if checkpoint is not None:
        fields["checkpoint"] = json.dumps({"epoch": int(checkpoint["epoch"])})
        fields |= {name: checkpoint[name] for name in CHECKPOINT_FILES}
    return fields


def decode_job(
    fields: dict[bytes, bytes],
) -> tuple[str, dict[str, Any], bool, dict[str, Any] | None]:
    """(run id, spec, paused, checkpoint or None)."""
    try:
        run = fields[b"run"].decode()
    except (KeyError, UnicodeDecodeError) as error:
        raise CodecError(f"a dispatch entry without a run id: {error}") from None
    checkpoint = None
    if b"checkpoint" in fields:
        checkpoint = _json_object(fields, b"checkpoint") | _checkpoint_files(fields)
    return run, _json_object(fields, b"spec"), fields.get(b"paused") == b"1", checkpoint


def _json_object(fields: dict[bytes, bytes], name: bytes) -> dict[str, Any]:
    try:
        value = json.loads(fields[name])
    except (KeyError, ValueError) as error:
        raise CodecError(f"a stream entry without a valid {name.decode()!r}: {error}") from None
    if not isinstance(value, dict):
        raise CodecError(f"a stream entry whose {name.decode()!r} is not an object")
    return value
