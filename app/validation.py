"""Checks a parsed spec against the data it names and the server's limits: builds the data,
infers every layer's shape and parameter count (on the meta device: no memory), and picks
the loss. The pydantic models have already checked every field's bounds."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from app.data import build_dataset
from app.data.base import DataError, Dataset
from app.data.gan import GanData, build_gan_data
from app.data.losses import resolve_loss
from app.nn import ModelInput, SpecError, build_model, cost
from app.nn.build import ModelReport
from app.nn.gan import build_discriminator, build_generator
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import ExperimentSpec
from app.views import views_of_layer


def check_spec(
    spec: ExperimentSpec,
    *,
    data_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    data: Dataset | GanData | None = None,
) -> dict[str, Any]:
    """The validated summary (data, per-layer shapes and parameters, output, totals), or
    `SpecError` naming the field and the reason. `data`, if given, is the spec's dataset
    already built (by `load_data`)."""
    data = data or load_data(spec, data_dir=data_dir, limits=limits)
    if isinstance(data, GanData):
        return _check_gan(spec, data, limits)
    try:
        loss = resolve_loss(data.task, spec.train.loss)
    except ValueError as e:
        raise SpecError("train.loss", str(e)) from None
    if spec.train.batch_size < 2 and any(layer.type == "batchnorm" for layer in spec.model.layers):
        raise SpecError("train.batch_size", "batch norm needs at least 2 examples per batch")
    _, report = build_model(
        spec.model.layers,
        ModelInput.of(data),
        batch_size=spec.train.batch_size,
        limits=limits,
        device="meta",
        output_init=spec.model.output_init,
        output_init_value=spec.model.output_init_value,
    )
    estimate, warnings = _step_estimate(report, spec.train.batch_size, limits)
    _check_memory(report, data, limits)
    return {
        "data": {
            "task": data.task,
            "input_kind": data.input_kind,
            "input_shape": list(data.input_shape),
            "train_examples": len(data.x_train),
            "val_examples": len(data.x_val),
            "classes": data.class_names,
            "features": data.feature_names,
            "label_at_start": data.label_at_start,
        },
        "layers": [
            dataclasses.asdict(layer) | {"views": views_of_layer(layer.type)}
            for layer in report.layers
        ],
        "output": {"units": data.output_dim, "activation": report.output_activation, "loss": loss},
        "total_params": report.total_params,
        "activation_bytes": report.activation_bytes,
        "step_estimate": estimate,
        "warnings": warnings,
    }


def _step_estimate(
    report: ModelReport, batch_size: int, limits: Limits
) -> tuple[dict[str, float], list[str]]:
    """One training step's estimated cost (app/nn/cost.py) and the warnings it earns;
    a step beyond `limits.max_step_seconds` is refused: it would hold its worker that long
    at every turn, and its evaluations longer still."""
    flops = cost.step_flops(report, batch_size)
    secs = cost.seconds(flops, limits)
    said = (
        f"one training step of this network (a batch of {batch_size}) would take about "
        f"{cost.in_words(secs)} on this server"
    )
    if secs > limits.max_step_seconds:
        raise SpecError(
            "model.layers",
            f"{said}; the limit is {cost.in_words(limits.max_step_seconds)}: use fewer or "
            "smaller layers, or a smaller batch",
        )
    warnings = [f"{said}: training will be slow"] if secs > limits.warn_step_seconds else []
    return {"flops": flops, "seconds": round(secs, 6)}, warnings


# The spec field a person would change to shrink each part of a run's memory.
MEMORY_FIELDS = {"data": "data.n_samples", "weights": "model.layers", "activations": "model.layers"}


def _check_memory(report: ModelReport, data: Dataset, limits: Limits) -> None:
    """Refuses a run that would hold more than `limits.max_run_bytes`, naming its parts."""
    tensors = (data.x_train, data.y_train, data.x_val, data.y_val)
    parts = cost.run_bytes(report, sum(t.element_size() * t.nelement() for t in tensors))
    total = sum(parts.values())
    if total <= limits.max_run_bytes:
        return
    largest = max(parts, key=lambda k: parts[k])
    listed = ", ".join(f"{k} {cost.bytes_in_words(v)}" for k, v in parts.items())
    raise SpecError(
        MEMORY_FIELDS[largest],
        f"this run would hold about {cost.bytes_in_words(total)} of memory ({listed}); "
        f"the limit per run is {cost.bytes_in_words(limits.max_run_bytes)}",
    )


def _check_gan(spec: ExperimentSpec, data: GanData, limits: Limits) -> dict[str, Any]:
    """A GAN's summary: its real samples and each network's layers, output and totals."""
    gan = spec.gan
    assert gan is not None
    if gan.batch_size < 2 and any(
        layer.type == "batchnorm"
        for net in (gan.generator, gan.discriminator)
        for layer in net.layers
    ):
        raise SpecError("gan.batch_size", "batch norm needs at least 2 examples per batch")
    shape = data.shape
    networks = {}
    for side, build in (("generator", build_generator), ("discriminator", build_discriminator)):
        _, report = build(gan, shape, limits=limits, device="meta")
        networks[side] = {
            "input_shape": report.input_shape,
            "layers": [
                dataclasses.asdict(layer) | {"views": views_of_layer(layer.type)}
                for layer in report.layers
            ],
            "output_activation": report.output_activation,
            "total_params": report.total_params,
            "activation_bytes": report.activation_bytes,
        }
    return {
        "kind": "gan",
        "data": {
            "input_kind": data.input_kind,
            "input_shape": list(shape),
            "examples": len(data.real),
            "domain": data.domain,
            "modes": None if data.modes is None else len(data.modes),
        },
        **networks,
        "latent_size": gan.latent_size,
        "loss": gan.loss,
        "total_params": sum(n["total_params"] for n in networks.values()),
    }


def load_data(spec: ExperimentSpec, *, data_dir: Path | None, limits: Limits) -> Dataset | GanData:
    """The spec's dataset (a GAN's real samples for kind 'gan'), with data errors turned
    into `SpecError`s."""
    if spec.data.n_samples is not None and spec.data.n_samples > limits.max_samples:
        raise SpecError("data.n_samples", f"must be at most {limits.max_samples:,} on this server")
    try:
        if spec.kind == "gan":
            return build_gan_data(spec.data, spec.seed)
        return build_dataset(spec.data, spec.seed, data_dir=data_dir, limits=limits)
    except DataError as e:
        raise SpecError(e.field, str(e)) from None
