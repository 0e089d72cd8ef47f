"""Every limit and default in one typed settings object, overridable by environment.

`Limits` holds the bounds that the spec schema and the validator enforce. The schema's
field bounds use `DEFAULT_LIMITS` (the ceilings, fixed when the module loads); a deployment
may tighten the runtime limits (parameters, memory, samples, epochs) through the
environment, e.g. ``NNP_LIMITS__MAX_PARAMS=1000000``.

`Settings` is never created at import time: `create_app(settings)` and the CLI build one.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Limits(BaseModel):
    """Bounds on what one experiment may ask for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_layers: int = 32
    max_units: int = 1024
    max_filters: int = 256
    max_kernel: int = 11
    max_stride: int = 4
    max_hidden: int = 512
    max_recurrent_layers: int = 4
    max_heads: int = 8
    max_embedding_dim: int = 256
    max_batch_size: int = 4096
    max_samples: int = 100_000
    max_seq_len: int = 200
    max_lr: float = 10.0
    max_epochs: int = 100_000
    max_patience: int = 1000
    max_params: int = 5_000_000
    # Bytes of activations (forward + backward) one training batch may hold.
    max_activation_bytes: int = 512 * 1024**2
    max_request_bytes: int = 64 * 1024
    max_grid: int = 200
    max_csv_bytes: int = 5 * 1024**2
    max_csv_rows: int = 100_000
    max_csv_columns: int = 64
    max_latent_size: int = 256
    max_d_steps: int = 10
    max_gan_steps: int = 10_000_000
    max_drawn_points: int = 1000
    # --- cost (app/nn/cost.py): what one step or evaluation may take on this server ---
    # The throughput the estimates assume, in GFLOP/s: one CPU training thread here measured
    # 70 to 90 alone and about 30 beside other busy processes (a big CNN on MNIST, two
    # operations per multiply-add); set higher for a GPU.
    compute_gflops: float = Field(30.0, gt=0)
    # A spec whose one training step is estimated longer than this (seconds) is refused at
    # validation, with the estimate in words; beyond warn_step_seconds it gets a warning.
    max_step_seconds: float = Field(5.0, gt=0)
    warn_step_seconds: float = Field(1.0, gt=0)
    # One evaluation (epoch-end metrics, the metrics view, a pass over the val set for the
    # confusion matrix) is estimated to take at most this (seconds): it measures only the
    # first examples of each split that fit, so a big CNN cannot stall its worker for a
    # minute. Small networks measure everything as before.
    max_eval_seconds: float = Field(1.0, gt=0)
    # Bytes one run may hold (its data, weights with their gradients and optimizer state,
    # and one batch's activations), estimated at validation: beyond, the spec is refused.
    max_run_bytes: int = Field(1024**3, gt=0)
    # Values one view of maps over the plane may hold (units x grid x grid for `neurons`):
    # a finer grid than fits is coarsened, as is one whose forward pass over the grid's
    # points would cost more than max_eval_seconds. (A 4x1024 network at grid 200 held
    # 164 M values, and its worker grew to 1.7 GB.)
    max_view_values: int = Field(1_000_000, gt=0)


DEFAULT_LIMITS = Limits()


class Settings(BaseSettings):
    """Server and runtime settings; environment variables are prefixed ``NNP_``."""

    model_config = SettingsConfigDict(env_prefix="NNP_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Where generated caches and user uploads (CSV files) live.
    data_dir: Path = Path("data")
    # The uploads folder (data_dir/uploads) holds at most this many bytes of CSV files: a new
    # upload that would overflow it deletes the oldest uploads first.
    max_upload_dir_bytes: int = Field(200 * 1024**2, ge=0)
    # An upload is not deleted to make room for this long (seconds) after it was uploaded,
    # nor while a live run names it: when only such files remain, a new upload is refused.
    upload_keep_s: float = Field(600.0, ge=0)
    # Uploads one client address may make per window (files, and bytes in all), so one
    # client cannot flush everyone else's files out of the folder.
    upload_quota_files: int = Field(20, ge=1, le=100_000)
    upload_quota_bytes: int = Field(50 * 1024**2, ge=1)
    upload_quota_window_s: float = Field(3600.0, gt=0)
    limits: Limits = Limits()
    # Intra-op threads per training process. The playground's networks are small: one
    # thread is fastest for them, and it keeps several processes from fighting over cores.
    torch_threads: int = Field(1, ge=1, le=256)

    # --- websockets (app/web/ws.py, docs/protocol.md) ---
    # Pages from these origins may open /ws besides the server's own (the Host header's
    # host and port), e.g. NNP_ALLOWED_ORIGINS='["https://class.example.org"]'. A client
    # that sends no Origin is not a browser and is let in.
    allowed_origins: list[str] = Field(default_factory=list)
    # Host header names accepted besides IP literals and "localhost" (the guard against DNS
    # rebinding), e.g. '["teacher.local"]'; "*" accepts any name.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Addresses of reverse proxies whose X-Forwarded-For (and -Proto) headers name the real
    # client, e.g. '["10.0.0.5"]'. Empty: the header is ignored from everyone, loopback
    # included, so a client cannot escape the per-address limits by writing it.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Open websockets per client IP and in total, checked before the handshake completes.
    ws_sockets_per_ip: int = Field(8, ge=1, le=100_000)
    ws_sockets_total: int = Field(300, ge=1, le=1_000_000)
    # Runs held per client IP, counting sessions waiting for a reconnect (one per session).
    ws_runs_per_ip: int = Field(8, ge=1, le=100_000)
    # Compress websocket messages (permessage-deflate): a frame of TensorFlow Playground's
    # views takes 4.9 KB instead of 11.9, but compressing was 70% of the web process's work
    # at 100 students (a third of a core). Off: a LAN carries 100 students' frames at 10
    # fps (12 MB/s) easily; turn it on for a slow network.
    ws_compression: bool = False
    # The largest client message, in bytes: a bigger one closes the socket with 1009.
    ws_max_message_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024**2)
    # Client messages per second, with a burst as large: beyond, an error and close 1008.
    ws_messages_per_s: float = Field(50.0, gt=0, le=10_000)
    # Starts and resets (each rebuilds a run on a worker, a pause for every run there) per
    # second from one client IP, with a burst of ws_rebuild_burst: beyond, an error event
    # and the message is not applied (the socket stays open).
    ws_rebuilds_per_s: float = Field(4.0, gt=0, le=1000)
    ws_rebuild_burst: int = Field(8, ge=1, le=1000)
    # Seconds one send to a client may take; a client that does not read for longer is too
    # slow: its socket is closed and its run paused.
    ws_send_timeout_s: float = Field(5.0, gt=0, le=300)
    # Metric points waiting for one client at most (they are never dropped while it is
    # connected: beyond this it is too slow and closed as above).
    ws_max_pending_points: int = Field(2000, ge=10, le=1_000_000)
    # Other events (errors, predictions, done) waiting for one client at most, likewise.
    ws_max_pending_events: int = Field(64, ge=4, le=10_000)
    # After a socket closes, its session keeps its run this long (seconds) for a reconnect
    # with the session token (a page reload); then the run is closed.
    ws_resume_grace_s: float = Field(30.0, ge=0, le=3600)
    # A connected session whose run is not training and that sent nothing for this long
    # (seconds) is closed with its run.
    ws_idle_timeout_s: float = Field(1800.0, gt=0)
    # A connected session with no run that sent nothing for this long (seconds) is closed:
    # an idle socket must not hold a place (and its buffers) for half an hour.
    ws_idle_no_run_s: float = Field(60.0, gt=0)

    # --- HTTP routes (app/web, docs/http-api.md) ---
    # Threads the expensive routes (validate, points, examples, uploads) share; more
    # requests wait for one, so a flood of them leaves the cheap routes and the event loop
    # free.
    heavy_route_threads: int = Field(2, ge=1, le=64)

    # --- lesson checks (app/web/checks.py, docs/lessons.md) ---
    # Each check trains in its own process; these bound how many run at once, from one
    # client IP and on the server (beyond: 429), and how long one may take (then: 503).
    lesson_checks_per_ip: int = Field(1, ge=1, le=1000)
    lesson_checks_total: int = Field(2, ge=1, le=1000)
    lesson_check_time_limit_s: float = Field(300.0, gt=0, le=3600)

    # --- the runs database (app/store, docs/runs.md) ---
    # Where runs are recorded: a SQLAlchemy URL, e.g. postgresql://user:pw@host/db (psycopg
    # 3). Unset: the SQLite file runs.sqlite in data_dir. Checkpoints (safetensors files)
    # live in data_dir/checkpoints either way.
    database_url: str | None = None
    # Record the runs the server hosts (false: nothing is written, nothing is listed).
    record_runs: bool = True
    # A training run sends its weights and optimizer state this often (seconds), and at
    # each pause and end; 0: only at pause and end.
    checkpoint_s: float = Field(5.0, ge=0, le=3600)
    # Runs kept per owner and in all: beyond, the oldest unpinned runs (with their
    # checkpoints) are deleted when a new one is recorded.
    runs_per_owner: int = Field(200, ge=1, le=1_000_000)
    runs_total: int = Field(20_000, ge=1, le=100_000_000)
    # Writes waiting for the database at most: beyond (a slow disk), a run's writes are
    # dropped and its page told "not saved"; training never waits.
    store_queue: int = Field(2000, ge=10, le=1_000_000)

    # --- the worker pool (app/worker) ---
    # Training processes; 0 means one per CPU core.
    workers: int = Field(0, ge=0, le=256)
    # Where runs train: "auto" picks CUDA when PyTorch sees a GPU.
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    # Each run trains in turns of about this long before the worker moves to the next, so a
    # big run cannot starve small ones.
    slice_ms: float = Field(5.0, gt=0, le=1000)
    # Small dense runs of one worker train together, one batched step for all of them
    # (app/train/group); false: each run trains alone in its turn (to compare, or debug).
    group_runs: bool = True
    # Runs on the whole server, beyond which starting one answers "server busy".
    max_runs: int = Field(200, ge=1, le=100_000)
    # A Redis URL (redis://host:6379/0): `serve` is then a web replica whose runs train on
    # worker hosts (`nnplayground worker`) reached through Redis Streams (app/cluster);
    # None: the workers are this process's own (the embedded default).
    redis_url: str | None = Field(None, pattern=r"^rediss?://\S+$")
    # On a cluster, a run's checkpoint (weights and optimizer state, bytes) travels over
    # Redis to the replica that records it only up to this size, and so does one a reopen
    # sends back; a larger one is not saved (its page is told) and cannot be reopened there.
    cluster_checkpoint_bytes: int = Field(8 * 1024**2, ge=0, le=256 * 1024**2)
    # A run ends ("failed: time limit") after this much wall time.
    run_time_limit_s: float = Field(3600.0, gt=0)
    # A run whose one training step took longer than this (seconds, measured) ends as failed:
    # validation refuses steps estimated beyond limits.max_step_seconds, this catches what
    # the estimate missed, so no run holds its worker that long at every turn.
    run_step_limit_s: float = Field(15.0, gt=0)
    # Workers report this often; one silent for heartbeat_timeout_s is replaced. (A worker
    # that dies is noticed at once, from its closed pipe.)
    heartbeat_s: float = Field(0.25, gt=0, le=10)
    heartbeat_timeout_s: float = Field(20.0, gt=0)
    # A worker has this long (seconds) from its spawn to say it is ready (importing torch
    # took 18.6 s under load here), after which heartbeat_timeout_s applies. Runs are placed
    # only on ready workers.
    startup_timeout_s: float = Field(120.0, gt=0)
    # Address space a CPU worker may map (bytes; 0: no cap). A run whose allocation would
    # go beyond fails alone ("out of memory"), not the worker with every run on it. A worker
    # maps about 1 GB before its first run.
    worker_memory_bytes: int = Field(8 * 1024**3, ge=0)
    # Status events while a run trains, per second.
    status_hz: float = Field(4.0, gt=0, le=60)
    # Metrics events (each with every epoch's point since the last) while a run trains, per
    # second: a small net ends 100+ epochs a second, and a class's one event per epoch per
    # run was most of what the web process relayed.
    metrics_hz: float = Field(10.0, gt=0, le=60)

    # --- frames (app/worker/hosted.py, docs/protocol.md) ---
    # Feature maps sent per conv/pool layer at most (its first channels): a 64-filter layer
    # would otherwise cost more to draw than anyone can look at.
    frame_max_maps: int = Field(16, ge=1, le=1024)
    # A feature map larger than this (pixels) on either side is average-pooled down to fit.
    frame_max_map_size: int = Field(32, ge=2, le=1024)
    # Views that cost a pass over the validation set (confusion, misclassified, accuracy by
    # length, gradients over time) are computed at most this often per second.
    slow_view_hz: float = Field(2.0, gt=0, le=60)

    # --- class mode (app/web/classroom.py, docs/classroom.md) ---
    # The code students join with (case-insensitive) and the key of the teacher's page.
    # Class mode is on when a code is set, or when the server binds a non-loopback address
    # and open_access is false; then a missing code or key is generated at start.
    class_code: str | None = Field(None, pattern=r"^[A-Za-z0-9]{4,32}$")
    teacher_key: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{12,128}$")
    # Serve a non-loopback address open to anyone, as before class mode (`serve --open`).
    open_access: bool = False
    # Wrong codes or keys one client address may send per minute; beyond, 429 until the
    # oldest of them is a minute old.
    class_failures_per_min: int = Field(10, ge=1, le=10_000)
    # Students in one class at most (each holds a name and a session).
    class_max_students: int = Field(200, ge=1, le=100_000)
    # Thumbnails a student's run sends the teacher's overview per second at most (each a
    # 24x24 boundary or a few probabilities, observed once by its worker); 0: none.
    class_thumbnail_hz: float = Field(2.0, ge=0, le=10)

    @property
    def class_mode(self) -> bool:
        return self.class_code is not None or not (self.open_access or is_loopback(self.host))

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def checkpoints_dir(self) -> Path:
        return self.data_dir / "checkpoints"


def is_loopback(host: str) -> bool:
    """Whether binding `host` serves this machine only ("localhost", 127.x, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False
