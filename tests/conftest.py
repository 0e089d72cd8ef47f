"""Shared test setup."""

from __future__ import annotations

import pytest
import torch

# As the CLI and the workers do (Settings.torch_threads): small nets train fastest on one
# thread, and timings do not depend on what else the machine is running.
torch.set_num_threads(1)


# The fast tier (`pytest -m "not slow"`, README: for contributors) leaves out whatever starts
# a real server, a browser or a pool of workers, or trains for long; CI runs everything.
SLOW_FOLDERS = ("page", "web", "worker")
SLOW_FILES = frozenset(
    {
        "test_lessons_hold.py",  # every lesson on five seeds
        "test_lesson_http.py",
        "test_learning.py",
        "test_gan.py",
        "test_gan_learning.py",
        "test_judge.py",
        "test_cli.py",  # the real command in subprocesses
        "test_lesson_cli.py",
        "test_packaging.py",  # builds a wheel
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if path.parent.name in SLOW_FOLDERS or path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
