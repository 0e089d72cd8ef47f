"""The teacher's grid in a real Chromium against a real server in class mode
(docs/classroom.md): two students (real websockets, each reading everything it is sent)
train different nets; the teacher's grid shows both thumbnails changing; a click with the
real mouse on one card opens that run large as the playground page shows it (`/?watch=N`,
read-only): the student's network, every view the student watches moving, and controls
the real mouse cannot reach."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from app.client import Client
from app.web.classroom import COOKIE
from tests.page.test_page_class import new_page
from tests.servers import class_mode_server
from tests.web.test_classroom import KEY, open_socket, student

TIMEOUT = 30_000  # ms: a shared 2-core machine trains and paints at once
NETS: dict[str, dict[str, Any]] = {
    "Ada": {
        "seed": 1,
        "data": {"dataset": "spiral", "n_samples": 200},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}]},
        "train": {"batch_size": 10},
    },
    "Bo": {
        "seed": 2,
        "data": {"dataset": "xor", "n_samples": 200},
        "model": {"layers": [{"type": "dense", "units": 4, "activation": "relu"}] * 2},
        "train": {"batch_size": 10},
    },
}

# Bo watches every view the playground page watches on 2-D data (static/js/workspace.js).
VIEWS = {
    "Ada": ["boundary"],
    "Bo": ["metrics", "neurons", "boundary", "weights", "histograms", "activation_stats"],
}
NET_TEXT = {"Ada": "spiral: dense 8 tanh", "Bo": "xor: dense 4 relu → dense 4 relu"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(tmp_path_factory, "class-grid-data")


class Students:
    """The students' sockets on a thread of their own: start, watch the boundary, read."""

    def __init__(self, url: str, cookies: dict[str, str]) -> None:
        self.url, self.cookies = url, cookies
        self.started = threading.Event()
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Students:
        self.thread.start()
        assert self.started.wait(30), self.failure
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # reported by __enter__ or the test
            self.failure = e
            self.started.set()

    async def _main(self) -> None:
        clients: list[Client] = []
        for name, cookie in self.cookies.items():
            c = await open_socket(self.url, cookie, f"tab-{name}")
            await c.start(NETS[name])
            await c.view(VIEWS[name], boundary_grid=40, fps=10)
            clients.append(c)
        self.started.set()
        try:
            while not self.stop.is_set():  # read everything, as a page does
                for c in clients:
                    try:
                        await c.next_event(timeout=0.05)
                    except TimeoutError:
                        pass
        finally:
            for c in clients:
                await c.close()


def canvas_picture(page: Page | Frame, selector: str) -> str:
    return str(page.locator(selector).evaluate("(c) => c.toDataURL()"))


def wait_picture_changes(page: Page | Frame, selector: str) -> None:
    before = canvas_picture(page, selector)
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).toDataURL() !== before",
        arg=[selector, before],
        timeout=TIMEOUT,
    )


def test_the_teacher_sees_the_class_and_opens_a_run_large(
    browser: Browser, class_server: str
) -> None:
    problems: list[str] = []
    with student(class_server, "Ada") as ada, student(class_server, "Bo") as bo:
        cookies = {"Ada": ada.cookies[COOKIE], "Bo": bo.cookies[COOKIE]}
        with Students(class_server, cookies):
            teacher = new_page(browser, class_server, problems)
            teacher.goto(f"/teacher?key={KEY}")
            expect(teacher).to_have_url(re.compile(r"/teacher$"))
            for name in NETS:
                net = NET_TEXT[name]
                card = teacher.locator(".student-card", has_text=name)
                expect(card.locator(".student-network")).to_have_text(net, timeout=TIMEOUT)
                thumb = f'.student-card[aria-label^="{name}:"] canvas'
                expect(teacher.locator(thumb)).to_be_visible(timeout=TIMEOUT)
                wait_picture_changes(teacher, thumb)  # repainted as the run trains

            teacher.locator(".student-card", has_text="Bo").click()  # the real mouse
            view = teacher.locator("#student-view")
            expect(view).to_be_visible()
            expect(view.locator("h2")).to_have_text("Bo's run (read-only)")
            frame = teacher.frame_locator("#student-view-frame")
            expect(frame.locator("#class-banner")).to_contain_text("Read-only", timeout=TIMEOUT)
            # Bo's network, laid out from his spec: two hidden layers of 4.
            expect(frame.locator("#network .column.layer .node")).to_have_count(8, timeout=TIMEOUT)
            page = teacher.frames[1]
            # Every view moves: the output map, the neurons, the losses, the weights' health.
            wait_picture_changes(page, "#boundary-map")
            wait_picture_changes(page, '#network [data-layer=dense1] [data-unit="0"] canvas')
            loss = frame.locator("#train-loss")
            expect(loss).not_to_have_text("–", timeout=TIMEOUT)
            before = loss.inner_text()
            expect(loss).not_to_have_text(before, timeout=TIMEOUT)
            expect(frame.locator("#health .health-row")).to_have_count(3, timeout=TIMEOUT)

            # Out of reach: a real click on its Play/Pause button changes nothing.
            play = frame.locator(".top-bar .play")
            box = play.bounding_box()
            assert box is not None
            label = play.get_attribute("aria-label")
            teacher.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            epoch = frame.locator(".top-bar .epoch")
            before = epoch.inner_text()
            expect(epoch).not_to_have_text(before, timeout=TIMEOUT)  # Bo's run trains on
            assert play.get_attribute("aria-label") == label
            expect(frame.locator(".field-error:visible")).to_have_count(0)
            teacher.context.close()
    assert not problems, problems
