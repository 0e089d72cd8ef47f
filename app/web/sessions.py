"""Websocket sessions: what outlives one socket (the run, the events waiting to be sent) so a
page reload within a grace period finds its run again (paused meanwhile, played again by the
resume if it was training).

A `Session` is named by a random token. It holds at most one run and an `Outbox` of events
for its client, bounded by design: the latest status and frame replace older ones, metric
points are coalesced, other events wait in a short queue. While no socket is attached the
outbox keeps only the newest items; while one is, exceeding a bound marks the client too
slow (see app/web/ws.py).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from app.protocol import SavingEvent, WatchingEvent, dumps
from app.settings import Settings
from app.store.recorder import Recorder
from app.web.guards import RateLimit
from app.worker.api import Event, Pool

TOKEN_BYTES = 24  # the session token is 32 URL-safe characters


class Attached(Protocol):
    """The socket a session is attached to, as the registry sees it."""

    def evict(self) -> None:
        """Another socket took the session over: close this one."""


class Outbox:
    """Events waiting for one client: latest status, latest frame (and the latest frame with
    the slow views, when a newer frame without them replaced it), all metric points since the
    last send, and a short queue of other events, in that order of sending."""

    def __init__(self, max_points: int, max_events: int) -> None:
        self.max_points, self.max_events = max_points, max_events
        self.status: Event | None = None
        self.frame: bytes | None = None
        self.frame_is_slow = False  # whether `frame` carries the slow views
        self.slow_frame: bytes | None = None  # the last frame with them, if `frame` has not
        self.points: list[dict[str, Any]] = []
        self.metrics: Event | None = None  # the latest `metrics` event, sent with all points
        self.events: deque[Event] = deque()
        self.keep_newest = True  # no client attached: trim instead of overflowing
        self.overflow = False  # a bound was exceeded while a client was attached
        self.wake = asyncio.Event()

    def put(self, event: Event) -> None:
        kind = event["type"]
        if kind == "status":
            self.status = event
        elif kind == "frame":
            # A frame with the slow views (confusion, mistakes…) comes a few times a second;
            # replaced before sending by a frame without them, it waits to go first, so a
            # client reading slowly still gets them.
            if not event.get("slow") and self.frame_is_slow:
                self.slow_frame = self.frame
            elif event.get("slow"):
                self.slow_frame = None
            self.frame, self.frame_is_slow = event["data"], bool(event.get("slow"))
        elif kind == "metrics":
            self.points.extend(event["points"])
            self.metrics = event
            if len(self.points) > self.max_points:
                self._overflowed()
                del self.points[: len(self.points) - self.max_points]
        else:
            self.events.append(event)
            if len(self.events) > self.max_events:
                self._overflowed()
                self.events.popleft()
        self.wake.set()

    def _overflowed(self) -> None:
        if not self.keep_newest:
            self.overflow = True

    def drop_run(self) -> None:
        """Forgets what belongs to the run being replaced (events keep: they are few and may
        answer the client's own messages)."""
        self.status, self.frame, self.points, self.metrics = None, None, [], None
        self.frame_is_slow, self.slow_frame = False, None

    def take(self) -> list[str | bytes]:
        """Everything waiting, as wire messages, in sending order; empties the outbox."""
        out: list[str | bytes] = []
        if self.points and self.metrics is not None:  # the points coalesced into one event
            out.append(dumps(self.metrics | {"points": self.points}))
        if self.status is not None:
            out.append(dumps(self.status))
        out.extend(dumps(e) for e in self.events)
        if self.slow_frame is not None:
            out.append(self.slow_frame)
        if self.frame is not None:
            out.append(self.frame)
        self.drop_run()
        self.events.clear()
        self.wake.clear()
        return out


class Session:
    """One client's state across sockets: its run, its outbox, its socket if attached."""

    def __init__(self, token: str, ip: str, settings: Settings) -> None:
        self.token, self.ip = token, ip
        self.run_id: str | None = None
        self.file: str | None = None  # the uploaded CSV file the run trains on, if any
        self.ticket = object()  # identifies the current run's callback; replaced per start
        self.last_status: Event | None = None
        self.outbox = Outbox(settings.ws_max_pending_points, settings.ws_max_pending_events)
        self.socket: Attached | None = None
        self.expiry: asyncio.TimerHandle | None = None
        # The run was training when its socket closed and was paused for the grace period:
        # a resume of the session plays it again.
        self.resume_on_attach = False
        # A resume was sent to the worker: statuses still saying "paused" or "ready" predate
        # it (the pause sent at the close may be answered only now) and would tell the page
        # the run stopped; they are dropped until the first status after the resume.
        self.resuming = False
        # Class mode (app/web/classroom.py): the student it belongs to (None: the teacher,
        # or open mode) and the page that opened it (a lesson's arms share their page's).
        self.student: str | None = None
        self.tab: str | None = None
        # The run's spec and latest metrics point, for the teacher's overview.
        self.spec: dict[str, Any] | None = None
        self.last_point: dict[str, Any] | None = None
        self.thumbnail: Event | None = None  # the latest, from its worker (a student's run)
        self.thumbnail_renew_at = 0.0  # when the worker must hear the teacher still watches
        self.watchers: set[Outbox] = set()  # the teacher's read-only views (class_watch.py)
        # The runs database (app/store): whose the runs are (the browser's owner cookie, or
        # the student), what kind, and the record of the current run, with the furthest
        # step it saw (a status at step 0 after it is a reset: a new record).
        self.owner = f"session:{token}"
        self.kind = "playground"
        self.recorder: Recorder | None = None
        self.record_id: str | None = None
        self.record_step = 0

    @property
    def training(self) -> bool:
        return self.last_status is not None and self.last_status.get("state") == "running"

    async def adopt_run(self, pool: Pool, run_id: str) -> None:
        """Takes over a run another web replica served this session (app/cluster): its
        events so far replay into the outbox, which keeps the newest while detached."""
        ticket = self.ticket = object()
        self.run_id = run_id
        await pool.adopt(run_id, self._deliver_for(ticket))

    def _deliver_for(self, ticket: object) -> Callable[[Event], None]:
        """The callback of the run `ticket` names."""

        def deliver(event: Event) -> None:
            # Events of a run this session has since replaced or closed are dropped.
            if ticket is not self.ticket:
                return
            if event["type"] == "moved":  # another web replica serves the run now
                self.let_go()
                return
            self.record(event)
            if event["type"] == "checkpoint":  # for the database, not the page
                return
            closed = event.pop("closed", False)
            if event["type"] == "status":
                if self.resuming and event["state"] in ("paused", "ready"):
                    return
                self.resuming = False
                self.last_status = event
            elif event["type"] == "metrics" and event.get("points"):
                self.last_point = event["points"][-1]
            elif event["type"] == "thumbnail":  # for the teacher, not the student's page
                self.thumbnail = event
                return
            self.outbox.put(event)
            for watcher in self.watchers:
                watcher.put(event)
            if closed:  # the pool forgot the run (it could not be built, or its worker
                # died; this event says so): the session too, and commands answer no_run
                self.run_id, self.ticket = None, object()

        return deliver

    def open_run(
        self,
        pool: Pool,
        spec: dict[str, Any],
        paused: bool,
        reopen: tuple[str, dict[str, Any]] | None = None,
    ) -> str:
        """Replaces the session's run by a new one (raises PoolBusy, keeping none); with
        `reopen` (a recorded run's id and checkpoint), that run continues, recorded as
        before."""
        self.close_run(pool)
        ticket = self.ticket = object()
        deliver = self._deliver_for(ticket)
        self.run_id = pool.open_run(spec, deliver, paused, reopen[1] if reopen else None)
        self.spec = spec
        if reopen is None:
            self.begin_record()
        else:
            self.begin_record(reopened=reopen[0], epoch=reopen[1]["epoch"])
        for watcher in self.watchers:  # the teacher's view lays out the new network
            watcher.put(self.watching())
        self.thumbnail_renew_at = 0.0
        data = spec.get("data") or {}
        self.file = data.get("file") if data.get("dataset") == "csv" else None
        pool.remember(self.token, self.run_id, False, self.carry())
        return self.run_id

    def carry(self) -> dict[str, Any]:
        """What another web replica needs to go on with this session's run (app/cluster):
        the record it is written to, and its spec (for a reset's new record)."""
        return {"record": self.record_id, "spec": self.spec}

    def take_over(self, carry: dict[str, Any], recorder: Recorder | None) -> None:
        """After `adopt_run`: goes on writing the run's record here, from the epoch its
        replayed events reached (the replica before let it go at the `moved` event)."""
        spec, record = carry.get("spec"), carry.get("record")
        self.spec = spec if isinstance(spec, dict) else None
        self.recorder = recorder
        if recorder is None or not isinstance(record, str) or self.spec is None:
            return
        epochs = [e.get("epoch") for e in (self.last_status, self.last_point) if e]
        self.begin_record(reopened=record, epoch=max((int(e) for e in epochs if e), default=0))
        self.record_step = int((self.last_status or {}).get("step") or 0)

    def let_go(self) -> None:
        """Another web replica took this session's run over (its page reconnected there):
        this replica no longer records or serves it. A page that comes back here adopts it
        again (`SessionRegistry.recall`); a socket still attached here is closed, as one
        whose session another socket took over."""
        if self.socket is not None:
            self.socket.evict()
        if self.recorder is not None and self.record_id is not None:
            self.recorder.end(self.record_id)
        self.record_id = None
        self.run_id, self.ticket, self.last_status = None, object(), None
        self.resume_on_attach = self.resuming = False
        self.outbox.drop_run()

    def watching(self) -> Event:
        """The `watching` event for the teacher's read-only views of this session's run."""
        assert self.run_id is not None and self.spec is not None
        return WatchingEvent(run=self.run_id, spec=self.spec).wire()

    # --- recording (app/store) ---

    def begin_record(self, reopened: str | None = None, epoch: int = 0) -> None:
        """A new record for the current run (at start, and after a reset), or the record of
        the run `reopened`, continued."""
        if self.recorder is None or self.spec is None:
            return
        if self.record_id is not None:
            self.recorder.end(self.record_id)
        self.record_step = 0
        if reopened is not None:
            self.record_id = reopened
            self.recorder.follow(reopened, self.owner, self.warn_unsaved, epoch)
            return
        self.record_id = secrets.token_hex(6)
        kind = "gan" if self.spec.get("kind") == "gan" else self.kind
        self.recorder.begin(self.record_id, self.owner, kind, self.spec, self.warn_unsaved)

    def record(self, event: Event) -> None:
        if self.recorder is None or self.record_id is None:
            return
        if event["type"] == "status" and event.get("step") is not None:
            # A reset (the page's, or the teacher's "Reset all") starts the run again at step
            # 0; the events before it, already delivered in order, went to the old record.
            if event["step"] == 0 and self.record_step > 0:
                self.begin_record()
            self.record_step = max(self.record_step, event["step"])
        self.recorder.event(self.record_id, event)

    def warn_unsaved(self, message: str) -> None:
        if self.run_id is not None:
            self.outbox.put(SavingEvent(run=self.run_id, saved=False, message=message).wire())

    def close_run(self, pool: Pool) -> None:
        if self.recorder is not None and self.record_id is not None:
            self.recorder.end(self.record_id)
        self.record_id = None
        if self.run_id is not None:
            pool.close_run(self.run_id)
        self.run_id, self.ticket, self.last_status = None, object(), None
        self.file = self.spec = self.last_point = self.thumbnail = None
        self.resume_on_attach = self.resuming = False
        self.outbox.drop_run()


class SessionRegistry:
    """Sessions by token; attaches sockets to them and closes runs nobody came back for."""

    def __init__(self, settings: Settings, pool: Pool, recorder: Recorder | None = None) -> None:
        self.settings, self.pool, self.recorder = settings, pool, recorder
        self.sessions: dict[str, Session] = {}
        self.rebuilds: dict[str, RateLimit] = {}  # starts and resets, per client IP

    async def recall(self, ip: str, token: str | None) -> None:
        """A session another web replica served (app/cluster): takes it over here, with its
        run and its record, so `attach` resumes it (also a session this replica let go
        when its page moved, and that comes back). Nothing in one process: its sessions
        are all here."""
        known = self.sessions.get(token) if token else None
        if not token or (known is not None and known.run_id is not None):
            return
        found = await self.pool.recall(token)
        session = self.sessions.get(token)
        if found is None or (session is not None and session.run_id is not None):
            return
        if session is None:
            session = Session(token, ip, self.settings)
        run_id, resume, carry = found
        await session.adopt_run(self.pool, run_id)
        session.take_over(carry, self.recorder)
        session.resume_on_attach = resume
        self.sessions[token] = session

    def attach(self, socket: Attached, ip: str, token: str | None) -> tuple[Session, bool]:
        """The session named by `token` (taken over from any socket still holding it), or a
        new one; and whether it was resumed."""
        session = self.sessions.get(token) if token else None
        resumed = session is not None
        if session is None:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            session = self.sessions[token] = Session(token, ip, self.settings)
            session.recorder = self.recorder
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        if session.socket is not None:
            session.socket.evict()
        session.socket = socket
        session.outbox.keep_newest = False
        session.outbox.overflow = False
        if resumed and session.resume_on_attach and session.run_id is not None:
            session.resume_on_attach, session.resuming = False, True
            session.outbox.status = None  # "paused" no more: the resume's status follows
            self.pool.command(session.run_id, {"type": "resume"})
        elif resumed and session.last_status is not None:
            session.outbox.status = session.last_status  # the run's state, again
        session.outbox.wake.set()  # whatever waited while detached goes out now
        return session, resumed

    def detach(
        self, session: Session, socket: Attached, keep: bool = True, replay: bool = True
    ) -> None:
        """The socket ended: the session waits `ws_resume_grace_s` for a reconnect (or ends
        now if not `keep`). A socket that was taken over detaches nothing.

        Meanwhile its run is paused: nobody watches it, and a class that reloads or leaves
        must not spend, for the whole grace, the CPU the open pages need. A resume plays it
        again if it was training when the socket closed (and `replay`: not after a client
        too slow to read, whose run stays paused)."""
        if session.socket is not socket:
            return
        session.socket = None
        session.outbox.keep_newest = True
        if not keep or self.settings.ws_resume_grace_s <= 0:
            self.end(session)
            return
        if session.run_id is not None:
            # A resume sent by the previous attach and not yet answered counts as training.
            session.resume_on_attach = replay and (session.training or session.resuming)
            session.resuming = False
            self.pool.command(session.run_id, {"type": "pause"})
            carry = session.carry()
            self.pool.remember(session.token, session.run_id, session.resume_on_attach, carry)
        loop = asyncio.get_running_loop()
        session.expiry = loop.call_later(self.settings.ws_resume_grace_s, self.end, session)

    def end(self, session: Session) -> None:
        session.close_run(self.pool)
        if session.expiry is not None:
            session.expiry.cancel()
        self.sessions.pop(session.token, None)

    def may_rebuild(self, ip: str) -> bool:
        """Whether a client at `ip` may start or reset a run now. Building a run costs its
        worker a moment that every run there waits out: a flood of resets must not slow
        the others, so they are paced per address (`ws_rebuilds_per_s`)."""
        s = self.settings
        for known in [k for k, bucket in self.rebuilds.items() if bucket.full and k != ip]:
            del self.rebuilds[known]  # keeps the table as small as the clients rebuilding
        bucket = self.rebuilds.setdefault(ip, RateLimit(s.ws_rebuilds_per_s, s.ws_rebuild_burst))
        return bucket.allow()

    def runs_from(self, ip: str) -> int:
        return sum(1 for s in self.sessions.values() if s.ip == ip and s.run_id is not None)

    def files_in_use(self) -> frozenset[str]:
        """The uploaded files that live runs (sessions waiting for a reconnect included)
        train on: not to be deleted to make room."""
        return frozenset(s.file for s in self.sessions.values() if s.run_id is not None and s.file)

    def end_all(self) -> None:
        for session in list(self.sessions.values()):
            self.end(session)
