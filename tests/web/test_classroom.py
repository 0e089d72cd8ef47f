"""Class mode's contract against a real server (docs/classroom.md): without the class's
cookie every route, mount and the websocket answers 401, except /healthz and the join page;
`/?code=` and the join form admit; students get 403 on the teacher's routes; wrong codes are
rate-limited per address; cookies cannot be forged; names are escaped and unique; the
teacher reads a student's live run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from app.client import Client, decode_event
from app.web.classroom import COOKIE
from tests.servers import CLASS_CODE, SERVED_APPS, TEACHER_KEY, class_mode_server
from tests.web.test_request_guard import requests_of

CODE, KEY = CLASS_CODE, TEACHER_KEY
# POST /join without a code answers 401 too: "That class code is not right."
OPEN = {("GET", "/healthz"), ("HEAD", "/healthz"), ("GET", "/join"), ("HEAD", "/join")}
SPIRAL = {
    "seed": 1,
    "data": {"dataset": "spiral", "n_samples": 200},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "tanh"}]},
    "train": {"batch_size": 10},
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from class_mode_server(
        tmp_path_factory,
        "class-data",
        ws_resume_grace_s=3.0,
    )


def client(url: str, source: str = "127.0.0.1") -> httpx.Client:
    """A client from loopback address `source` (any 127.x works on Linux), so the rate
    limit of one test's wrong codes does not touch another's."""
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=url, transport=transport, timeout=30, follow_redirects=False)


@contextmanager
def student(url: str, name: str | None = None) -> Iterator[httpx.Client]:
    """A client admitted as a student: by the code in the address, or the join form."""
    with client(url) as c:
        if name is None:
            assert c.get(f"/?code={CODE}").status_code == 303
        else:
            assert c.post("/join", data={"code": CODE, "name": name}).status_code == 303
        yield c


@contextmanager
def teacher(url: str) -> Iterator[httpx.Client]:
    with client(url) as c:
        assert c.get(f"/teacher?key={KEY}").status_code == 303
        yield c


async def ws_status(url: str, cookie: str | None = None) -> int:
    """The HTTP status a websocket handshake is refused with (101 if accepted)."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    try:
        async with ws_connect(url.replace("http", "ws") + "/ws", additional_headers=headers):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def test_every_route_mount_and_the_socket_answer_401_without_a_cookie(class_server: str) -> None:
    """Walks the app's own route table, so a route added later is checked too."""
    app = SERVED_APPS[class_server]
    ways = [way for route in app.routes for way in requests_of(route)]
    with client(class_server) as c:
        for method, path in ways:
            if path == "/ws":
                assert asyncio.run(ws_status(class_server)) == 401
                continue
            answer = c.request(method, path)
            expected = 200 if (method, path) in OPEN else 401
            assert answer.status_code == expected, f"{method} {path}: {answer.status_code}"
            if expected == 401 and method != "HEAD" and path != "/join":
                page = "text/html" in answer.headers["content-type"]
                assert 'action="/join"' in answer.text if page else "not admitted" in answer.text
    paths = {p for _, p in ways}
    assert {"/", "/api/catalog", "/api/class", "/teacher", "/ws", "/static/x", "/join"} <= paths


def test_a_page_without_the_cookie_is_the_join_form_with_401(class_server: str) -> None:
    with client(class_server) as c:
        page = c.get("/")
        assert page.status_code == 401
        assert 'name="code"' in page.text and 'action="/join"' in page.text
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/join").status_code == 200


def test_the_code_in_the_address_admits_with_a_strict_http_only_cookie(class_server: str) -> None:
    with client(class_server) as c:
        answer = c.get("/?code=room42&hide=layers")  # any case: typed on a phone
        assert answer.status_code == 303
        assert answer.headers["location"] == "/?hide=layers"  # the code leaves the address
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert c.get("/").status_code == 200
        assert c.get("/api/catalog").status_code == 200
        assert c.get("/static/js/main.js").status_code == 200
        assert c.get("/api/me").json()["name"].startswith("Student ")
        cookie_value = c.cookies[COOKIE]
    assert asyncio.run(ws_status(class_server, cookie_value)) == 101


def test_wrong_codes_are_refused_then_rate_limited_per_address(class_server: str) -> None:
    with client(class_server, source="127.0.0.3") as c:
        for attempt in range(9):
            wrong = c.get(f"/?code=WRONG{attempt}")
            assert wrong.status_code == 401 and "not right" in wrong.text
        assert c.get("/teacher?key=not-the-key-at-all").status_code == 401  # the tenth
        limited = c.get(f"/?code={CODE}")  # even the right code waits now
        assert limited.status_code == 429
        assert "try again in" in limited.text and int(limited.headers["retry-after"]) > 0
        posted = c.post("/join", json={"code": CODE})
        assert posted.status_code == 429 and "try again in" in posted.json()["detail"]
    with client(class_server, source="127.0.0.4") as other:  # another address is not held
        assert other.get(f"/?code={CODE}").status_code == 303


def test_a_forged_or_altered_cookie_is_refused(class_server: str) -> None:
    with student(class_server) as c:
        real = c.cookies[COOKIE]
    role_id, _, signature = real.rpartition(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forged = [
        f"{role_id}.{flipped}",  # altered signature
        f"teacher.teacher.{signature}",  # a student's signature on the teacher's payload
        "teacher.teacher.",
        "student.nobody." + signature,
    ]
    with client(class_server) as c:
        for cookie in forged:
            c.cookies.set(COOKIE, cookie)
            assert c.get("/api/catalog").status_code == 401, cookie
            assert c.get("/api/class").status_code == 401, cookie
        for cookie in forged:
            assert asyncio.run(ws_status(class_server, cookie)) == 401


def test_students_get_403_on_the_teachers_routes(class_server: str) -> None:
    with student(class_server) as c:
        denied = c.get("/api/class")
        assert denied.status_code == 403 and "only the teacher" in denied.json()["detail"]
        assert c.get("/teacher").status_code == 403
    with teacher(class_server) as t:
        assert t.get("/teacher").status_code == 200
        assert isinstance(t.get("/api/class").json()["students"], list)


def test_names_are_bounded_unique_and_escaped(class_server: str) -> None:
    name = "<script>alert(1)</script>"
    with student(class_server, name) as c:
        assert c.get("/api/me").json()["name"] == name
        page = c.get("/join").text  # the join page shows the name: escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and name not in page
        playground = c.get("/").text  # so does the playground's header, linking to /join
        assert "&lt;script&gt;alert(1)&lt;/script&gt;</a>" in playground and name not in playground
        too_long = c.post("/api/me", json={"name": "x" * 33})
        assert too_long.status_code == 422
        assert too_long.json()["errors"] == [{"field": "name", "message": "at most 32 characters"}]
        assert c.post("/api/me", json={"name": "  Ada   Lovelace "}).json()["name"] == (
            "Ada Lovelace"
        )
    with client(class_server) as other:
        taken = other.post("/join", data={"code": CODE, "name": "ada lovelace"})
        assert taken.status_code == 422 and "already has this name" in taken.text
    with student(class_server) as third:
        renamed = third.post("/api/me", json={"name": "ADA LOVELACE"})
        assert renamed.status_code == 422 and "already has this name" in renamed.json()["detail"]
        with teacher(class_server) as t:
            names = [s["name"] for s in t.get("/api/class").json()["students"]]
        assert len(names) == len({n.casefold() for n in names})  # unique, defaults included


def test_cross_origin_posts_are_refused_even_with_the_cookie(class_server: str) -> None:
    with student(class_server) as c:
        evil = {"Origin": "http://evil.example"}
        answer = c.post("/api/me", json={"name": "Mallory"}, headers=evil)
        assert answer.status_code == 403 and "other sites" in answer.json()["detail"]
        referer = {"Referer": "http://evil.example/page"}
        assert c.post("/api/validate", json=SPIRAL, headers=referer).status_code == 403
        assert c.post("/join", data={"code": CODE}, headers=evil).status_code == 403
        assert c.post("/api/me", json={"name": "Mallory"}).json()["name"] == "Mallory"


def test_a_bad_host_header_is_refused(class_server: str) -> None:
    with student(class_server) as c:
        answer = c.get("/api/catalog", headers={"Host": "evil.example"})
        assert answer.status_code == 400 and "host name" in answer.json()["detail"]
        assert c.get("/", headers={"Host": "evil.example"}).status_code == 400


async def open_socket(url: str, cookie: str, tab: str) -> Client:
    ws = await ws_connect(
        url.replace("http", "ws") + f"/ws?tab={tab}",
        additional_headers={"Cookie": f"{COOKIE}={cookie}"},
        max_size=64 * 1024**2,
    )
    return Client(ws, decode_event(await asyncio.wait_for(ws.recv(), 10)))


def poll_class(t: httpx.Client, name: str, ready: Any, timeout: float = 30) -> dict[str, Any]:
    """The teacher's entry for `name` once `ready(entry)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        entries = {s["name"]: s for s in t.get("/api/class").json()["students"]}
        if ready(entries.get(name)):
            return entries[name]
        assert time.monotonic() < deadline, f"never ready: {entries.get(name)}"
        time.sleep(0.1)  # polling as the teacher's page does, until the condition holds


def test_the_teacher_reads_a_students_live_run(class_server: str) -> None:
    with student(class_server, "Grace") as s, teacher(class_server) as t:
        cookie = s.cookies[COOKIE]
        assert poll_class(t, "Grace", lambda e: e is not None)["run"] is None

        async def train() -> None:
            c = await open_socket(class_server, cookie, "tab-grace")
            try:
                await c.start(SPIRAL)
                first = await asyncio.to_thread(
                    poll_class, t, "Grace", lambda e: e["run"] and e["run"]["step"] > 0
                )
                later = await asyncio.to_thread(
                    poll_class,
                    t,
                    "Grace",
                    lambda e: (
                        e["run"]["step"] > first["run"]["step"] + 20
                        and e["run"]["train_loss"] is not None
                    ),
                )
                run = later["run"]
                assert (run["kind"], run["dataset"], run["layers"]) == (
                    "supervised",
                    "spiral",
                    ["dense 8 tanh"],
                )
                assert run["status"] == "running" and run["epoch"] >= 1
                assert isinstance(run["val_loss"], float)
            finally:
                await c.close()

        asyncio.run(train())


def status_of(run: str | None, state: str | None = None) -> Any:
    def match(e: dict[str, Any]) -> bool:
        return e["type"] == "status" and e["run"] == run and state in (None, e["state"])

    return match


async def steps_move(c: Client, run: str | None) -> None:
    """Waits for two statuses of `run` whose steps differ: it is still training."""
    first = await c.wait_for(status_of(run, "running"), timeout=20)
    await c.wait_for(lambda e: status_of(run)(e) and e["step"] > first["step"], timeout=20)


def test_one_run_per_student_a_second_tabs_start_is_refused(class_server: str) -> None:
    """Tab A trains; tab B of the same student is refused in words naming the limit, and
    A's run trains on; A's second socket (a lesson's arm) and A's restart are allowed; once
    A's page is gone, B may start. Another student is not held by it."""
    with student(class_server) as s, student(class_server) as other:
        cookie, other_cookie = s.cookies[COOKIE], other.cookies[COOKIE]

        async def main() -> None:
            a = await open_socket(class_server, cookie, "page-a")
            b = await open_socket(class_server, cookie, "page-b")
            arm = await open_socket(class_server, cookie, "page-a")
            neighbour = await open_socket(class_server, other_cookie, "page-n")
            try:
                await first_tab_holds_the_run(a, b, arm, neighbour)
                await a.close()
                await arm.close()
                await until_page_closed(class_server, "page-a")
                await b.start(SPIRAL)  # page A is gone (its runs wait out the grace): B may
                started = await b.wait_for(lambda e: e["type"] in ("status", "error"), 20)
                assert started["type"] == "status", started
                await steps_move(b, started["run"])
            finally:
                for c in (a, b, arm, neighbour):
                    await c.close()

        asyncio.run(main())


async def first_tab_holds_the_run(a: Client, b: Client, arm: Client, neighbour: Client) -> None:
    await a.start(SPIRAL)
    run_a = (await a.wait_for(lambda e: e["type"] == "status", timeout=20))["run"]
    await b.start(SPIRAL)
    refused = await b.wait_for(lambda e: e["type"] == "error", timeout=10)
    assert refused["code"] == "busy"
    assert "one run per student" in refused["message"] and "another tab" in refused["message"]
    await steps_move(a, run_a)  # the innocent run trains on

    await arm.start(SPIRAL)  # the same page: a lesson's second arm
    arm_status = await arm.wait_for(lambda e: e["type"] == "status", timeout=20)
    await neighbour.start(SPIRAL)  # another student: not held
    await neighbour.wait_for(lambda e: e["type"] == "status", timeout=20)

    await a.start(SPIRAL)  # the same tab again: replaces its run
    replaced = await a.wait_for(lambda e: e["type"] == "status" and e["run"] != run_a, 20)
    await steps_move(a, replaced["run"])
    assert arm_status["run"] not in (run_a, replaced["run"])


async def until_page_closed(url: str, tab: str, timeout: float = 10) -> None:
    """Waits until the server has detached every socket of page `tab`."""
    sessions = SERVED_APPS[url].state.sessions.sessions
    deadline = time.monotonic() + timeout
    while any(s.tab == tab and s.socket is not None for s in list(sessions.values())):
        assert time.monotonic() < deadline, f"the sockets of {tab} stayed attached"
        await asyncio.sleep(0.02)  # polling the server's state until the condition holds


def test_a_class_behind_one_address_is_limited_per_student_not_per_address(
    class_server: str,
) -> None:
    """Every student here connects from 127.0.0.1, as a class behind a school's NAT does:
    more students than `ws_sockets_per_ip` and `ws_runs_per_ip` (8 each) all connect and
    train. One student's own sockets are still bounded by it."""
    per_client = 8
    with ExitStack() as stack:
        cookies = [
            stack.enter_context(student(class_server, f"Nat {i}")).cookies[COOKIE]
            for i in range(per_client + 2)
        ]

        async def main() -> None:
            sockets = [
                await open_socket(class_server, cookie, f"tab-nat-{i}")
                for i, cookie in enumerate(cookies)
            ]
            try:
                for i, s in enumerate(sockets):
                    await s.start(SPIRAL | {"seed": i})
                for s in sockets:
                    status = await s.wait_for(lambda e: e["type"] in ("status", "error"), 30)
                    assert status["type"] == "status", status
                more = [  # the last student's own: one socket open above, seven more
                    await open_socket(class_server, cookies[-1], f"tab-more-{i}")
                    for i in range(per_client - 1)
                ]
                url = class_server.replace("http", "ws") + "/ws"
                headers = {"Cookie": f"{COOKIE}={cookies[-1]}"}
                with pytest.raises(InvalidStatus) as refused:
                    async with ws_connect(url, additional_headers=headers):
                        pass
                assert refused.value.response.status_code == 403
                for s in more:
                    await s.close()
            finally:
                for s in sockets:
                    await s.close()

        asyncio.run(main())
