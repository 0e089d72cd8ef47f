"""A closed socket's run pauses at once for the resume grace, and a resume plays it again if
it was training: a class that reloads or leaves must not spend the CPU the open pages need."""

from __future__ import annotations

import asyncio

from app.client import Client, Event, connect
from tests.web.test_ws_session import SPIRAL, status

PACE = 50.0  # steps per second: slow motion, so that steps count time
WINDOW_S = 2.0  # how long the session stays closed (the test server's grace is 3 s)


async def closed_step(c: Client) -> int:
    """Closes `c` just after a status and returns that status's step count."""
    seen = await c.wait_for(lambda e: status("running")(e) and e["step"] >= 5)
    await c.close()
    step: int = seen["step"]
    return step


async def pause_on_close(url: str) -> None:
    first = await connect(url)
    await first.start(SPIRAL)
    await first.speed(PACE)
    token, run = first.session, (await first.wait_for(status("running")))["run"]
    step = await closed_step(first)
    # An observation window, not a wait for something: the run, unwatched, must not train.
    await asyncio.sleep(WINDOW_S)
    async with await connect(url, session=token) as again:
        assert again.hello["resumed"] is True
        back: Event = await again.wait_for(status())
        # Within 0.8 s of pace after the last status seen (statuses come 4 times a second);
        # training on through the window would be 100 steps more.
        assert back["step"] - step < 0.8 * PACE, (step, back)
        assert back["state"] == "running"  # it was playing: the resume plays it again
        assert back["run"] == run
        await again.wait_for(lambda e: status("running")(e) and e["step"] >= back["step"] + 10)


def test_a_closed_sockets_run_pauses_until_a_resume(ws_server: str) -> None:
    asyncio.run(pause_on_close(ws_server))


async def paused_stays_paused(url: str) -> None:
    first = await connect(url)
    await first.start(SPIRAL)
    await first.wait_for(status("running"))
    await first.pause()
    await first.wait_for(status("paused"))
    await first.close()
    async with await connect(url, session=first.session) as again:
        assert again.hello["resumed"] is True
        assert (await again.wait_for(status()))["state"] == "paused"
        await again.speed(None)  # any command is answered by a status: still paused
        assert (await again.wait_for(status()))["state"] == "paused"


def test_a_paused_run_stays_paused_after_a_resume(ws_server: str) -> None:
    asyncio.run(paused_stays_paused(ws_server))
