"""`WS /ws`: one session per socket, relaying client messages to the worker pool and the
pool's events back (docs/protocol.md).

Each socket has two tasks: a receiver (size and rate limits, parsing, dispatch to the pool)
and a sender that drains the session's bounded `Outbox`. Every send has a timeout; a client
that does not read for longer is closed and its run paused, and nothing else waits on it.
Handshake checks (Host, Origin, socket counts) run before `accept()` (app/web/guards.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from app.protocol import (
    CLIENT_MESSAGE,
    PROTOCOL_VERSION,
    ErrorCode,
    ErrorEvent,
    HelloEvent,
    HelloLimits,
    Reopen,
    Reset,
    Start,
    dumps,
)
from app.settings import Settings
from app.spec import format_errors
from app.web.class_gate import client_key
from app.web.class_locks import message_refusal
from app.web.class_runs import bind_session, start_refusal
from app.web.class_watch import serve_watch, watch_refusal, watched_session
from app.web.guards import RateLimit, Refusal, check_host, check_origin
from app.web.owners import owner_of
from app.web.sessions import Session, SessionRegistry
from app.worker.api import Pool, PoolBusy

log = logging.getLogger(__name__)
router = APIRouter()

# Close codes besides the standard ones (1008 policy: rate; 1009: message too big).
CLOSE_TAKEN_OVER = 4000  # another socket resumed this session
# Nothing sent for ws_idle_timeout_s while the run was not training, or for ws_idle_no_run_s
# with no run; or closed, idle with no run, to make room for a newcomer on a full server.
CLOSE_IDLE = 4001
CLOSE_TOO_SLOW = 4002  # a send did not complete within ws_send_timeout_s, or a bound overflowed
MESSAGE_TYPES = ", ".join(CLIENT_MESSAGE.json_schema()["discriminator"]["mapping"])
SENT_TROUBLE = (WebSocketDisconnect, OSError, RuntimeError)  # the client is gone


@router.websocket("/ws")
async def socket_endpoint(websocket: WebSocket) -> None:
    state = websocket.app.state
    settings: Settings = state.settings
    client = client_key(websocket)  # an address, or a class member behind a shared one
    host = websocket.headers.get("host")
    watch = websocket.query_params.get("watch")  # the teacher's read-only view of a run
    refusal = (
        check_host(host, settings)
        or check_origin(websocket.headers.get("origin"), host, settings)
        or (
            watch_refusal(websocket, getattr(state, "classroom", None))
            if watch is not None
            else None
        )
        or state.sockets.admit(client)  # last: it reserves a place
    )
    if isinstance(refusal, Refusal):
        await refuse(websocket, refusal)
        return
    slot = refusal
    try:
        await websocket.accept()
        if watch is not None:
            session = watched_session(state.classroom, state.sessions, watch)
            await serve_watch(websocket, session, settings)
            return
        connection = Connection(websocket, state.sessions, state.pool, settings, client)
        slot.socket = connection
        await connection.serve(websocket.query_params.get("session"))
    except SENT_TROUBLE:
        pass  # the client left during the handshake
    finally:
        state.sockets.release(slot)


async def refuse(websocket: WebSocket, refusal: Refusal) -> None:
    """Closing before `accept()` answers the handshake with HTTP 403 and no body. (A JSON
    body through the denial-response extension would name the reason, but uvicorn logs an
    error for each one, and browsers show scripts neither.) The reason goes to the log."""
    log.info("websocket from %s refused: %s", websocket.client, refusal.message)
    await websocket.close(1008, refusal.code)


class Connection:
    """One accepted socket attached to a session."""

    session: Session  # set by `serve`

    def __init__(
        self,
        websocket: WebSocket,
        registry: SessionRegistry,
        pool: Pool,
        settings: Settings,
        ip: str,
    ) -> None:
        self.ws, self.registry, self.pool = websocket, registry, pool
        self.settings, self.ip = settings, ip
        self.rate = RateLimit(settings.ws_messages_per_s)
        self.close_with: tuple[int, str] | None = None  # set once the socket is to close
        self.keep_session = True  # False: end the session's run now rather than after grace
        self.replay = True  # False: a resume of the session leaves its run paused
        self.gone = False  # the client disconnected (nothing more can be sent)
        self.tasks: list[asyncio.Task[None]] = []
        self.last_heard = time.monotonic()  # when the client last sent a message

    def evict(self) -> None:
        self.close_with = (CLOSE_TAKEN_OVER, "this session was resumed by another connection")
        for task in self.tasks:
            task.cancel()

    def idle_since(self) -> float | None:
        session: Session | None = getattr(self, "session", None)
        return None if session is not None and session.run_id is not None else self.last_heard

    def close_to_make_room(self) -> None:
        """The server is full and this socket idles with no run: close it (its session has
        nothing to keep) so a newcomer can connect."""
        log.info("websocket from %s closed to make room: idle with no run", self.ip)
        self.keep_session = False
        self.close_with = (CLOSE_IDLE, "closed to make room for another connection: idle, no run")
        for task in self.tasks:
            task.cancel()

    async def serve(self, token: str | None) -> None:
        await self.registry.recall(self.ip, token)  # a session another replica served
        session, resumed = self.registry.attach(self, self.ip, token)
        self.session = session
        bind_session(session, self.ws)  # class mode: whose it is, from which page
        bind_owner(session, self.ws)
        try:
            if not await self.send(dumps(self.hello(resumed))) or self.close_with:
                return
            sender = asyncio.create_task(self.send_loop())
            receiver = asyncio.create_task(self.receive_loop())
            self.tasks = [sender, receiver]
            await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
            if receiver.done() and not receiver.cancelled() and self.close_with:
                session.outbox.wake.set()
                await asyncio.wait([sender])  # flushes what the receiver queued, then ends
        finally:
            for task in self.tasks:
                task.cancel()
            self.registry.detach(session, self, keep=self.keep_session, replay=self.replay)
            for result in await asyncio.gather(*self.tasks, return_exceptions=True):
                if isinstance(result, Exception):  # a bug: log it, close 1011
                    log.error("websocket task failed", exc_info=result)
                    self.close_with = self.close_with or (1011, "internal error")
            if self.close_with and not self.gone:
                await self.close(*self.close_with)

    def hello(self, resumed: bool) -> dict[str, Any]:
        s = self.settings
        limits = HelloLimits(
            max_message_bytes=s.ws_max_message_bytes,
            messages_per_s=s.ws_messages_per_s,
            send_timeout_s=s.ws_send_timeout_s,
            resume_grace_s=s.ws_resume_grace_s,
            idle_timeout_s=s.ws_idle_timeout_s,
            idle_no_run_s=s.ws_idle_no_run_s,
            runs_per_session=1,
            run_time_limit_s=s.run_time_limit_s,
            max_fps=60,
            max_grid=s.limits.max_grid,
        )
        hello = HelloEvent(
            protocol=PROTOCOL_VERSION,
            device=self.pool.device,
            session=self.session.token,
            resumed=resumed,
            run=self.session.run_id,
            limits=limits,
        )
        return hello.wire()

    # --- sending ---

    async def send_loop(self) -> None:
        outbox = self.session.outbox
        while self.close_with is None:
            await outbox.wake.wait()
            if not await self.flush():
                return
        await self.flush()  # what the receiver queued before it asked to close

    async def flush(self) -> bool:
        """Sends everything waiting; False once the client is too slow or gone."""
        outbox = self.session.outbox
        if outbox.overflow:
            self.too_slow("more events waited than the server keeps for one client")
            return False
        for message in outbox.take():
            if not await self.send(message):
                return False
        return True

    async def send(self, message: str | bytes) -> bool:
        send = (
            self.ws.send_text(message) if isinstance(message, str) else self.ws.send_bytes(message)
        )
        try:
            await asyncio.wait_for(send, self.settings.ws_send_timeout_s)
        except asyncio.TimeoutError:
            self.too_slow(f"a send took longer than {self.settings.ws_send_timeout_s:g} s")
            return False
        except SENT_TROUBLE:
            self.gone = True
            return False
        return True

    def too_slow(self, why: str) -> None:
        """The client stopped reading: close it and pause its run (resumable on reconnect)."""
        log.info("websocket from %s closed as too slow: %s", self.ip, why)
        self.close_with = (CLOSE_TOO_SLOW, f"too slow: {why}")
        self.replay = False
        if self.session.run_id is not None:
            self.pool.command(self.session.run_id, {"type": "pause"})

    async def close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(
                self.ws.close(code, reason), min(1.0, self.settings.ws_send_timeout_s)
            )
        except (asyncio.TimeoutError, *SENT_TROUBLE):
            pass  # a stalled client: uvicorn drops the transport when this handler returns

    # --- receiving ---

    async def receive_loop(self) -> None:
        while True:
            message = await self.receive()
            if message is None:
                return
            text, data = message.get("text"), message.get("bytes")
            if too_big(text, data, self.settings.ws_max_message_bytes):
                limit = self.settings.ws_max_message_bytes
                return self.ask_close(1009, f"a message may be at most {limit} bytes")
            if not self.rate.allow():
                rate = self.settings.ws_messages_per_s
                self.error("rate_limited", "", f"at most {rate:g} messages per second")
                return self.ask_close(1008, "too many messages")
            if text is None:
                self.error("invalid", "", "messages must be JSON text, not binary")
                continue
            try:
                await self.handle(text)
            except Exception:  # a bug costs this message, not the session
                log.exception("handling a websocket message failed")
                self.error("internal", "", "the server failed to handle this message")

    async def receive(self) -> MutableMapping[str, Any] | None:
        """The next message, or None once the client left or the session idled out."""
        while True:
            try:
                message = await asyncio.wait_for(self.ws.receive(), self.idle_check_s())
            except asyncio.TimeoutError:
                if (why := self.idle_reason()) is None:
                    continue  # watching a run train is not idling
                self.keep_session = False
                self.ask_close(CLOSE_IDLE, why)
                return None
            if message["type"] == "websocket.disconnect":
                self.gone = True
                return None
            self.last_heard = time.monotonic()
            return message

    def idle_check_s(self) -> float:
        """How long to wait for a message before asking whether the session idles."""
        s = self.settings
        return min(s.ws_idle_no_run_s, s.ws_idle_timeout_s)

    def idle_reason(self) -> str | None:
        """Why the session is to close as idle, or None if it is not."""
        s, idle = self.settings, time.monotonic() - self.last_heard
        if self.session.run_id is None and idle >= s.ws_idle_no_run_s:
            return f"idle for {s.ws_idle_no_run_s:g} s with no run"
        if not self.session.training and idle >= s.ws_idle_timeout_s:
            return "idle for too long"
        return None

    def ask_close(self, code: int, reason: str) -> None:
        self.close_with = (code, reason)
        self.session.outbox.wake.set()

    async def handle(self, text: str) -> None:
        try:
            message = CLIENT_MESSAGE.validate_json(text)
        except ValidationError as e:
            self.error("invalid", *describe_error(e))
            return
        session = self.session
        locks = getattr(self.ws.app.state, "class_locks", None)
        if (locked := message_refusal(locks, session.student, message)) is not None:
            self.error("locked", *locked)  # class mode: the teacher's lock; the run goes on
        elif isinstance(message, Start | Reset | Reopen) and not self.registry.may_rebuild(self.ip):
            s = self.settings
            self.error(
                "rate_limited",
                "type",
                f"at most {s.ws_rebuilds_per_s:g} starts or resets per second from one address "
                f"(a burst of {s.ws_rebuild_burst}); this {message.type} was not done",
            )
        elif isinstance(message, Start):
            await self.start(session, message)
        elif isinstance(message, Reopen):
            await self.reopen(session, message)
        elif session.run_id is None:
            self.error("no_run", "type", "there is no run: send start first")
        else:
            self.pool.command(session.run_id, message.model_dump())

    async def start(self, session: Session, message: Start) -> None:
        limit = self.settings.ws_runs_per_ip
        if session.run_id is None and self.registry.runs_from(self.ip) >= limit:
            self.error("busy", "", f"at most {limit} runs from one address")
            return
        if (refusal := start_refusal(self.registry, session)) is not None:
            self.error("busy", "", refusal)  # class mode: one run per student
            return
        # Just after the server starts, its workers may still be importing torch: the first
        # start waits for one (later messages queue behind it, in order).
        await self.pool.wait_ready(self.settings.startup_timeout_s)
        try:
            session.open_run(self.pool, message.spec.model_dump(), message.paused)
        except PoolBusy as e:
            self.error("busy", "", str(e))

    async def reopen(self, session: Session, message: Reopen) -> None:
        """A recorded run of this owner continues from its last checkpoint (docs/runs.md)."""
        recorder = self.registry.recorder
        found = None
        if recorder is not None and message.id not in self.live_records():
            found = await asyncio.to_thread(recorder.load, session.owner, message.id)
        if found is None:
            why = "no recorded run of yours with that id has a checkpoint, or it is open"
            self.error("invalid", "id", why)
            return
        spec, checkpoint = found
        limit = self.settings.ws_runs_per_ip
        if session.run_id is None and self.registry.runs_from(self.ip) >= limit:
            self.error("busy", "", f"at most {limit} runs from one address")
            return
        if (refusal := start_refusal(self.registry, session)) is not None:
            self.error("busy", "", refusal)
            return
        await self.pool.wait_ready(self.settings.startup_timeout_s)
        try:
            session.open_run(self.pool, spec, message.paused, (message.id, checkpoint))
        except PoolBusy as e:
            self.error("busy", "", str(e))

    def live_records(self) -> set[str]:
        """The records that sessions are writing now (one is reopened once at a time)."""
        return {s.record_id for s in self.registry.sessions.values() if s.record_id}

    def error(self, code: ErrorCode, field: str, message: str) -> None:
        event = ErrorEvent(run=self.session.run_id, code=code, field=field, message=message)
        self.session.outbox.put(event.wire())


def bind_owner(session: Session, websocket: WebSocket) -> None:
    """Whose the session's runs are in the runs database, and what kind (a lesson's arms
    say `kind=lesson` in their address)."""
    session.owner = owner_of(websocket) or f"session:{session.token}"
    if websocket.query_params.get("kind") == "lesson":
        session.kind = "lesson"


def too_big(text: str | None, data: bytes | None, limit: int) -> bool:
    if text is not None:
        # A character is 1 to 4 bytes in UTF-8: encode only when the length leaves a doubt.
        return len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit)
    return data is not None and len(data) > limit


def describe_error(error: ValidationError) -> tuple[str, str]:
    """The first problem with a client message as (field, message), never echoing input."""
    first = error.errors(include_input=False, include_url=False)[0]
    kind = first["type"]
    if kind == "json_invalid":
        return "", f"not valid JSON: {first.get('ctx', {}).get('error', 'syntax error')}"
    if kind in ("dict_type", "model_type"):
        return "", "a message must be a JSON object"
    if kind == "union_tag_not_found":
        return "type", f"a message needs a type: one of {MESSAGE_TYPES}"
    if kind == "union_tag_invalid":
        return "type", f"unknown message type; the types are {MESSAGE_TYPES}"
    formatted = format_errors(error)[0]
    tag, _, rest = formatted["field"].partition(".")  # drop the message type's tag
    return (rest or tag), formatted["message"]
