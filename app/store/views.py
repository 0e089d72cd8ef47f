"""Runs as the HTTP API and the CLI show them (docs/http-api.md, "Runs"): a summary per
run in lists, and one run in full with its metrics history."""

from __future__ import annotations

from typing import Any

from app.store.models import RunRow


def spec_summary(spec: dict[str, Any]) -> dict[str, Any]:
    """What a list shows of a spec: the dataset, the hidden layers' types, the optimizer
    and its learning rate (a GAN's: its generator's)."""
    data = spec.get("data") or {}
    if spec.get("kind") == "gan":
        generator = (spec.get("gan") or {}).get("generator") or {}
        return {
            "kind": "gan",
            "dataset": data.get("dataset"),
            "layers": [layer.get("type") for layer in generator.get("layers") or []],
            "optimizer": generator.get("optimizer"),
            "lr": generator.get("lr"),
        }
    train = spec.get("train") or {}
    return {
        "kind": "supervised",
        "dataset": data.get("dataset"),
        "layers": [layer.get("type") for layer in (spec.get("model") or {}).get("layers") or []],
        "optimizer": train.get("optimizer"),
        "lr": train.get("lr"),
    }


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
    }


def run_detail(row: RunRow) -> dict[str, Any]:
    return run_summary(row) | {"spec": row.spec, "metrics": [m.point for m in row.metrics]}
