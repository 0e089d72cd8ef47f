"""X-Forwarded-For is believed only from `trusted_proxies`, on a real uvicorn server set up
as `nnplayground serve` sets it up (`server_options`): a client on loopback that writes a
different address into each socket's header still counts as one address against the
per-address socket cap, unless loopback is a configured proxy."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from websockets.exceptions import InvalidStatus

from app.client import connect
from app.settings import Settings
from tests.servers import running

CAP = 2


async def sockets_admitted(url: str, tries: int) -> int:
    """Opens `tries` sockets, each claiming another address; how many were let in."""
    admitted = 0
    async with AsyncExitStack() as stack:
        for i in range(tries):
            spoofed = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
            try:
                await stack.enter_async_context(await connect(url, additional_headers=spoofed))
            except InvalidStatus as refused:
                assert refused.response.status_code == 403
                continue
            admitted += 1
    return admitted


@pytest.mark.parametrize(
    ("trusted", "admitted"), [([], CAP), (["127.0.0.1"], CAP + 2)], ids=["default", "proxy"]
)
def test_a_spoofed_forwarded_for_does_not_escape_the_cap(
    tmp_path_factory: pytest.TempPathFactory, trusted: list[str], admitted: int
) -> None:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        workers=1,
        ws_sockets_per_ip=CAP,
        trusted_proxies=trusted,
    )
    with running(settings) as url:
        assert asyncio.run(sockets_admitted(url, CAP + 2)) == admitted
