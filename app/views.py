"""The views a viewer may ask for, and how each travels: the one table that the wire
(app/protocol.py: which names a `view` message may hold), the worker (app/worker/hosted.py:
how a frame is paced and encoded) and the probes (app/train/probes: one function per name,
tests/test_views.py holds them to this table) share.

No torch here: the protocol, and so the reference client, must load without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RunKind = Literal["supervised", "gan"]
SUPERVISED: frozenset[RunKind] = frozenset({"supervised"})
GAN: frozenset[RunKind] = frozenset({"gan"})


@dataclass(frozen=True)
class ViewFacts:
    """How one view's result travels in a frame (docs/protocol.md, "Views")."""

    runs: frozenset[RunKind]  # the kinds of run that have it
    map: bool = False  # a heatmap: uint8 quantized in frames (other arrays go as float16)
    image_map: bool = False  # a map for image data only (an image; a sequence stays exact)
    sliced: bool = False  # quantized per index along axis 0, each slice over its own range
    plane: bool = False  # a map over the plane at the view's `boundary_grid`, not `grid`
    slow: bool = False  # a pass over (part of) the validation set: paced at slow_view_hz
    per_example: bool = False  # of the viewer's sample or drawing: never slow, whatever it costs
    streamable: bool = True  # False: asked for by a message of its own (`predict`), not `view`
    # The layer types whose presence lets a run show it (none: any run of its kinds); the
    # catalog lists them per layer type, and the page asks for what its layers offer.
    layers: tuple[str, ...] = ()


CONVOLUTIONAL = ("conv2d", "maxpool2d", "avgpool2d")
RECURRENT = ("rnn", "lstm", "gru")
MEMORY = (*RECURRENT, "attention")  # layers that carry information along a sequence

# In the order the probes list them: supervised views, then a GAN's (both have `metrics`).
VIEW_FACTS: dict[str, ViewFacts] = {
    "metrics": ViewFacts(SUPERVISED | GAN),
    "history": ViewFacts(SUPERVISED),
    "grad_norms": ViewFacts(SUPERVISED),
    "weight_norms": ViewFacts(SUPERVISED),
    "weights": ViewFacts(SUPERVISED),
    "weight_grads": ViewFacts(SUPERVISED),
    "histograms": ViewFacts(SUPERVISED),
    "activation_stats": ViewFacts(SUPERVISED),
    "neurons": ViewFacts(SUPERVISED, map=True),
    "boundary": ViewFacts(SUPERVISED, map=True, plane=True),
    "feature_maps": ViewFacts(
        SUPERVISED, map=True, sliced=True, per_example=True, layers=CONVOLUTIONAL
    ),
    "filters": ViewFacts(SUPERVISED, map=True, sliced=True, layers=("conv2d",)),
    "hidden_states": ViewFacts(SUPERVISED, map=True, per_example=True, layers=RECURRENT),
    "attention": ViewFacts(SUPERVISED, map=True, per_example=True, layers=("attention",)),
    "attention_query": ViewFacts(SUPERVISED, per_example=True, layers=("attention",)),
    "sequence_prediction": ViewFacts(SUPERVISED),
    "confusion": ViewFacts(SUPERVISED, slow=True),
    "probabilities": ViewFacts(SUPERVISED, per_example=True),
    "example": ViewFacts(SUPERVISED, image_map=True, per_example=True),
    "misclassified": ViewFacts(SUPERVISED, map=True, sliced=True, slow=True),
    "time_grads": ViewFacts(SUPERVISED, slow=True, layers=MEMORY),
    "accuracy_by_length": ViewFacts(SUPERVISED, slow=True, layers=MEMORY),
    "predict": ViewFacts(SUPERVISED, streamable=False),
    "adversarial": ViewFacts(SUPERVISED, per_example=True),
    "gates": ViewFacts(SUPERVISED, map=True, per_example=True, layers=("lstm", "gru")),
    "embedding": ViewFacts(SUPERVISED, layers=("embedding",)),
    "loss_landscape": ViewFacts(SUPERVISED, slow=True),
    "receptive_fields": ViewFacts(SUPERVISED, map=True, sliced=True, slow=True, layers=("conv2d",)),
    "gan_samples": ViewFacts(GAN),
    "gan_manifold": ViewFacts(GAN),
    "gan_discriminator": ViewFacts(GAN, map=True, plane=True),
    "gan_gradients": ViewFacts(GAN),
    "gan_images": ViewFacts(GAN, map=True),
    "gan_interpolation": ViewFacts(GAN, map=True),
    "gan_quality": ViewFacts(GAN, slow=True),
}

STREAMABLE_VIEWS = tuple(name for name, f in VIEW_FACTS.items() if f.streamable)
MAP_VIEWS = frozenset(name for name, f in VIEW_FACTS.items() if f.map)
PLANE_VIEWS = frozenset(name for name, f in VIEW_FACTS.items() if f.plane)
SLICED_VIEWS = frozenset(name for name, f in VIEW_FACTS.items() if f.sliced)
SLOW_VIEWS = frozenset(name for name, f in VIEW_FACTS.items() if f.slow)
PER_EXAMPLE_VIEWS = frozenset(name for name, f in VIEW_FACTS.items() if f.per_example)


def views_of(kind: RunKind) -> tuple[str, ...]:
    """The views a kind of run has, `predict` included, in the table's order."""
    return tuple(name for name, f in VIEW_FACTS.items() if kind in f.runs)


def is_map(view: str, input_kind: str) -> bool:
    """Whether a view's arrays travel as uint8 maps: heatmaps, and the example an image
    view is looking at (a sequence or token ids must stay exact)."""
    facts = VIEW_FACTS.get(view)
    return facts is not None and (facts.map or (facts.image_map and input_kind == "image"))


def views_of_layer(layer_type: str) -> list[str]:
    """The views a layer of this type lets a run show (ViewFacts.layers)."""
    return [name for name, facts in VIEW_FACTS.items() if layer_type in facts.layers]
