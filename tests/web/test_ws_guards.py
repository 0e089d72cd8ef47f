"""Bad input over the socket and refused handshakes: each gets its specific error event,
close code or HTTP status, and the server stays healthy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.client import Client, Event, connect
from app.settings import Settings

SPIRAL = {"data": {"dataset": "spiral", "n_samples": 200}}
DENSE_0 = {"type": "start", "spec": {"model": {"layers": [{"type": "dense", "units": 0}]}}}
CONV_ON_POINTS = {"type": "start", "spec": {**SPIRAL, "model": {"layers": [{"type": "conv2d"}]}}}

# (what the client sends, the error code, the field it names)
BAD_MESSAGES: list[tuple[str, str | bytes, str, str]] = [
    ("malformed JSON", '{"type": "pause"', "invalid", ""),
    ("not an object", "[1, 2]", "invalid", ""),
    ("no type", "{}", "invalid", "type"),
    ("unknown type", '{"type": "sudo-make-me-a-sandwich"}', "invalid", "type"),
    ("NaN", '{"type": "set", "params": {"lr": NaN}}', "invalid", "params.lr"),
    ("bad field", '{"type": "step", "n": 0}', "invalid", "n"),
    ("unknown key", '{"type": "pause", "x": 1}', "invalid", "x"),
    ("bad spec", json.dumps(DENSE_0), "invalid", "spec.model.layers.0.units"),
    ("impossible spec", json.dumps(CONV_ON_POINTS), "invalid", "spec.model.layers.0"),
    ("no run", '{"type": "resume"}', "no_run", "type"),
    ("binary", b"\x00\x01\x02", "invalid", ""),
]


async def healthy(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
    async with await connect(url) as c:  # and a new session still works
        await c.start(SPIRAL)
        await c.wait_for(lambda e: e["type"] == "metrics")


async def until_closed(c: Client) -> int | None:
    with pytest.raises(ConnectionClosed):
        await c.wait_for(lambda e: False)
    return c.close_code


@pytest.mark.parametrize(
    ("sent", "code", "field"), [case[1:] for case in BAD_MESSAGES], ids=[c[0] for c in BAD_MESSAGES]
)
def test_a_bad_message_gets_an_error_naming_the_field(
    ws_server: str, sent: str | bytes, code: str, field: str
) -> None:
    async def main() -> Event:
        async with await connect(ws_server) as c:
            await c.connection.send(sent)
            error = await c.wait_for(lambda e: e["type"] == "error")
            await c.pause()  # the socket stays open: this one is answered too
            assert (await c.wait_for(lambda e: e["type"] == "error"))["code"] == "no_run"
        await healthy(ws_server)
        return error

    error = asyncio.run(main())
    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"] and "sandwich" not in error["message"]  # input is never echoed
    if field.startswith("spec.model.layers.0") and "units" not in field:
        assert error["run"]  # found by the worker building the run, not the parser


def test_an_oversized_message_closes_with_1009(ws_server: str) -> None:
    async def main() -> int | None:
        async with await connect(ws_server) as c:
            await c.send({"type": "predict", "input": "x" * 70_000})
            return await until_closed(c)

    assert asyncio.run(main()) == 1009
    asyncio.run(healthy(ws_server))


def test_a_flood_gets_an_error_then_close_1008(ws_server: str) -> None:
    async def main() -> tuple[Event, int | None]:
        async with await connect(ws_server) as c:
            await c.start(SPIRAL, paused=True)
            for _ in range(200):
                try:
                    await c.pause()
                except ConnectionClosed:
                    break
            error = await c.wait_for(lambda e: e["type"] == "error")
            return error, await until_closed(c)

    error, code = asyncio.run(main())
    assert (error["code"], code) == ("rate_limited", 1008)
    assert "50" in error["message"]
    asyncio.run(healthy(ws_server))


async def refused(attempt: Awaitable[Client]) -> int:
    with pytest.raises(InvalidStatus) as e:
        await attempt
    return e.value.response.status_code


async def accepted(attempt: Awaitable[Client]) -> bool:
    c = await attempt
    await c.close()
    return c.hello["type"] == "hello"


def test_other_origins_are_refused_before_accept(ws_server: str, ws_settings: Settings) -> None:
    port = ws_server.rsplit(":", 1)[1]

    async def main() -> None:
        assert await refused(connect(ws_server, origin="http://evil.example")) == 403
        assert await refused(connect(ws_server, origin="http://127.0.0.1:1")) == 403
        assert await refused(connect(ws_server, origin="null")) == 403
        assert await accepted(connect(ws_server, origin=f"http://127.0.0.1:{port}"))
        assert await accepted(connect(ws_server, origin=ws_settings.allowed_origins[0]))
        assert await accepted(connect(ws_server))  # no Origin: not a browser

    asyncio.run(main())
    asyncio.run(healthy(ws_server))


def test_unknown_host_names_are_refused_against_dns_rebinding(
    ws_server: str, ws_settings: Settings
) -> None:
    port = int(ws_server.rsplit(":", 1)[1])

    def via(name: str) -> Awaitable[Client]:  # the Host header names `name`
        return connect(f"ws://{name}:{port}/ws", host="127.0.0.1", port=port)

    async def main() -> None:
        assert await refused(via("evil.example")) == 403
        assert await accepted(via(ws_settings.allowed_hosts[0]))
        assert await accepted(via("localhost"))

    asyncio.run(main())
    asyncio.run(healthy(ws_server))


def test_too_many_sockets_from_one_address_are_refused(ws_server: str) -> None:
    ip = "127.0.0.23"  # an address of its own, so other tests' sockets do not count

    def from_ip() -> Awaitable[Client]:
        return connect(ws_server, local_addr=(ip, 0))

    async def main() -> None:
        held = [await from_ip() for _ in range(8)]
        assert await refused(from_ip()) == 403
        assert await accepted(connect(ws_server))  # other addresses are not affected
        await held.pop().close()
        await wait_until(lambda: accepted(from_ip()))  # the place comes free
        for c in held:
            await c.close()

    asyncio.run(main())
    asyncio.run(healthy(ws_server))


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 5) -> None:
    """Retries `check` (refusals count as False) until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if await check():
                return
        except InvalidStatus:
            pass
        assert loop.time() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.02)
