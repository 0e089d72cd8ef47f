"""Every Redis key and stream the cluster uses, in one place, with the limits that go with
them. Keys share the `nnp:` prefix so one Redis can be inspected (or flushed) at a glance."""

from __future__ import annotations

PREFIX = "nnp:"
DEVICE_CLASSES = ("cpu", "cuda")

# Leases: a host renews its own and its runs' every RENEW_S; one not renewed for LEASE_MS
# has lapsed (three renewals missed), and the reaper fails its runs within the next second.
RENEW_S = 1.0
LEASE_MS = 3000
REAPER_LOCK_MS = 3000
# Frames: latest wins, so a stalled reader costs at most this many frames per run.
FRAME_MAXLEN = 4
# Checkpoints: a run's latest only (its weights and optimizer state, for the runs
# database), so Redis holds at most one per live run; their size is bounded by the
# `cluster_checkpoint_bytes` setting.
CHECKPOINT_MAXLEN = 1
# Events (metrics, statuses, acks) are never dropped while a run lives; this bound only
# stops a run that lives for days from growing without end (at 10 events/s: 2.7 hours).
EVENTS_MAXLEN = 100_000
# A run's streams and record outlive it this long, so a late page can still read its end.
RUN_KEEP_S = 300

HOSTS = PREFIX + "hosts"  # set of host ids (each with a lease key below)
RUNS = PREFIX + "runs"  # set of live run ids (the reaper's to watch)
REAPER_LOCK = PREFIX + "reaper"
DISPATCH_GROUP = "hosts"  # the consumer group every worker host reads dispatch through
CONTROL_GROUP = "owner"  # the consumer group of a run's control stream: its owner


def host_key(host: str) -> str:
    return f"{PREFIX}host:{host}"


def dispatch_stream(device: str) -> str:
    return f"{PREFIX}dispatch:{device}"


def run_key(run: str) -> str:
    """The run's record (a hash): device, state, owner host, the replica serving it."""
    return f"{PREFIX}run:{run}"


def owner_key(run: str) -> str:
    """The run's ownership lease: the owning host's id, with a TTL."""
    return f"{PREFIX}run:{run}:owner"


def control_stream(run: str) -> str:
    return f"{PREFIX}run:{run}:control"


def events_stream(run: str) -> str:
    return f"{PREFIX}run:{run}:events"


def frames_stream(run: str) -> str:
    return f"{PREFIX}run:{run}:frames"


def checkpoints_stream(run: str) -> str:
    return f"{PREFIX}run:{run}:checkpoints"


def session_key(token: str) -> str:
    """A websocket session's record (its run), so any replica can resume it."""
    return f"{PREFIX}session:{token}"


def run_keys(run: str) -> tuple[str, ...]:
    return (
        run_key(run),
        control_stream(run),
        events_stream(run),
        frames_stream(run),
        checkpoints_stream(run),
    )
