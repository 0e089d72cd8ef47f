"""The torch modules a spec's layers become. Each is small and names its parts, so probes
(and code export) can address them: ``model.dense0.linear``, ``model.lstm2.rnn``..."""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "linear": nn.Identity,
}


def init_weights(
    module: nn.Linear | nn.Conv2d, init: str, activation: str, value: float | None
) -> None:
    """Re-initialise a linear or conv layer in place ('default' keeps PyTorch's own); every
    other init starts the biases at zero. `value` is constant's value, normal's standard
    deviation or uniform's bound a."""
    if init == "default":
        return
    with torch.no_grad():
        init_tensor(module.weight, init, activation, value)
        if module.bias is not None:
            module.bias.zero_()


def init_recurrent(rnn: nn.RNNBase, init: str, value: float | None) -> None:
    """Re-initialise every weight matrix of an RNN/LSTM/GRU in place, biases at zero.

    torch stacks an LSTM's four gates (GRU's three) in one matrix; xavier and he are
    applied per gate, so each gate gets the fan of its own (hidden x input) matrix."""
    if init == "default":
        return
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[rnn.mode]
    with torch.no_grad():
        for name, param in rnn.named_parameters():
            if name.startswith("bias"):
                param.zero_()
                continue
            for gate in param.chunk(gates, dim=0):  # views: writes land in param
                init_tensor(gate, init, "tanh", value)


def init_tensor(weight: torch.Tensor, init: str, activation: str, value: float | None) -> None:
    """Fills one weight tensor (no grad) from the named distribution."""
    if init == "xavier":
        nn.init.xavier_uniform_(weight, gain=nn.init.calculate_gain(_gain_name(activation)))
    elif init == "he":
        nn.init.kaiming_normal_(weight, nonlinearity="relu")
    elif init == "zeros":
        weight.zero_()
    elif value is None:
        raise ValueError(f"the {init} init needs a value")
    elif init == "constant":
        weight.fill_(value)
    elif init == "normal":
        nn.init.normal_(weight, 0.0, value)
    elif init == "uniform":
        nn.init.uniform_(weight, -value, value)
    else:
        raise ValueError(f"unknown init {init!r}")


_GAINS: dict[str, Literal["relu", "leaky_relu", "tanh", "sigmoid"]] = {
    "relu": "relu",
    "leaky_relu": "leaky_relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
}


def _gain_name(activation: str) -> Literal["relu", "leaky_relu", "tanh", "sigmoid", "linear"]:
    """torch's gain for an activation it knows; linear (gain 1) for the others."""
    return _GAINS.get(activation, "linear")


class Network(nn.Sequential):
    """The layers in order, as nn.Sequential, except that a `Skip` adds an earlier layer's
    input to the running output (a residual connection). Children keep their spec names."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seen = [x]  # seen[i]: the input of child i (autograd keeps these alive anyway)
        for child in self:
            x = child(x, seen[-child.over - 1]) if isinstance(child, Skip) else child(x)
            seen.append(x)
        return x


class Skip(nn.Module):
    """A residual connection, for `Network` to call with the skipped layers' input: no
    parameters; hooks see the sum."""

    def __init__(self, over: int) -> None:
        super().__init__()
        self.over = over  # the skipped layers; their first one's input is added

    def forward(self, x: torch.Tensor, skipped: torch.Tensor) -> torch.Tensor:
        return x + skipped


class ActivationBlock(nn.Module):
    """A non-linearity alone; named `act` like the blocks', so activation probes see it."""

    def __init__(self, activation: str) -> None:
        super().__init__()
        self.act = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x)


class DenseBlock(nn.Module):
    """Linear layer then activation; flattens (B, ...) inputs to (B, F) first."""

    def __init__(self, in_features: int, units: int, activation: str, flatten: bool) -> None:
        super().__init__()
        self.flatten = flatten
        self.linear = nn.Linear(in_features, units)
        self.act = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flatten:
            x = x.flatten(1)
        return self.act(self.linear(x))  # (B, units)


class ConvBlock(nn.Module):
    """[Asymmetric zero padding,] Conv2d, activation: (B, C, H, W) -> (B, filters, H', W')."""

    def __init__(self, conv: nn.Conv2d, activation: str, pad: nn.Module | None = None) -> None:
        super().__init__()
        self.pad = pad or nn.Identity()
        self.conv = conv
        self.act = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(self.pad(x)))


class GlobalMaxPool(nn.Module):
    """Each channel's maximum over the whole map: (B, C, H, W) -> (B, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))


class Reshape(nn.Module):
    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


class SequenceBatchNorm(nn.Module):
    """BatchNorm1d over the features of a (B, T, F) sequence."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)  # BatchNorm1d wants (B, F, T)


class RecurrentBlock(nn.Module):
    """nn.RNN/LSTM/GRU over (B, T, F); returns (B, T, H*dirs) or the final state (B, H*dirs)."""

    def __init__(self, rnn: nn.RNNBase, return_sequence: bool) -> None:
        super().__init__()
        self.rnn = rnn
        self.return_sequence = return_sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)  # out: (B, T, H*dirs)
        if self.return_sequence:
            return out
        h_n = state[0] if isinstance(state, tuple) else state  # (layers*dirs, B, H)
        dirs = 2 if self.rnn.bidirectional else 1
        return torch.cat(list(h_n[-dirs:]), dim=1)  # the last layer's final state, each direction


class SelfAttention(nn.Module):
    """Multi-head self-attention with a residual connection: (B, T, F) -> (B, T, F).

    When `record` is set (by a probe) the last forward pass keeps, per head, the attention
    weights in `weights` (B, heads, T, T), the scores q·k/√d before the softmax in `scores`
    (B, heads, T, T), the values in `values` (B, heads, T, d) and each query's weighted sum
    of them in `mixed` (B, heads, T, d); training never pays for them. `temperature`
    divides the scores before the softmax in eval mode only: a trained network looked at
    with sharper (< 1) or flatter (> 1) attention, its training unchanged.
    """

    def __init__(
        self,
        features: int,
        heads: int,
        seq_len: int,
        positional: str,
        causal: bool,
        temperature: float = 1.0,
    ):
        super().__init__()
        self.attn = nn.MultiheadAttention(features, heads, batch_first=True)
        self.causal = causal
        self.temperature = temperature
        self.record = False
        self.weights: torch.Tensor | None = None
        self.scores: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        self.mixed: torch.Tensor | None = None
        self.position: torch.Tensor | None
        if positional == "learned":
            self.position = nn.Parameter(torch.zeros(seq_len, features))
        else:
            table = sinusoidal_positions(seq_len, features) if positional == "sinusoidal" else None
            self.register_buffer("position", table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.position is not None:
            x = x + self.position
        mask = None
        if self.causal:
            t = x.shape[1]
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)  # True = blocked
        if self.record or (self.temperature != 1 and not self.training):
            return x + self._attend(x, mask)
        y, _ = self.attn(x, x, x, attn_mask=mask, need_weights=False)
        return x + y

    def _attend(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """What nn.MultiheadAttention computes (no dropout), written out so that each part
        can be kept and the temperature applied (eval mode only)."""
        b, t, f = x.shape  # (B, T, F)
        heads = self.attn.num_heads
        q, k, v = F.linear(x, self.attn.in_proj_weight, self.attn.in_proj_bias).chunk(3, dim=-1)
        q, k, v = (
            z.view(b, t, heads, f // heads).transpose(1, 2) for z in (q, k, v)
        )  # (B, H, T, d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(f // heads)  # (B, H, T, T)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        temperature = 1.0 if self.training else self.temperature
        weights = torch.softmax(scores / temperature, dim=-1)
        mixed = weights @ v  # (B, H, T, d): each query's weighted sum of the values
        if self.record:
            self.weights, self.scores, self.values, self.mixed = weights, scores, v, mixed
        return self.attn.out_proj(mixed.transpose(1, 2).reshape(b, t, f))


def sinusoidal_positions(seq_len: int, features: int) -> torch.Tensor:
    """The Transformer's fixed position signal, (T, F)."""
    position = torch.arange(seq_len, dtype=torch.float32)[:, None]
    rate = torch.exp(
        torch.arange(0, features, 2, dtype=torch.float32) * (-math.log(1e4) / features)
    )
    table = torch.zeros(seq_len, features)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate[: features // 2])
    return table
