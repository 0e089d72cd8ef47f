"""Runs as the HTTP API and the CLI show them (docs/http-api.md, "Runs"): a summary per
run in lists, and one run in full with its metrics history."""

from __future__ import annotations

from typing import Any

from app.store.models import RunRow

# The one number that says most about each layer type, in the order tried.
LAYER_SIZE_KEYS = ("units", "filters", "hidden", "heads", "dim", "p", "size")


def spec_summary(spec: dict[str, Any]) -> dict[str, Any]:
    """What a list shows of a spec: the dataset, the hidden layers' types and, in words,
    the network (`layers_summary`), the optimizer and its learning rate (a GAN's: its
    generator's)."""
    data = spec.get("data") or {}
    if spec.get("kind") == "gan":
        generator = (spec.get("gan") or {}).get("generator") or {}
        return {
            "kind": "gan",
            "dataset": data.get("dataset"),
            "layers": [layer.get("type") for layer in generator.get("layers") or []],
            "network": layers_summary(spec),
            "optimizer": generator.get("optimizer"),
            "lr": generator.get("lr"),
        }
    train = spec.get("train") or {}
    return {
        "kind": "supervised",
        "dataset": data.get("dataset"),
        "layers": [layer.get("type") for layer in (spec.get("model") or {}).get("layers") or []],
        "network": layers_summary(spec),
        "optimizer": train.get("optimizer"),
        "lr": train.get("lr"),
    }


def layers_summary(spec: dict[str, Any]) -> list[str]:
    """The hidden layers in a few words each, e.g. ["dense 8 tanh", "dropout 0.1"]; a GAN's
    generator then discriminator, each word prefixed."""
    if spec.get("kind") == "gan":
        gan = spec.get("gan") or {}
        return [
            f"{side} {layer_words(layer)}"
            for side in ("generator", "discriminator")
            for layer in (gan.get(side) or {}).get("layers", [])
        ]
    return [layer_words(layer) for layer in (spec.get("model") or {}).get("layers", [])]


def layer_words(layer: dict[str, Any]) -> str:
    words = [str(layer.get("type", "?"))]
    size = next((layer[k] for k in LAYER_SIZE_KEYS if layer.get(k) is not None), None)
    if size is not None:
        words.append(f"{size:g}" if isinstance(size, float) else str(size))
    if isinstance(layer.get("activation"), str):
        words.append(layer["activation"])
    return " ".join(words)


def run_summary(row: RunRow) -> dict[str, Any]:
    checkpoint = row.checkpoint
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "status": row.status,
        "reason": row.reason,
        "detail": row.detail,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
        "seed": row.seed,
        "epochs": row.epochs,
        "steps": row.steps,
        "pinned": row.pinned,
        "spec_summary": spec_summary(row.spec),
        "best": row.best,
        "last": row.last,
        "checkpoint": None
        if checkpoint is None
        else {
            "step": checkpoint.step,
            "epoch": checkpoint.epoch,
            "best": bool(checkpoint.best_path),
        },
        # The run at its last checkpoint, drawn small (app/worker/thumbnail.py), or None.
        "thumbnail": None if checkpoint is None else checkpoint.thumbnail,
    }


def run_detail(row: RunRow) -> dict[str, Any]:
    return run_summary(row) | {"spec": row.spec, "metrics": [m.point for m in row.metrics]}
