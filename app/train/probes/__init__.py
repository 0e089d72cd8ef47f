"""What a viewer can observe of a run, as numpy arrays. Every probe runs under no_grad in
eval mode (restored afterwards) and draws no random numbers, so observing never changes
training (`time_grads` turns gradients on for its own pass, and asks autograd for one
tensor's gradient only, so no parameter's .grad changes). Each view is one small function
in `VIEWS`; `observe` dispatches. Plain numbers and lists in a view's result travel in a
frame's `values`, arrays as arrays (app/worker/hosted.py).

The views live by what they look at: `numbers` (metrics, norms, weights), `plane` (2-D
point data over the plane), `example` (one example through the network, and inputs a person
gives), `validation` (the validation set); `common` holds what they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from app.train.modes import evaluating
from app.train.probes import (
    adversarial,
    embedding,
    example,
    gates,
    landscape,
    numbers,
    plane,
    receptive,
    validation,
)
from app.train.probes.common import ObserveError
from app.train.probes.example import check_example_input, feature_map_channels

if TYPE_CHECKING:
    from app.train.run import Run

__all__ = ["VIEWS", "ObserveError", "check_example_input", "feature_map_channels", "observe"]

Arrays = dict[str, Any]


def observe(run: Run, views: tuple[str, ...], **options: Any) -> Arrays:
    """The named views' results. `memo` (a dict, one per call unless given) lets views
    share work while the weights stay the same: pass one memo to several calls only
    between two changes of the weights (the worker does, within one frame)."""
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise ObserveError(f"unknown view {unknown[0]!r}; views are {', '.join(VIEWS)}")
    options.setdefault("memo", {})
    with torch.no_grad(), evaluating(run.model):
        return {view: VIEWS[view](run, **options) for view in views}


VIEWS: dict[str, Callable[..., Any]] = {
    "metrics": numbers.metrics,
    "history": numbers.history,
    "grad_norms": numbers.grad_norms,
    "weight_norms": numbers.weight_norms,
    "weights": numbers.weights,
    "weight_grads": numbers.weight_grads,
    "histograms": numbers.histograms,
    "activation_stats": numbers.activation_stats,
    "neurons": plane.neurons,
    "boundary": plane.boundary,
    "feature_maps": example.feature_maps,
    "filters": example.filters,
    "hidden_states": example.hidden_states,
    "attention": example.attention,
    "attention_query": example.attention_query,
    "sequence_prediction": validation.sequence_prediction,
    "confusion": validation.confusion,
    "probabilities": example.probabilities,
    "example": example.example,
    "misclassified": validation.misclassified,
    "time_grads": validation.time_grads,
    "accuracy_by_length": validation.accuracy_by_length,
    "predict": example.predict,
    "adversarial": adversarial.adversarial,
    "gates": gates.gates,
    "embedding": embedding.embedding,
    "loss_landscape": landscape.loss_landscape,
    "receptive_fields": receptive.receptive_fields_view,
}
