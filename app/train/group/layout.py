"""Which runs may train together, and the shape each one brings to its group.

A run can join a group when its network is a plain dense stack (dense layers, each maybe
followed by dropout) on vector input small enough that padding it costs nothing worth
measuring (see docs/architecture.md, "Training a class together"). Runs share a group when
their `GroupKey` is equal: same task, loss, output size, optimizer kind and device; all the
rest (units, layers, features, activations, dropout, data, batch size, every
hyperparameter) may differ from run to run.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.data.losses import resolve_loss
from app.spec import Dense, Dropout
from app.train.run import Run

# Padding limits, chosen by measurement (bench/group.py, docs/architecture.md): up to 8
# units (TensorFlow Playground's most) and 6 layers a step costs its dispatch, whatever each
# run's shape, so every such net of a class shares one group; wider nets pad only to their
# own width class (16, 32), as padding 50 default nets to 16 wide would cost more than a
# second group; beyond 32 units the arithmetic shows and the run trains alone.
MAX_WIDTH = 32  # units in a layer, or input features
WIDTH_CLASSES = (8, 16, 32)
MAX_DEPTH = 8  # hidden dense layers
MAX_EXAMPLES = 2000  # train (and val) examples
MAX_BATCH = 256
KINDS = frozenset({"sgd", "adam", "adamw", "rmsprop", "adagrad"})


@dataclass(frozen=True)
class GroupKey:
    task: str
    loss: str
    outputs: int
    optimizer: str
    device: str
    width: int  # the width class: the widest layer or input, rounded up (WIDTH_CLASSES)


@dataclass(frozen=True)
class DenseLayout:
    """A run's network as its group sees it."""

    key: GroupKey
    features: int
    units: tuple[int, ...]  # each hidden dense layer's
    activations: tuple[str, ...]
    dropout: tuple[float, ...]  # p of the dropout after each dense layer (0: none)
    modules: tuple[str, ...]  # each dense layer's name in the model, then "output"
    hidden: tuple[tuple[str, int], ...]  # each hidden layer's name, and the dense it shows


def layout_of(run: object) -> DenseLayout | None:
    """The run's layout if it can train in a group, else None (it trains alone)."""
    if not isinstance(run, Run) or run.data.x_train.ndim != 2:
        return None
    train = run.spec.train
    n_train, n_val = len(run.data.x_train), len(run.data.x_val)
    features = run.data.x_train.shape[1]
    if (
        train.optimizer not in KINDS
        or features > MAX_WIDTH
        or max(n_train, n_val) > MAX_EXAMPLES
        or train.batch_size > MAX_BATCH
        or run.eval_size < max(n_train, n_val)  # evaluations measure every example
    ):
        return None
    units: list[int] = []
    activations: list[str] = []
    dropout: list[float] = []
    modules: list[str] = []
    hidden: list[tuple[str, int]] = []
    after_dense = False  # a dropout layer must follow a dense one directly
    for index, layer in enumerate(run.spec.model.layers):
        if isinstance(layer, Dense) and layer.units <= MAX_WIDTH:
            units.append(layer.units)
            activations.append(layer.activation)
            dropout.append(0.0)
            modules.append(f"dense{index}")
            hidden.append((f"dense{index}", len(units) - 1))
            after_dense = True
        elif isinstance(layer, Dropout) and after_dense:
            dropout[-1], after_dense = layer.p, False
            hidden.append((f"dropout{index}", len(units) - 1))  # in eval mode: the same
        else:
            return None
    if len(units) > MAX_DEPTH:
        return None
    if any(dropout) and run.device.type != "cpu":  # its masks come from the GPU's stream
        return None
    loss = resolve_loss(run.task, train.loss)
    widest = max((features, *units))
    width = next(w for w in WIDTH_CLASSES if widest <= w)
    key = GroupKey(run.task, loss, run.data.output_dim, train.optimizer, str(run.device), width)
    return DenseLayout(
        key,
        features,
        tuple(units),
        tuple(activations),
        tuple(dropout),
        (*modules, "output"),
        tuple(hidden),
    )
