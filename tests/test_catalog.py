"""The registries agree: every name the spec accepts has an implementation and an entry."""

from __future__ import annotations

import json
import typing

from app import catalog
from app.data import DATASETS
from app.nn import LAYER_BUILDERS
from app.nn.blocks import ACTIVATIONS
from app.settings import Limits
from app.spec import LAYER_TYPES, Activation, Init, Loss, Optimizer, Schedule, Skip
from app.train.optim import OPTIMIZERS


def test_registries_match_the_spec_and_the_implementations() -> None:
    assert set(typing.get_args(Activation)) == set(catalog.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(typing.get_args(Init)) == set(catalog.INITIALIZERS)
    assert set(typing.get_args(Optimizer)) == set(catalog.OPTIMIZERS) == set(OPTIMIZERS)
    assert set(typing.get_args(Schedule)) == set(catalog.SCHEDULES)
    assert set(typing.get_args(Loss)) == set(catalog.LOSSES)
    # a skip is built from the shapes before it, in build_hidden
    assert set(LAYER_TYPES) == set(LAYER_BUILDERS) | {Skip}


def test_catalog_is_json_with_every_parameter_described() -> None:
    doc = catalog.build_catalog(Limits())
    json.dumps(doc, allow_nan=False)
    assert set(doc["datasets"]) == set(DATASETS)
    for name, layer in doc["layers"].items():
        assert layer["description"], name
        for param, entry in layer["params"].items():
            assert entry["description"] and "type" in entry, (name, param)
            assert "default" in entry or entry.get("required"), (name, param)
    for section in ("data_params", "train_params"):
        for param, entry in doc[section].items():
            assert entry["description"], param
    for name, entry in doc["optimizers"].items():
        assert set(entry["params"]) <= set(doc["train_params"]), name


def test_docs_spec_md_is_current() -> None:
    """docs/spec.md is generated from the registries; regenerate it after changing them:
    python -m app.spec_doc > docs/spec.md"""
    from pathlib import Path

    from app.spec_doc import render

    path = Path(__file__).parents[1] / "docs" / "spec.md"
    assert path.read_text() == render(), "stale: run python -m app.spec_doc > docs/spec.md"
