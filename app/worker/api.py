"""What the web layer needs of the worker pool: the contract between app/web and app/worker.

Events a run produces, delivered to the callback given to `open_run` (always called on the
event loop's thread, in order per run): the dicts of app/protocol.py's event models
(`StatusEvent(...).wire()`: status, metrics, prediction, generated, error, done), and

  {"type": "frame", "run": id, "data": bytes, "slow": bool}  # an encoded binary frame
  {"type": "checkpoint", "run": id, "step": int, "epoch": int, "val_loss": float | None,
   "weights": bytes, "optimizer": bytes,  # safetensors (app/train/checkpoint.py), for the
   "thumbnail": dict | None}                # runs database only: never sent to a client
                                            # (the thumbnail: app/worker/thumbnail.py)

An `error` (the run could not be built) or `done` (its worker died) with "closed": true is
the run's last event: the pool has forgotten it, and so should its owner.

Non-finite numbers may appear in events; `app.protocol.dumps` turns them into null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Event = dict[str, Any]
Deliver = Callable[[Event], None]
# A session another replica served: its run, whether a resume plays it again, and what it
# carried (`Pool.remember`).
Recalled = tuple[str, bool, dict[str, Any]]
# What the pool sends a worker: (kind, run id, payload); see app/worker/process.WorkerLoop.
Command = tuple[str, str | None, Any]


class PoolBusy(Exception):
    """The server runs as many runs as it allows; the message says so in plain words."""


class Pool(Protocol):
    device: str  # "cpu" or "cuda", what the workers train on

    async def start(self, wait: bool = True) -> None:
        """Spawns the workers; with `wait`, returns once every one is ready."""

    async def wait_ready(self, timeout: float) -> bool:
        """Waits up to `timeout` s until some worker can take a run; whether one can."""

    async def stop(self) -> None:
        """Ends every run and worker (no orphan processes)."""

    def open_run(
        self,
        spec: dict[str, Any],
        deliver: Deliver,
        paused: bool = False,
        checkpoint: dict[str, Any] | None = None,
    ) -> str:
        """Places a run on the least-loaded ready worker; returns its id. Raises PoolBusy
        (in words) when the server is full or no worker is ready.
        `spec` is a validated ExperimentSpec as a dict (model_dump); `checkpoint`, if
        given, {"weights": bytes, "optimizer": bytes} to continue from."""

    def command(self, run_id: str, message: dict[str, Any]) -> None:
        """Forwards a validated client message (model_dump of pause/resume/step/reset/set/
        view/predict/speed) to the run's worker. Unknown run ids are ignored."""

    async def fetch_state(self, run_id: str, timeout: float) -> Event | None:
        """Asks the run's worker for its weights: the StateEvent dict it answers (its spec,
        step and state_dict as raw tensors; app/protocol.py), or None when the run is
        unknown or no answer came within `timeout` s."""

    def close_run(self, run_id: str) -> None:
        """Stops and forgets a run; its callback receives nothing more."""

    def remember(
        self, token: str, run_id: str, resume: bool, carry: dict[str, Any] | None = None
    ) -> None:
        """Records a session's run (and whether a resume plays it again, and what the
        session needs to go on with it elsewhere: `carry`, its record id and spec) where
        another web replica finds it (app/cluster/replica.py); in one process, the
        sessions suffice."""

    async def recall(self, token: str) -> Recalled | None:
        """A session's run another replica served, whether to play it again, and what it
        carried; or None."""

    async def adopt(self, run_id: str, deliver: Deliver) -> None:
        """Serves a run started through another replica: replays its events to `deliver`
        (up to now, before returning), then follows them. The replica that served it
        before lets it go: its `deliver` receives {"type": "moved"} and nothing more."""

    @property
    def run_count(self) -> int: ...
