"""The fixed part of the exported model.py: safetensors in and out, the data, the training
loop and the command line. `string.Template` fills the ${...} fields (app/export/script.py);
Python code has no other use for `$`, so nothing else needs escaping."""

from __future__ import annotations

from string import Template

HEAD = Template('''\
"""${title}

Exported from NN Playground: a standalone PyTorch script (torch, numpy and the standard
library only). Beside it: data.npz (the examples the run trained and validated on),
weights.safetensors (the trained weights), spec.json (the experiment) and model.onnx.
${inputs}
    python model.py --eval            # load weights.safetensors, print validation metrics
    python model.py                   # train from scratch (${steps} steps), print metrics
    python model.py --steps 100 --save mine.safetensors
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

HERE = Path(__file__).resolve().parent
SEED = ${seed}  # seeds the weights, the batch order and dropout
TASK = "${task}"  # ${task_words}
STEPS = ${steps}  # training steps (batches) the exported weights had
MAX_EPOCHS = ${max_epochs}  # stop after this many epochs (None: never)
BATCH_SIZE = ${batch_size}
LR = ${lr}  # the base learning rate; the schedule scales it per epoch
LR_SCHEDULE = "${lr_schedule}"  # constant, step, exponential or cosine
LR_GAMMA = ${lr_gamma}  # step: factor every LR_PERIOD epochs; exponential: per epoch
LR_PERIOD = ${lr_period}  # epochs per step (step) or per cosine cycle (cosine)
WEIGHT_DECAY = ${weight_decay}  # L2, on weights only (not biases or norm scales)
L1 = ${l1}  # L1 penalty on weights (not biases), as in TensorFlow Playground
GRAD_CLIP = ${grad_clip}  # clip the gradients' total norm to this (None: never)
EARLY_STOPPING = ${early_stopping}  # stop when the val loss stops improving (None: never)
''')

# The model's classes and Model come between HEAD and TAIL.

TAIL = Template('''
def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The ${loss} loss, averaged over the batch; `out` are the logits."""
    return ${loss_code}


def score_fn(out: torch.Tensor, y: torch.Tensor) -> float:
    """The ${score} of the logits `out` against the targets."""
    return ${score_code}
${r2}

def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    """${optimizer}; weight decay on the weights only, as is usual."""
    weights = [p for p in model.parameters() if p.ndim > 1]
    others = [p for p in model.parameters() if p.ndim <= 1]
    groups = [
        {"params": weights, "weight_decay": WEIGHT_DECAY},
        {"params": others, "weight_decay": 0.0},
    ]
    return torch.optim.${optimizer_class}(groups, lr=LR${optimizer_args})


def lr_factor(epoch: int) -> float:
    """Multiplier on LR during `epoch` (0-based)."""
    if LR_SCHEDULE == "step":
        return LR_GAMMA ** (epoch // LR_PERIOD)
    if LR_SCHEDULE == "exponential":
        return LR_GAMMA**epoch
    if LR_SCHEDULE == "cosine":  # anneal to 0 over each period, then restart
        return 0.5 * (1 + math.cos(math.pi * (epoch % LR_PERIOD) / LR_PERIOD))
    return 1.0


def load_data() -> dict[str, torch.Tensor]:
    """x_train, y_train, x_val, y_val: the run's own examples (plain arrays, no pickle)."""
    with np.load(HERE / "data.npz", allow_pickle=False) as arrays:
        return {name: torch.from_numpy(arrays[name]) for name in arrays.files}


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x, y) -> float:
    """One step of gradient descent on a batch; returns the batch's loss."""
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)  # forward
    total = loss
    if L1 > 0:
        total = loss + L1 * sum(p.abs().sum() for p in model.parameters() if p.ndim > 1)
    total.backward()  # backward: fills p.grad
    if GRAD_CLIP is not None:
        nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    optimizer.step()  # update the weights
    return loss.item()


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(loss, ${score}) over all of x, in eval mode (no dropout, frozen batch norm)."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i : i + 1024]) for i in range(0, len(x), 1024)])
    model.train(was_training)
    return loss_fn(out, y).item(), score_fn(out, y)


def train(model: nn.Module, data: dict[str, torch.Tensor], steps: int) -> None:
    """Trains `steps` batches in a shuffled order, a new order every epoch; the learning rate
    follows the schedule and each epoch's metrics go to stderr."""
    x, y, n = data["x_train"], data["y_train"], len(data["x_train"])
    optimizer = make_optimizer(model)
    shuffle = torch.Generator().manual_seed(SEED + 1)
    order, pos, epoch = torch.randperm(n, generator=shuffle), 0, 0
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    bad_epochs = 0
    model.train()
    for step in range(1, steps + 1):
        end = min(pos + BATCH_SIZE, n)
        if 0 < n - end < 2 <= BATCH_SIZE:
            end = n  # no lone last example: batch norm cannot train on one
        train_step(model, optimizer, x[order[pos:end]], y[order[pos:end]])
        pos = end
        if end < n:
            continue
        epoch += 1  # an epoch ends: measure, maybe stop, a new order and learning rate
        order, pos = torch.randperm(n, generator=shuffle), 0
        val_loss, val_score = evaluate(model, data["x_val"], data["y_val"])
        print(
            f"epoch {epoch} step {step} val_loss {val_loss:.4f} ${score} {val_score:.4f}",
            file=sys.stderr,
        )
        if EARLY_STOPPING is not None:
            if best is None or val_loss < best[0] - EARLY_STOPPING["min_delta"]:
                best = (val_loss, {k: v.clone() for k, v in model.state_dict().items()})
                bad_epochs = 0
            else:
                bad_epochs += 1
                if bad_epochs >= EARLY_STOPPING["patience"]:
                    if EARLY_STOPPING["restore_best"]:
                        model.load_state_dict(best[1])
                    return
        if MAX_EPOCHS is not None and epoch >= MAX_EPOCHS:
            return
        for group in optimizer.param_groups:
            group["lr"] = LR * lr_factor(epoch)


# safetensors, read and written with numpy: an 8-byte little-endian header length, a JSON
# header {name: {dtype, shape, data_offsets}}, then the raw little-endian tensors.
DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    header.pop("__metadata__", None)
    body = raw[8 + size :]
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    names = {v: k for k, v in DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        array = tensor.detach().cpu().contiguous().numpy()
        array = array.astype(array.dtype.newbyteorder("<"))
        blob = array.tobytes()
        dtype = names[array.dtype.str]
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the format aligns the data to 8 bytes
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eval",
        action="store_true",
        help="load the weights and print the validation metrics as JSON",
    )
    parser.add_argument("--weights", type=Path, default=HERE / "weights.safetensors")
    parser.add_argument("--steps", type=int, default=STEPS, help="steps to train")
    parser.add_argument("--save", type=Path, help="where to save the weights once trained")
    args = parser.parse_args()
    torch.manual_seed(SEED)  # the weights start from the seed
    model = Model()
    data = load_data()
    if args.eval:
        model.load_state_dict(read_safetensors(args.weights))
    else:
        before, _ = evaluate(model, data["x_train"], data["y_train"])
        train(model, data, args.steps)
        if args.save:
            write_safetensors(args.save, model.state_dict())
    train_loss, train_score = evaluate(model, data["x_train"], data["y_train"])
    val_loss, val_score = evaluate(model, data["x_val"], data["y_val"])
    metrics = {
        "train_loss": train_loss,
        "train_${score}": train_score,
        "val_loss": val_loss,
        "val_${score}": val_score,
    }
    if not args.eval:
        metrics = {"steps": args.steps, "train_loss_before": before} | metrics
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
''')
