"""How this project starts the processes that train (workers, lesson checks): forked from
a fork server that imported torch and this app once.

Not `fork`: CUDA cannot be forked once initialised, and a server forks while it serves.
Not `spawn`: each spawned process imported torch and its compiler stack again (about
2.5 s of a core), which every server start, every restart of a crashed worker and every
lesson check waited for. The fork server is a fresh process that only imports (it never
computes, so no CUDA context or thread pool is forked) and forks a child per start in
milliseconds; it ends with the process that started it."""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.context import ForkServerContext

# What the fork server imports before its first fork. A name that fails to import is
# skipped by multiprocessing without a word (tests/train/test_processes.py imports each).
PRELOAD = [
    "torch._dynamo",  # the first optimizer torch builds imports it (about a second)
    "app.worker.process",
    "app.lessons",
]


def process_context() -> ForkServerContext:
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
