"""A run's four streams: control (commands from any replica to its owner, read through a
consumer group and acknowledged by the owner), events (metrics, statuses, errors; never
trimmed while the run lives, so a page that reconnects elsewhere replays them), frames
(exactly `FRAME_MAXLEN` kept: latest wins, a stalled reader costs bounded memory), and
checkpoints (the latest only, for the runs database of the replica that records it)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.cluster import codec, names
from app.worker.api import Event

StreamIds = dict[str, Any]  # stream name -> the last entry id read from it


async def send_command(redis: Redis, run: str, message: dict[str, Any]) -> None:
    await redis.xadd(names.control_stream(run), codec.encode_command(message))


async def open_control(redis: Redis, run: str) -> None:
    """The owner's consumer group on the run's control stream, from its first command."""
    try:
        await redis.xgroup_create(
            names.control_stream(run), names.CONTROL_GROUP, id="0", mkstream=True
        )
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


async def take_commands(
    redis: Redis, runs: list[str], host: str, block_ms: int | None
) -> list[tuple[str, dict[str, Any]]]:
    """The commands waiting for `runs` (owned by `host`), in order per run, acknowledged."""
    if not runs:
        return []
    streams: dict[Any, Any] = {names.control_stream(r): ">" for r in runs}
    try:
        replies: Any = await redis.xreadgroup(names.CONTROL_GROUP, host, streams, block=block_ms)
    except ResponseError as error:
        if "NOGROUP" not in str(error):
            raise
        for run in runs:  # Redis restarted empty: the groups again, from now on
            await open_control(redis, run)
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    for stream, entries in replies or []:
        run = _run_of(stream)
        for entry_id, fields in entries:
            await redis.xack(stream, names.CONTROL_GROUP, entry_id)
            try:
                out.append((run, codec.decode_command(fields)))
            except codec.CodecError:
                continue
    return out


def publish(pipe: Any, run: str, event: Event) -> None:
    """Queues `event` on a pipeline: a frame on the capped frame stream, a checkpoint on
    the checkpoint stream (the latest only), the rest on the event stream."""
    fields = codec.encode_event(event)
    if event["type"] == "frame":
        pipe.xadd(names.frames_stream(run), fields, maxlen=names.FRAME_MAXLEN, approximate=False)
    elif event["type"] == "checkpoint":
        stream = names.checkpoints_stream(run)
        pipe.xadd(stream, fields, maxlen=names.CHECKPOINT_MAXLEN, approximate=False)
    else:
        pipe.xadd(names.events_stream(run), fields, maxlen=names.EVENTS_MAXLEN, approximate=True)


async def last_id(redis: Redis, stream: str) -> Any:
    """The id of the stream's newest entry ("0" when it has none): to read only after it."""
    newest: Any = await redis.xrevrange(stream, count=1)
    return newest[0][0] if newest else "0"


async def announce_move(redis: Redis, run: str, replica: str) -> None:
    """Tells the replica that served the run before that `replica` serves it now: a
    `moved` event on its event stream, which never reaches a page."""
    event = {"type": "moved", "run": run, "replica": replica}
    await redis.xadd(
        names.events_stream(run),
        codec.encode_event(event),
        maxlen=names.EVENTS_MAXLEN,
        approximate=True,
    )


async def read_events(
    redis: Redis, last: StreamIds, block_ms: int | None, count: int = 200
) -> list[tuple[str, Event]]:
    """Events and frames after the ids in `last` (which it advances), as (run, event)."""
    if not last:
        return []
    wanted: dict[Any, Any] = dict(last)
    replies: Any = await redis.xread(wanted, count=count, block=block_ms)
    out: list[tuple[str, Event]] = []
    for raw_stream, entries in replies or []:
        stream = raw_stream.decode() if isinstance(raw_stream, bytes) else raw_stream
        run = _run_of(stream)
        for entry_id, fields in entries:
            last[stream] = entry_id
            try:
                out.append((run, codec.decode_event(run, fields)))
            except codec.CodecError:
                continue
    return out


def _run_of(stream: bytes | str) -> str:
    name = stream.decode() if isinstance(stream, bytes) else stream
    return name.removeprefix(names.PREFIX + "run:").split(":", 1)[0]
