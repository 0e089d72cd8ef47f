"""A spec and the model built from it -> the text of a standalone model.py.

The `Model` class is written out layer by layer, its attributes named as the project names
them (``dense0``, ``lstm1``, ``output``), so `weights.safetensors` loads into it by name.
"""

from __future__ import annotations

from torch import nn

from app.data import DATASETS
from app.data.losses import resolve_loss
from app.export import snippets
from app.export.layers import ACTIVATION_CODE, ExportError, Written, init_statement, write_layer
from app.export.template import HEAD, TAIL
from app.nn.build import ModelReport
from app.spec import ExperimentSpec, TrainSpec

TASK_WORDS = {
    "binary": "two classes: one logit, P(class 1) = sigmoid(logit)",
    "multiclass": "one logit per class, softmax over them",
    "regression": "the outputs are the predicted values",
}
OPTIMIZER_CLASSES = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}


def write_script(
    spec: ExperimentSpec, model: nn.Module, report: ModelReport, task: str, steps: int
) -> str:
    """The model.py for a supervised run of `spec` whose built (hidden + output) layers are
    `model`'s children (`report` their shapes); raises ExportError naming what cannot be
    written out."""
    if spec.kind != "supervised":
        raise ExportError("kind", f"a {spec.kind} run cannot be exported yet, only supervised")
    children = dict(model.named_children())
    written = [
        (f"{layer.type}{i}", write_layer(layer, children[f"{layer.type}{i}"], i))
        for i, layer in enumerate(spec.model.layers)
    ]
    out_init, out_value = spec.model.output_init, spec.model.output_init_value
    written.append(("output", _output(children["output"], out_init, out_value)))
    shapes = {layer.name: layer.output_shape for layer in report.layers}
    return _head(spec, task, steps) + _classes(written, shapes) + _tail(spec.train, task)


def _output(module: nn.Module, init: str, value: float | None) -> Written:
    """The output layer, started as `model.output_init` says (gain 1: it has no activation)."""
    linear = module.linear  # a DenseBlock (app/nn/build.py)
    assert isinstance(linear, nn.Linear)
    flatten = bool(getattr(module, "flatten", False))
    code = (
        f"Dense({linear.in_features}, {linear.out_features}, {ACTIVATION_CODE['linear']}, "
        f"flatten={flatten})"
    )
    statement = init_statement("self.output.linear", init, "linear", value)
    helpers = ("Dense", "init_tensor", "init_weights") if statement else ("Dense",)
    return Written(code, helpers, statement)


def _head(spec: ExperimentSpec, task: str, steps: int) -> str:
    train = spec.train
    title = spec.description or f"{spec.data.dataset}: {len(spec.model.layers)} hidden layers"
    title = " ".join(title.split()).replace('"""', "'''").replace("\\", "/")
    stopping = None
    if train.early_stopping is not None:
        stopping = train.early_stopping.model_dump()
    return HEAD.substitute(
        title=title,
        inputs=_inputs(spec),
        seed=spec.seed,
        task=task,
        task_words=TASK_WORDS[task],
        steps=steps,
        max_epochs=train.max_epochs,
        batch_size=train.batch_size,
        lr=repr(train.lr),
        lr_schedule=train.lr_schedule,
        lr_gamma=repr(train.lr_gamma),
        lr_period=train.lr_period,
        weight_decay=repr(train.weight_decay),
        l1=repr(train.l1),
        grad_clip=repr(train.grad_clip),
        early_stopping=repr(stopping),
    )


def _inputs(spec: ExperimentSpec) -> str:
    """A paragraph for the docstring when the data's inputs were standardised: data.npz
    holds them as the run trained on them, and new inputs need the same shift and scale.
    Another when the run trained with augmentation, which this script does not redo."""
    normalize = spec.data.normalize
    if normalize is None:
        normalize = bool(DATASETS[spec.data.dataset].default_normalize)
    shifted = ""
    if spec.data.augment and DATASETS[spec.data.dataset].input_kind == "image":
        shifted = (
            f"\nThe run moved its training images by up to {spec.data.augment} pixels at random "
            "(data.augment);\nthis script trains on them as they are, without augmentation.\n"
        )
    if not normalize:
        return shifted
    return shifted + (
        "\nThe inputs in data.npz are standardised with the training split's mean and standard\n"
        "deviation (data.normalize), as the run's were: new inputs need the same shift and scale.\n"
    )


def _classes(written: list[tuple[str, Written]], shapes: dict[str, list[int]]) -> str:
    """The helper classes the layers use, then `Model`."""
    used = {h for _, w in written for h in w.helpers}
    helpers = "".join(f"\n{source}" for name, source in snippets.HELPERS.items() if name in used)
    lines = [
        "",
        "class Model(nn.Module):",
        '    """The network, layer by layer; the output layer gives logits (the loss applies',
        '    the final activation)."""',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
    ]
    for name, w in written:
        if w.expression:  # a skip has no module
            lines.append(_wrap(f"        self.{name} = ", w.expression))
        if w.init:
            lines.append(f"        {w.init}")
    lines += [
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        *_forward(written, shapes),
    ]
    return helpers + "\n" + "\n".join(lines) + "\n\n"


def _forward(written: list[tuple[str, Written]], shapes: dict[str, list[int]]) -> list[str]:
    """The body of `Model.forward`: each layer in turn on `x`; a skip adds back the input of
    the first layer it skips, which is kept before that layer runs as `h<index>`."""
    kept: dict[int, list[str]] = {}  # layer index -> the skips that add its input back
    for i, (name, w) in enumerate(written):
        if w.over:
            kept.setdefault(i - w.over, []).append(name)
    lines = []
    for i, (name, w) in enumerate(written):
        if i in kept:
            skips = ", ".join(kept[i]) if len(kept[i]) < 4 else f"{len(kept[i])} skips"
            lines.append(f"        h{i} = x  # {name}'s input, added back by {skips}")
        shape = _shape(shapes[name])
        if w.over:
            lines.append(f"        x = x + h{i - w.over}  # {name}: {shape}")
        elif i == len(written) - 1:
            lines.append(f"        return self.{name}(x)  # {shape}")
        else:
            lines.append(f"        x = self.{name}(x)  # {shape}")
    return lines


def _wrap(prefix: str, call: str, width: int = 100) -> str:
    """`prefix + call` on one line, or with the call's arguments one per line when that is
    longer than `width` (as ruff format would write it)."""
    if len(prefix) + len(call) <= width:
        return prefix + call
    name, args = call.split("(", 1)
    parts, depth, start = [], 0, 0
    for i, char in enumerate(args[:-1]):  # the last character closes the call
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            parts.append(args[start:i].strip())
            start = i + 1
    parts.append(args[start:-1].strip())
    indent = " " * (len(prefix) - len(prefix.lstrip()))
    body = "".join(f"{indent}    {part},\n" for part in parts)
    return f"{prefix}{name}(\n{body}{indent})"


def _shape(shape: list[int]) -> str:
    """A shape comment with the batch first: (B, 16), (B, 8, 4, 4)."""
    return "(" + ", ".join(["B", *map(str, shape)]) + ")"


def _tail(train: TrainSpec, task: str) -> str:
    loss = resolve_loss(task, train.loss)  # type: ignore[arg-type]
    score, score_code = snippets.SCORES[task]
    return TAIL.substitute(
        loss=loss,
        loss_code=snippets.LOSSES[(task, loss)],
        score=score,
        score_code=score_code,
        r2=snippets.R2 if task == "regression" else "",
        optimizer=train.optimizer,
        optimizer_class=OPTIMIZER_CLASSES[train.optimizer],
        optimizer_args=_optimizer_args(train),
    )


def _optimizer_args(train: TrainSpec) -> str:
    """The optimizer's keywords besides lr (app/train/optim.py: hyperparameters)."""
    if train.optimizer == "sgd":
        return f", momentum={train.momentum!r}, nesterov={train.nesterov}"
    if train.optimizer == "rmsprop":
        return f", momentum={train.momentum!r}"
    if train.optimizer in ("adam", "adamw"):
        return f", betas=({train.beta1!r}, {train.beta2!r})"
    return ""
