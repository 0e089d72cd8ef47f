"""The one shape every dataset takes: tensors in memory plus what the model needs to know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch

Task = Literal["binary", "multiclass", "regression"]
# What the input tensor holds, so the validator knows which layers make sense.
InputKind = Literal["points", "image", "sequence", "tokens", "table"]


class DataError(ValueError):
    """A dataset cannot be built from these parameters; the message says why in plain words.

    `field` names the spec field at fault (e.g. ``"data.n_classes"``), for the caller's error.
    """

    def __init__(self, message: str, field: str = "data") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Dataset:
    """Train and validation tensors (CPU) plus the facts the builder and the views need.

    Shapes (N examples):
      points:   x (N, F) float32, F = number of chosen input features
      image:    x (N, C, H, W) float32 in [0, 1]
      sequence: x (N, T, F) float32
      tokens:   x (N, T) int64 token ids in [0, vocab_size)
      table:    x (N, F) float32, standardized unless data.normalize is false
    Targets: binary and multiclass -> y (N,) int64 class index;
             regression -> y (N, D) float32.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    task: Task
    input_kind: InputKind
    input_shape: tuple[int, ...]  # one example, without the batch dimension
    class_names: list[str] = field(default_factory=list)  # empty for regression
    output_dim: int = 1  # classes for multiclass, 1 for binary, D for regression
    feature_names: list[str] = field(default_factory=list)
    vocab: list[str] = field(default_factory=list)  # tokens only: id -> character
    # Sequences whose label is fixed by the first step (the memory task): any prefix of an
    # example, cut after step L, is a valid example of length L with the same label, so
    # accuracy can be measured against the length the network must remember over.
    label_at_start: bool = False
    # Lookup data only: per validation example, the step that holds the answer, (N_val,)
    # int64; what the attention lesson checks the last step's attention weights against.
    answer_positions: torch.Tensor | None = None
    # 2-D point data only: raw (x1, x2) coordinates of each example, for plotting,
    # the square domain they live in, and the map from raw points to model inputs,
    # used to draw each neuron's output over the plane.
    points_train: torch.Tensor | None = None
    points_val: torch.Tensor | None = None
    domain: tuple[float, float] | None = None
    featurize: Callable[[torch.Tensor], torch.Tensor] | None = None
    # A held-out test set (data.test_fraction; digits and mnist only), apart from train and
    # validation: never trained on, never shown while training; None without one.
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
