"""The `gates` view: an LSTM's input, forget and output gates, or a GRU's reset and update
gates, at every time step of one example.

torch's fused LSTM/GRU keeps its gates to itself, so they are recomputed here from the
layer's own weights and the input it received, step by step, with torch's equations
(https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html): the hidden state this
recomputation carries is the layer's own output (tests/train/test_gates_probe.py holds it
to that), so the gates shown are the ones that produced it. Only the first gated layer's
first stacked layer, read forwards, is shown: its input is what the probe captured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from app.nn import blocks
from app.train.probes.common import ObserveError, to_numpy
from app.train.probes.example import _example_batch as example_batch

if TYPE_CHECKING:
    from app.train.run import Run

Gates = dict[str, torch.Tensor]  # gate name -> (B, T, H) activations in [0, 1]


def gated_layer(run: Run) -> nn.LSTM | nn.GRU:
    """The model's first LSTM or GRU, or ObserveError in words."""
    for child in run.model.children():
        if isinstance(child, blocks.RecurrentBlock) and isinstance(child.rnn, nn.LSTM | nn.GRU):
            return child.rnn
    raise ObserveError("gates need an LSTM or GRU layer; this model has none")


def layer_input(run: Run, rnn: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What `rnn` receives when the model reads the batch x, (B, T, F)."""
    seen: list[torch.Tensor] = []
    hook = rnn.register_forward_hook(lambda _m, i, _o: seen.append(i[0]))
    try:
        run.model(x)
    finally:
        hook.remove()
    return seen[0]


def layer_zero(rnn: nn.LSTM | nn.GRU) -> tuple[torch.Tensor, ...]:
    """Layer 0's forward weights and biases: w_ih (G*H, F), w_hh (G*H, H), b_ih, b_hh (G*H,),
    the gates stacked along rows; zero biases for a layer built without them."""
    w_ih, w_hh = rnn.get_parameter("weight_ih_l0"), rnn.get_parameter("weight_hh_l0")
    if not rnn.bias:
        zero = w_ih.new_zeros(w_ih.shape[0])
        return w_ih, w_hh, zero, zero
    return w_ih, w_hh, rnn.get_parameter("bias_ih_l0"), rnn.get_parameter("bias_hh_l0")


def lstm_gates(rnn: nn.LSTM, x: torch.Tensor) -> tuple[Gates, torch.Tensor]:
    """The gates of layer 0, forward direction, over x (B, T, F), and its states (B, T, H)."""
    w_ih, w_hh, b_ih, b_hh = layer_zero(rnn)  # i, f, g, o stacked
    bias = b_ih + b_hh
    batch, hidden = x.shape[0], rnn.hidden_size
    h = x.new_zeros(batch, hidden)
    c = x.new_zeros(batch, hidden)
    seen: dict[str, list[torch.Tensor]] = {"input": [], "forget": [], "output": []}
    states = []
    for t in range(x.shape[1]):
        i, f, g, o = (x[:, t] @ w_ih.T + h @ w_hh.T + bias).chunk(4, dim=1)  # (B, H) each
        i, f, o = i.sigmoid(), f.sigmoid(), o.sigmoid()
        c = f * c + i * g.tanh()  # the cell keeps f of itself and writes i of the new
        h = o * c.tanh()
        for name, gate in zip(seen, (i, f, o), strict=True):
            seen[name].append(gate)
        states.append(h)
    return {k: torch.stack(v, dim=1) for k, v in seen.items()}, torch.stack(states, dim=1)


def gru_gates(rnn: nn.GRU, x: torch.Tensor) -> tuple[Gates, torch.Tensor]:
    """The reset and update gates of layer 0, forward direction, over x (B, T, F), and its
    states (B, T, H). torch's update gate z keeps the old state: h = (1 - z) n + z h."""
    hidden = rnn.hidden_size
    w_ih, w_hh, b_ih, b_hh = layer_zero(rnn)  # r, z, n stacked
    h = x.new_zeros(x.shape[0], hidden)
    seen: dict[str, list[torch.Tensor]] = {"reset": [], "update": []}
    states = []
    for t in range(x.shape[1]):
        gi = x[:, t] @ w_ih.T + b_ih  # (B, 3H)
        gh = h @ w_hh.T + b_hh
        r = (gi[:, :hidden] + gh[:, :hidden]).sigmoid()
        z = (gi[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden]).sigmoid()
        n = (gi[:, 2 * hidden :] + r * gh[:, 2 * hidden :]).tanh()
        h = (1 - z) * n + z * h
        seen["reset"].append(r)
        seen["update"].append(z)
        states.append(h)
    return {k: torch.stack(v, dim=1) for k, v in seen.items()}, torch.stack(states, dim=1)


def gate_activations(run: Run, x: torch.Tensor) -> Gates:
    """The first gated layer's gates over the batch x, (B, T, H) each."""
    rnn = gated_layer(run)
    inputs = layer_input(run, rnn, x)
    if isinstance(rnn, nn.LSTM):
        return lstm_gates(rnn, inputs)[0]
    return gru_gates(rnn, inputs)[0]


def gates(run: Run, sample: int = 0, inputs: Any = None, **_: Any) -> dict[str, Any]:
    """Per gate, its activation (T, H) for one example: time down, unit across."""
    found = gate_activations(run, example_batch(run, sample, inputs))
    return {name: to_numpy(a[0]) for name, a in found.items()}
