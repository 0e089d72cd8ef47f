"""The fork server's preload: multiprocessing skips a module it cannot import without a
word, and every worker would then import it again, slowly, after its fork."""

from __future__ import annotations

import importlib

import pytest

from app.train.processes import PRELOAD, process_context


@pytest.mark.parametrize("module", PRELOAD)
def test_each_preloaded_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_processes_fork_from_the_fork_server() -> None:
    assert process_context().get_start_method() == "forkserver"
