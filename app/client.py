"""A small reference client for `WS /ws` (docs/protocol.md), used by the tests and the
benchmark:

    async with await connect("http://127.0.0.1:8000") as c:
        await c.start(spec)
        await c.view(["neurons", "boundary"], fps=20)
        status = await c.wait_for(lambda e: e["type"] == "status" and e["step"] >= 100)

Events are dicts: JSON messages as sent (parsed strictly: a NaN or Infinity raises), and
binary frames as {"type": "frame", "header": {...}, "arrays": {name: np.ndarray}}. Each is
checked against the protocol's models (`ServerEvent`, `FrameHeader`): an event that
docs/protocol.md does not describe raises pydantic's ValidationError.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from app.protocol import SERVER_EVENT, FrameHeader, decode_frame

Event = dict[str, Any]


def ws_url(url: str, session: str | None = None) -> str:
    """'http://host:port' (or ws://, with or without /ws) -> 'ws://host:port/ws[?session=]';
    a query the URL has (e.g. `?kind=lesson`) is kept."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path.endswith("/ws") else parts.path.rstrip("/") + "/ws"
    query = "&".join(q for q in (parts.query, f"session={quote(session)}" if session else "") if q)
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"the server sent {name}, which JSON does not have")


def decode_event(message: str | bytes) -> Event:
    if isinstance(message, bytes):
        header, arrays = decode_frame(message)
        FrameHeader.model_validate(header)
        return {"type": "frame", "header": header, "arrays": arrays}
    event: Event = json.loads(message, parse_constant=_refuse_constant)
    SERVER_EVENT.validate_python(event)
    return event


class Client:
    """One socket to the server. `hello` is the server's first message."""

    def __init__(self, connection: ClientConnection, hello: Event) -> None:
        self.connection, self.hello = connection, hello
        self.session: str = hello["session"]

    # --- receiving ---

    async def next_event(self, timeout: float = 10.0) -> Event:
        """The next event; TimeoutError if none comes in time, ConnectionClosed at the end."""
        message = await asyncio.wait_for(self.connection.recv(), timeout)
        return decode_event(message)

    async def events(self) -> AsyncIterator[Event]:
        """Every event until the socket closes."""
        async for message in self.connection:
            yield decode_event(message)

    async def wait_for(self, predicate: Callable[[Event], Any], timeout: float = 10.0) -> Event:
        """Reads events until one satisfies `predicate` and returns it (the others are
        consumed); TimeoutError after `timeout` seconds in all."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching event within {timeout:g} s")
            event = await self.next_event(left)
            if predicate(event):
                return event

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code

    @property
    def close_reason(self) -> str | None:
        return self.connection.close_reason

    # --- sending ---

    async def send(self, message: Event) -> None:
        await self.connection.send(json.dumps(message, allow_nan=False))

    async def start(self, spec: dict[str, Any], paused: bool = False) -> None:
        await self.send({"type": "start", "spec": spec, "paused": paused})

    async def pause(self) -> None:
        await self.send({"type": "pause"})

    async def resume(self) -> None:
        await self.send({"type": "resume"})

    async def step(self, n: int = 1) -> None:
        await self.send({"type": "step", "n": n})

    async def reset(self, seed: int | None = None) -> None:
        await self.send({"type": "reset", "seed": seed})

    async def set(self, **params: Any) -> None:
        await self.send({"type": "set", "params": params})

    async def view(self, views: list[str], **options: Any) -> None:
        """Options: fps, grid, boundary_grid, sample, input (see docs/protocol.md)."""
        await self.send({"type": "view", "views": views, **options})

    async def predict(self, inputs: Any, id: int = 0) -> None:
        await self.send({"type": "predict", "id": id, "input": inputs})

    async def generate(
        self, length: int = 50, temperature: float = 1.0, prefix: str = "", id: int = 0
    ) -> None:
        """Text from a character model; the answer is a `generated` event with this id."""
        message = {"length": length, "temperature": temperature, "prefix": prefix, "id": id}
        await self.send({"type": "generate", **message})

    async def speed(self, steps_per_second: float | None) -> None:
        await self.send({"type": "speed", "steps_per_second": steps_per_second})

    # --- closing ---

    async def close(self) -> None:
        await self.connection.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()


async def connect(
    url: str,
    origin: str | None = None,
    session: str | None = None,
    timeout: float = 10.0,
    **options: Any,
) -> Client:
    """Opens a socket to the server at `url` (http://host:port or a ws:// URL), resuming
    `session` if given, and reads its hello. `options` go to `websockets`' connect (e.g.
    host/port to reach a different address than the URL names). A refused handshake raises
    `websockets.exceptions.InvalidStatus` (its `.response` has the status and JSON body)."""
    options.setdefault("max_size", 64 * 1024**2)  # a metrics backlog can be large
    connection = await ws_connect(
        ws_url(url, session),
        origin=origin,  # type: ignore[arg-type]
        open_timeout=timeout,
        **options,
    )
    try:
        hello = decode_event(await asyncio.wait_for(connection.recv(), timeout))
    except BaseException:
        await connection.close()
        raise
    if hello.get("type") != "hello":
        await connection.close()
        raise RuntimeError(f"expected hello, got {hello.get('type')!r}")
    return Client(connection, hello)
