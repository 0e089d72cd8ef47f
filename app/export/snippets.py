"""Source text the exported model.py is assembled from: the small module classes a layer
may need (each mirrors its twin in app/nn/blocks.py attribute for attribute, so the trained
weights load by name), and the one-line loss and score of each task."""

from __future__ import annotations

# Helper classes, by name; a script holds only those its layers use, in this order.
HELPERS: dict[str, str] = {
    "Dense": '''
class Dense(nn.Module):
    """Linear layer then activation; flattens (B, ...) inputs to (B, F) first."""

    def __init__(self, in_features: int, units: int, act: nn.Module, flatten: bool) -> None:
        super().__init__()
        self.flatten = flatten
        self.linear = nn.Linear(in_features, units)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.flatten:
            x = x.flatten(1)
        return self.act(self.linear(x))  # (B, units)
''',
    "Conv": '''
class Conv(nn.Module):
    """[Zero padding,] convolution, activation: (B, C, H, W) -> (B, filters, H', W')."""

    def __init__(self, conv: nn.Conv2d, act: nn.Module, pad: nn.Module | None = None) -> None:
        super().__init__()
        self.pad = pad or nn.Identity()
        self.conv = conv
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(self.pad(x)))
''',
    "GlobalMaxPool": '''
class GlobalMaxPool(nn.Module):
    """Each channel's maximum over the whole map: (B, C, H, W) -> (B, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))
''',
    "Reshape": '''
class Reshape(nn.Module):
    """(B, ...) -> (B, *shape), the same values."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)
''',
    "SequenceBatchNorm": '''
class SequenceBatchNorm(nn.Module):
    """BatchNorm1d over the features of a (B, T, F) sequence."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)  # BatchNorm1d wants (B, F, T)
''',
    "Recurrent": '''
class Recurrent(nn.Module):
    """RNN/LSTM/GRU over (B, T, F): every step's output (B, T, H*dirs), or the last layer's
    final state in each direction (B, H*dirs)."""

    def __init__(self, rnn: nn.RNNBase, return_sequence: bool) -> None:
        super().__init__()
        self.rnn = rnn
        self.return_sequence = return_sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)  # out: (B, T, H*dirs)
        if self.return_sequence:
            return out
        h_n = state[0] if isinstance(state, tuple) else state  # (layers*dirs, B, H)
        if self.rnn.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return h_n[-1]
''',
    "SelfAttention": '''
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


class SelfAttention(nn.Module):
    """Multi-head self-attention with a residual connection: (B, T, F) -> (B, T, F)."""

    def __init__(self, features: int, heads: int, seq_len: int, positional: str, causal: bool):
        super().__init__()
        self.attn = nn.MultiheadAttention(features, heads, batch_first=True)
        self.causal = causal
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
        y, _ = self.attn(x, x, x, attn_mask=mask, need_weights=False)
        return x + y
''',
    "init_tensor": '''
def init_tensor(weight: torch.Tensor, init: str, gain: str, value: float | None) -> None:
    """Fill one weight tensor as the spec's init says; `value` is constant's value, normal's
    standard deviation or uniform's bound (weights in [-value, value])."""
    if init == "xavier":
        nn.init.xavier_uniform_(weight, gain=nn.init.calculate_gain(gain))
    elif init == "he":
        nn.init.kaiming_normal_(weight, nonlinearity="relu")
    elif init == "zeros":
        nn.init.zeros_(weight)
    elif init == "constant":
        nn.init.constant_(weight, value)
    elif init == "normal":
        nn.init.normal_(weight, 0.0, value)
    elif init == "uniform":
        nn.init.uniform_(weight, -value, value)
''',
    "init_weights": '''
def init_weights(layer: nn.Linear | nn.Conv2d, init: str, gain: str, value: float | None) -> None:
    """Start a layer's weights as the spec asks, its biases at zero."""
    init_tensor(layer.weight, init, gain, value)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
''',
    "init_recurrent": '''
def init_recurrent(rnn: nn.RNNBase, init: str, value: float | None) -> None:
    """Start every weight matrix of an RNN/LSTM/GRU as the spec asks, biases at zero. torch
    stacks an LSTM's 4 gates (a GRU's 3) in one matrix: each gate is filled on its own, so
    xavier and he see the fan of one gate's (hidden x input) matrix."""
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[rnn.mode]
    with torch.no_grad():
        for name, param in rnn.named_parameters():
            if name.startswith("bias"):
                param.zero_()
                continue
            for gate in param.chunk(gates, dim=0):  # views: what is written lands in param
                init_tensor(gate, init, "tanh", value)
''',
}

# (task, loss) -> the body of `loss_fn(out, y)`: out are the logits (B, outputs).
LOSSES: dict[tuple[str, str], str] = {
    ("multiclass", "cross_entropy"): "F.cross_entropy(out, y)",
    ("multiclass", "mse"): (
        "F.mse_loss(torch.softmax(out, dim=1), F.one_hot(y, out.shape[1]).to(out.dtype))"
    ),
    ("binary", "bce"): "F.binary_cross_entropy_with_logits(out[:, 0], y.float())",
    ("binary", "mse"): "F.mse_loss(torch.sigmoid(out[:, 0]), y.float())",
    ("binary", "huber"): "F.huber_loss(torch.sigmoid(out[:, 0]), y.float())",
    ("regression", "mse"): "F.mse_loss(out, y)",
    ("regression", "huber"): "F.huber_loss(out, y)",
}

# task -> (the score's name, the body of `score_fn(out, y)`).
SCORES: dict[str, tuple[str, str]] = {
    "binary": ("accuracy", "((out[:, 0] > 0).long() == y).float().mean().item()"),
    "multiclass": ("accuracy", "(out.argmax(dim=1) == y).float().mean().item()"),
    "regression": ("r2", "r2_score(out, y)"),
}

R2 = '''
def r2_score(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Coefficient of determination: 1 is perfect, 0 is as good as predicting the mean."""
    total = ((y - y.mean(dim=0)) ** 2).sum()
    return float(1 - ((y - pred) ** 2).sum() / total) if float(total) > 0 else float("nan")
'''
