"""The metrics a lesson measures on a trained run (the table in docs/lessons.md).

Each is a plain float. Non-finite figures keep their meaning in comparisons: a diverged
run's losses and `loss_ratio` are inf (so "loss_ratio > 2" holds for it), while a figure
that does not exist (NaN: the accuracy of a model that outputs NaN) fails every assertion.
JSON shows both as null.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import torch

from app.lessons.gradcheck import relative_error
from app.lessons.model import Measure, Metric
from app.lessons.trace import Trace, Watch, first_layer
from app.nn.blocks import DenseBlock, SelfAttention
from app.train import GanRun, Metrics, Run, Trainer, objective
from app.train.modes import evaluating
from app.train.probes import adversarial, receptive
from app.train.probes.common import ObserveError, capture
from app.train.probes.embedding import embedding_table, letter_groups, separation
from app.train.probes.gates import gate_activations
from app.train.probes.landscape import loss_around

PROBE_CAP = 1024  # val examples for unit_spread and attention_peak


class MetricError(ValueError):
    """A metric cannot be measured on this run (e.g. attention_peak without lookup data)."""


@dataclass
class Finished:
    """A run after its steps, with its trace; the final evaluation is made once, if asked."""

    run: Trainer
    trace: Trace
    steps: int

    @cached_property
    def final(self) -> Metrics:
        return self.supervised.evaluate()

    @property
    def supervised(self) -> Run:
        assert isinstance(self.run, Run), "the lesson model lets only GAN metrics see a GanRun"
        return self.run

    @cached_property
    def gan_quality(self) -> dict[str, float]:
        """The GAN's quality readout (app/train/probes/gan.py) and its last scores."""
        assert isinstance(self.run, GanRun), "the lesson model keeps GAN metrics to GAN runs"
        quality = self.run.observe("gan_quality")["gan_quality"]
        last = self.run.history[-1] if self.run.history else None
        return quality | {
            "d_real": last.d_real if last else math.nan,
            "d_fake": last.d_fake if last else math.nan,
        }

    @cached_property
    def landscape(self) -> tuple[float, float]:
        """The train loss at the final weights and around them (`loss_around`); nan when
        the run diverged (a landscape of inf says nothing)."""
        if self.diverged:
            return math.nan, math.nan
        return loss_around(self.supervised)

    @property
    def diverged(self) -> bool:
        return self.run.status.reason == "diverged"


@contextmanager
def probing(prefix: str = "") -> Iterator[None]:
    """A probe's refusal (ObserveError) becomes the metric's, in the same words."""
    try:
        yield
    except ObserveError as error:
        raise MetricError(f"{prefix}{error}") from None


def measure(m: Measure, done: Finished) -> float:
    if m.metric == "steps_to":
        return float(done.trace.reached.get(Watch.of_measure(m), done.steps + 1))
    return METRICS[m.metric](done)


def _loss(value: float, done: Finished) -> float:
    return math.inf if done.diverged or not math.isfinite(value) else value


def loss_ratio(done: Finished) -> float:
    final = _loss(done.final.train_loss, done)
    initial = done.trace.initial_loss
    if math.isinf(final):
        return math.inf
    return final / initial if initial > 0 else math.nan


def loss_gap(done: Finished) -> float:
    return _loss(done.final.val_loss, done) - _loss(done.final.train_loss, done)


def grad_ratio(done: Finished) -> float:
    """First layer's gradient norm / the output layer's, each averaged over the window."""
    grads = done.trace.grads
    if not grads:
        return math.nan
    first = next(iter(grads[0]))  # grad_norms lists the layers with parameters, input first
    top = statistics.fmean(g["output"] for g in grads)
    bottom = statistics.fmean(g[first] for g in grads)
    if top == 0:
        return math.inf if bottom > 0 else math.nan
    return bottom / top


NORM_LAYERS = ("batchnorm", "layernorm")  # their scale and shift are not a layer's weights


def hidden_grad_ratio(done: Finished) -> float:
    """The first hidden layer's gradient norm / the last hidden layer's, each averaged over
    the window: how much of the gradient the bottom of a deep stack still gets. Hidden
    layers are those with weights below the output (normalisation layers left out)."""
    grads = done.trace.grads
    if not grads:
        return math.nan
    hidden = [n for n in grads[0] if n != "output" and not n.startswith(NORM_LAYERS)]
    if len(hidden) < 2:
        raise MetricError("hidden_grad_ratio needs two hidden layers with weights")
    top = statistics.fmean(g[hidden[-1]] for g in grads)
    bottom = statistics.fmean(g[hidden[0]] for g in grads)
    if top == 0:
        return math.inf if bottom > 0 else math.nan
    return bottom / top


def modes_covered(done: Finished) -> float:
    if "modes_covered" not in done.gan_quality:
        raise MetricError("modes_covered needs the gaussians8 data, whose 8 modes are known")
    return float(done.gan_quality["modes_covered"])


def on_data(done: Finished) -> float:
    if "on_data" not in done.gan_quality:
        raise MetricError("on_data needs 2-D GAN data")
    return done.gan_quality["on_data"]


def dead_fraction(done: Finished) -> float:
    stats = done.supervised.observe("activation_stats")["activation_stats"]
    dead = [entry["dead"] for entry in stats.values() if "dead" in entry]
    return statistics.fmean(dead) if dead else 0.0


@torch.no_grad()
def unit_spread(done: Finished) -> float:
    """The largest gap between two units' outputs of one dense hidden layer, over the val
    inputs: 0 when every unit of every layer computes the same function."""
    run = done.supervised
    names = [
        n
        for n, m in run.model.named_children()
        if n != "output" and isinstance(m, DenseBlock) and m.linear.out_features > 1
    ]
    if not names:
        return 0.0
    with evaluating(run.model), capture(run.model, names) as outs:
        run.model(run.x_val[:PROBE_CAP])
    spreads = [float((outs[n].amax(dim=1) - outs[n].amin(dim=1)).max()) for n in names]
    return max(spreads)


@torch.no_grad()
def weight_change(done: Finished) -> float:
    """The largest change of one parameter of the first layer with parameters, from before
    the first step to the end: 0 when that layer never moved (unit_spread alone cannot tell
    identical units that learned from identical units that stayed where they started)."""
    start = done.trace.first_weights
    now = first_layer(done.supervised)
    if not start or len(start) != len(now):
        return math.nan
    return max(float((p - p0).abs().max()) for p, p0 in zip(now, start, strict=True))


@torch.no_grad()
def last_query_weights(done: Finished, metric: str) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Each attention layer's weights of the last query over the val examples (up to
    PROBE_CAP), (B, heads, T) in eval mode (so at the layer's temperature), and each
    example's answer step (B, 1). Needs the dataset's `answer_positions` (val set, (N,)
    int64), which the `lookup` data provides."""
    run = done.supervised
    answers = run.data.answer_positions
    if answers is None:
        raise MetricError(f"{metric} needs data that marks the answer's place (lookup)")
    layers = [m for m in run.model.modules() if isinstance(m, SelfAttention)]
    if not layers:
        raise MetricError(f"{metric} needs a model with an attention layer")
    for layer in layers:
        layer.record = True
    try:
        with evaluating(run.model):
            run.model(run.x_val[:PROBE_CAP])
    finally:
        for layer in layers:
            layer.record = False
    weights = []
    for layer in layers:
        assert layer.weights is not None
        weights.append(layer.weights[:, :, -1, :])  # (B, heads, T)
    return weights, answers[:PROBE_CAP].to(run.device)[:, None]  # (B, 1)


def attention_peak(done: Finished) -> float:
    """The share of val examples whose last query attends most to the key holding the
    answer, for the best head of any attention layer."""
    weights, target = last_query_weights(done, "attention_peak")
    looks = [w.argmax(dim=-1) for w in weights]  # (B, heads): key of the last query
    return max(float((k == target).float().mean(dim=0).max()) for k in looks)


def attention_on_answer(done: Finished) -> float:
    """The mean weight the last query gives the key holding the answer (the share of its
    input it takes from there), over the val examples, for the best head of any attention
    layer: 1 when all of it, 1/T when the attention is flat."""
    weights, target = last_query_weights(done, "attention_on_answer")
    on = [w.gather(-1, target[:, :, None].expand(-1, w.shape[1], 1)) for w in weights]
    return max(float(o.mean(dim=0).max()) for o in on)  # o: (B, heads, 1)


def _before_last(done: Finished) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """The parameters before the last step (model order) and the last step's gradients."""
    trace = done.trace
    params = list(done.supervised.model.parameters())
    if not trace.before_last or done.supervised.step_count != done.steps:
        raise MetricError("the run stopped before its last step")
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    return trace.before_last, grads


def grad_fd_error(done: Finished) -> float:
    """The largest relative difference between the last step's backprop gradient of one
    weight (the `weight_grads` view) and its finite-difference estimate at the weights that
    step started from (app/lessons/gradcheck.py)."""
    _, grads = _before_last(done)
    if done.trace.grad_check_error:
        raise MetricError(f"grad_fd_error {done.trace.grad_check_error}")
    return relative_error(grads, done.trace.fd_grads)


@torch.no_grad()
def step_alignment(done: Finished) -> float:
    """The cosine between the last step's change of all the weights and minus its gradient:
    1 when every weight moved in proportion to its own gradient (plain SGD), less when the
    optimizer mixes in earlier gradients (momentum) or rescales each weight (Adam)."""
    before, grads = _before_last(done)
    params = done.supervised.model.parameters()
    moved = torch.cat([(p - p0).flatten() for p, p0 in zip(params, before, strict=True)])
    downhill = torch.cat([-g.flatten() for g in grads])
    norms = float(moved.norm() * downhill.norm())
    return float(moved @ downhill) / norms if norms > 0 else math.nan


def image_flip(done: Finished, random: bool) -> float:
    """The share of rightly read val digits whose answer changes when each pixel moves by
    adversarial.EPS: along the loss gradient's sign (FGSM), or in random signs."""
    run = done.supervised
    with probing(), evaluating(run.model):
        return adversarial.flip_fraction(run, random=random)


@torch.no_grad()
def test_accuracy(done: Finished) -> float:
    """The share of the held-out test set (data.test_fraction) the model reads right."""
    run = done.supervised
    x, y = run.data.x_test, run.data.y_test
    if x is None or y is None or run.task == "regression":
        raise MetricError("test_accuracy needs a classification test set: data.test_fraction")
    right = 0
    with evaluating(run.model):
        for start in range(0, len(x), PROBE_CAP):
            out = run.model(x[start : start + PROBE_CAP].to(run.device))
            right += int(
                objective.correct(run.task, out, y[start : start + PROBE_CAP].to(run.device))
            )
    return right / len(x)


MARK_CHANNELS = ("cue", "marker")  # the memory task's and the adding problem's marks


@torch.no_grad()
def gate_contrast(done: Finished) -> float:
    """How much more the first gated layer writes at the marked steps than at the others,
    in the quarter of its units (at least one) that do so most: per unit, the mean of its
    input gate (an LSTM) or of 1 - its update gate (a GRU: the share of the new candidate
    it takes) over the marked steps minus over the unmarked ones, on the val examples.
    The quarter, because a few units hold the memory while the rest do other work (their
    mean drowns it); an untrained net's best quarter is the control to compare with.
    Needs sequence data whose last channel marks the steps to remember (memory's cue,
    adding's markers)."""
    run = done.supervised
    if run.data.feature_names[-1:] not in ([c] for c in MARK_CHANNELS):
        raise MetricError("gate_contrast needs the memory or adding data, which mark steps")
    x = run.x_val[:PROBE_CAP]  # (B, T, F)
    with probing("gate_contrast: "), evaluating(run.model):
        found = gate_activations(run, x)
    writes = found["input"] if "input" in found else 1 - found["update"]  # (B, T, H)
    marked = x[:, :, -1] > 0.5  # (B, T)
    per_unit = writes[marked].mean(dim=0) - writes[~marked].mean(dim=0)  # (H,)
    quarter = max(1, len(per_unit) // 4)
    return float(per_unit.topk(quarter).values.mean())


def _letters(done: Finished) -> tuple[torch.Tensor, list[int], list[int]]:
    run = done.supervised
    with probing():
        table = embedding_table(run)
    vowels, consonants = letter_groups(run.data.vocab)
    if not vowels or not consonants:
        raise MetricError("vowel_separation needs text data with vowels and consonants")
    return table, vowels, consonants


@torch.no_grad()
def vowel_separation(done: Finished) -> float:
    """How far the vowels' embeddings lie from the consonants' (probes/embedding.py)."""
    return separation(*_letters(done))


RANDOM_GROUPS = 200  # fixed draws: the control is the same on every run


@torch.no_grad()
def random_separation(done: Finished) -> float:
    """The same separation for random groups of as many letters as there are vowels,
    averaged over RANDOM_GROUPS fixed draws: what any five letters would score."""
    table, vowels, consonants = _letters(done)
    letters = torch.tensor(sorted(vowels + consonants))
    draws = torch.Generator().manual_seed(0)
    scores = []
    for _ in range(RANDOM_GROUPS):
        picked = letters[torch.randperm(len(letters), generator=draws)]
        group, rest = picked[: len(vowels)].tolist(), picked[len(vowels) :].tolist()
        scores.append(separation(table, group, rest))
    return statistics.fmean(scores)


def sharpness(done: Finished) -> float:
    """How much the training loss rises half a filter-normalised step away from the final
    weights, averaged over random directions (app/train/probes/landscape.py): large in a
    narrow valley, small in a wide one."""
    base, around = done.landscape
    return around - base


def _conv_figure(figure: Callable[[Run, int], float], which: int) -> Callable[[Finished], float]:
    """A figure of the first (0) or last (-1) conv layer of an image run, in eval mode."""

    @torch.no_grad()
    def measured(done: Finished) -> float:
        run = done.supervised
        with probing(), evaluating(run.model):
            return figure(run, which)

    return measured


METRICS: dict[Metric, Callable[[Finished], float]] = {
    "val_accuracy": lambda d: d.final.val_score,
    "train_accuracy": lambda d: d.final.train_score,
    "val_loss": lambda d: _loss(d.final.val_loss, d),
    "train_loss": lambda d: _loss(d.final.train_loss, d),
    "initial_loss": lambda d: d.trace.initial_loss,
    "loss_ratio": loss_ratio,
    "loss_gap": loss_gap,
    "grad_ratio": grad_ratio,
    "hidden_grad_ratio": hidden_grad_ratio,
    "dead_fraction": dead_fraction,
    "unit_spread": unit_spread,
    "weight_change": weight_change,
    "roughness": lambda d: roughness(d.trace.losses, d.diverged),
    "attention_peak": attention_peak,
    "diverged": lambda d: 1.0 if d.diverged else 0.0,
    "modes_covered": modes_covered,
    "on_data": on_data,
    "d_real": lambda d: d.gan_quality["d_real"],
    "d_fake": lambda d: d.gan_quality["d_fake"],
    "adversarial_flip": lambda d: image_flip(d, random=False),
    "random_flip": lambda d: image_flip(d, random=True),
    "test_accuracy": test_accuracy,
    "gate_contrast": gate_contrast,
    "vowel_separation": vowel_separation,
    "random_separation": random_separation,
    "sharpness": sharpness,
    "around_loss": lambda d: d.landscape[1],
    "rf_first": _conv_figure(receptive.receptive_field_size, 0),
    "rf_last": _conv_figure(receptive.receptive_field_size, -1),
    "purity_first": _conv_figure(receptive.layer_purity, 0),
    "purity_last": _conv_figure(receptive.layer_purity, -1),
    "grad_fd_error": grad_fd_error,
    "step_alignment": step_alignment,
    "attention_on_answer": attention_on_answer,
}


def roughness(losses: list[float], diverged: bool = False) -> float:
    """The mean |Δ log L| between consecutive steps: 0 for a smooth descent, large when the
    loss jumps about. inf for a run that diverged."""
    if diverged or not all(math.isfinite(x) for x in losses):
        return math.inf
    if len(losses) < 2:
        return 0.0
    logs = [math.log(max(x, 1e-12)) for x in losses]
    return statistics.fmean(abs(b - a) for a, b in zip(logs, logs[1:], strict=False))
