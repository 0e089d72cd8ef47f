"""The view table (app/views.py) is the probes' list, and the wire loads without torch."""

from __future__ import annotations

import subprocess
import sys

from app.train.probes import VIEWS
from app.train.probes.gan import GAN_VIEWS
from app.views import (
    MAP_VIEWS,
    PER_EXAMPLE_VIEWS,
    PLANE_VIEWS,
    SLICED_VIEWS,
    SLOW_VIEWS,
    STREAMABLE_VIEWS,
    VIEW_FACTS,
    is_map,
    views_of,
)


def test_the_table_names_every_probe_and_no_other() -> None:
    assert views_of("supervised") == tuple(VIEWS)
    assert views_of("gan") == tuple(GAN_VIEWS)
    assert set(VIEW_FACTS) == set(VIEWS) | set(GAN_VIEWS)
    assert "predict" not in STREAMABLE_VIEWS  # a message of its own


def test_the_facts_agree_with_each_other() -> None:
    """What the worker relies on: a sliced or plane view is a map, and a per-example view
    is never slow (it must follow every new drawing)."""
    assert SLICED_VIEWS <= MAP_VIEWS and PLANE_VIEWS <= MAP_VIEWS
    assert not SLOW_VIEWS & PER_EXAMPLE_VIEWS
    assert is_map("example", "image") and not is_map("example", "sequence")
    assert is_map("neurons", "points") and not is_map("weights", "points")


def test_the_wire_loads_without_torch() -> None:
    """The protocol (and the reference client, which parses with it) never imports torch:
    a script that only talks to a server need not load it."""
    code = (
        "import sys, app.protocol, app.client; "
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
