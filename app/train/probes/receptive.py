"""What each convolutional layer of an image network looks at: the receptive field of one
unit per layer (the input pixels that can change it), computed from the kernel sizes,
strides and paddings in front of it, and the validation images that excite that unit most,
cropped to its field. Deeper units see more of the image, and what excites them is more
specific to one class (the `hierarchical-features` lesson measures that as `purity`).

For each conv layer the view follows the centre unit (row H//2, column W//2 of its map) of
its most active channel there (the highest mean over the val images looked at).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from app.nn import blocks
from app.train.probes.common import ObserveError, capture, to_numpy

if TYPE_CHECKING:
    from app.train.run import Run

TOP = 8  # top-activating val images shown per layer
PURITY_TOP = 30  # top images per channel that `purity` counts the classes of
VAL_LOOKED = 1024  # val images searched for the top ones


Window = tuple[int, int, int, int]  # along one axis: (kernel, stride, front padding, input size)


@dataclass(frozen=True)
class Axis:
    """Along one image axis: the windows from the input to this layer, and the textbook
    field size r (r += (k - 1)·j, j *= s at each layer: the size before clipping)."""

    windows: tuple[Window, ...] = ()
    size: int = 1
    jump: int = 1

    def then(self, window: Window) -> Axis:
        kernel, stride, _, _ = window
        return Axis(
            (*self.windows, window), self.size + (kernel - 1) * self.jump, self.jump * stride
        )

    def span(self, i: int) -> tuple[int, int]:
        """Unit i's first and last input pixel: through each window back to the input,
        clipped at every layer to the units that exist (padding and the pixels a pooling
        drops at the edge are seen by no one)."""
        low = high = i
        for kernel, stride, pad, length in reversed(self.windows):
            low = max(low * stride - pad, 0)
            high = min(high * stride - pad + kernel - 1, length - 1)
        return low, high


@dataclass(frozen=True)
class Field:
    """A spatial layer's field: its name, whether it is a convolution, its output map's
    size, and the field along rows and columns."""

    layer: str
    conv: bool
    out: tuple[int, int]
    rows: Axis
    cols: Axis

    def box(self, unit: tuple[int, int]) -> list[int]:
        """[top, left, bottom, right] (inclusive input pixels) of `unit`'s field."""
        top, bottom = self.rows.span(unit[0])
        left, right = self.cols.span(unit[1])
        return [top, left, bottom, right]

    @property
    def centre(self) -> tuple[int, int]:
        return self.out[0] // 2, self.out[1] // 2


def _window(module: nn.Module) -> tuple[int, int, int, int, int, int] | None:
    """(kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left) of a spatial layer."""
    if isinstance(module, blocks.ConvBlock):
        conv = module.conv
        top = left = 0
        if isinstance(module.pad, nn.ZeroPad2d):
            left, _, top, _ = module.pad.padding  # (left, right, top, bottom)
        ph, pw = conv.padding if isinstance(conv.padding, tuple) else (0, 0)
        (kh, kw), (sh, sw) = conv.kernel_size, conv.stride
        return kh, kw, sh, sw, top + int(ph), left + int(pw)
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        k, s, p = (module.kernel_size, module.stride, module.padding)
        k, s, p = (v if isinstance(v, int) else v[0] for v in (k, s, p))
        return k, k, s, s, p, p
    return None


def receptive_fields(run: Run) -> list[Field]:
    """The field of every conv and pooling layer up to the first layer that is neither
    (flatten, global pooling, dense), in order; layers that keep each pixel where it is
    (activation, batch norm, dropout) pass the field on unchanged."""
    if run.data.input_kind != "image":
        raise ObserveError("receptive fields need image data")
    fields: list[Field] = []
    rows = cols = Axis()
    shape = run.data.input_shape  # (C, H, W)
    x = torch.zeros(1, *shape, device=run.device)
    for name, module in run.model.named_children():
        if name == "output":
            break
        window = _window(module)
        before, x = x, module(x)
        if window is None:
            if x.ndim != 4:  # flattened or pooled away: no map, no field
                break
            continue
        kh, kw, sh, sw, top, left = window
        rows = rows.then((kh, sh, top, int(before.shape[2])))
        cols = cols.then((kw, sw, left, int(before.shape[3])))
        conv = isinstance(module, blocks.ConvBlock)
        fields.append(Field(name, conv, (int(x.shape[2]), int(x.shape[3])), rows, cols))
    return fields


def conv_fields(run: Run) -> list[Field]:
    fields = [f for f in receptive_fields(run) if f.conv]
    if not fields:
        raise ObserveError("receptive fields need a conv2d layer")
    return fields


@torch.no_grad()
def layer_outputs(run: Run, fields: list[Field], n: int) -> dict[str, torch.Tensor]:
    """Each layer's output maps on the first `n` val images, (n, channels, H, W)."""
    names = [f.layer for f in fields]
    with capture(run.model, names) as outs:
        run.model(run.x_val[:n])
    return {name: outs[name] for name in names}


def purity(acts: torch.Tensor, labels: torch.Tensor, top: int = PURITY_TOP) -> float:
    """For each unit (a column of `acts`, (N, units)) that responds to something (its
    largest output above its median): the share of its `top` most exciting images that
    belong to their most common class; the mean over those units (1: every unit responds
    to one class only; about 1/C: to any image)."""
    top = min(top, len(acts))
    responds = acts.amax(dim=0) > acts.median(dim=0).values
    if not bool(responds.any()):
        return 0.0
    best = acts[:, responds].topk(top, dim=0).indices  # (top, U)
    classes = int(labels.max()) + 1
    counts = torch.nn.functional.one_hot(labels[best], classes).sum(dim=0)  # (U, C)
    return float((counts.amax(dim=1).float() / top).mean())


def layer_purity(run: Run, which: int) -> float:
    """`purity` of every unit (channel and place) of the conv layer at `which` (0 first,
    -1 last) over the first VAL_LOOKED val images."""
    field = conv_fields(run)[which]
    n = min(VAL_LOOKED, run.eval_size, len(run.x_val))  # within one evaluation's cost
    out = layer_outputs(run, [field], n)[field.layer]
    return purity(out.flatten(1), run.y_val[:n])


def receptive_field_size(run: Run, which: int) -> float:
    """The side, in input pixels, of a unit's field in the conv layer at `which` (unclipped)."""
    field = conv_fields(run)[which]
    return float(field.rows.size)


def receptive_fields_view(run: Run, **_: Any) -> dict[str, Any]:
    """Per conv layer: the centre unit's field as a box on the input, its channel, and its
    TOP most exciting val images cropped to the box (first channel) with their classes and
    `purity`; and `input`, the most exciting image of the deepest layer, whole."""
    fields = conv_fields(run)
    n = min(VAL_LOOKED, run.eval_size, len(run.x_val))  # within one evaluation's cost
    maps = layer_outputs(run, fields, n)
    acts = {f.layer: maps[f.layer][:, :, f.centre[0], f.centre[1]] for f in fields}  # (n, C)
    labels = run.y_val[:n]
    out: dict[str, Any] = {}
    for f in fields:
        channel = int(acts[f.layer].mean(dim=0).argmax())
        best = acts[f.layer][:, channel].topk(min(TOP, n)).indices
        top, left, bottom, right = f.box(f.centre)
        crops = run.x_val[best, 0, top : bottom + 1, left : right + 1]
        out[f.layer] = {
            "box": [top, left, bottom, right],
            "size": [f.rows.size, f.cols.size],
            "unit": list(f.centre),
            "channel": channel,
            "crops": to_numpy(crops),
            "classes": labels[best].tolist(),
            "purity": purity(maps[f.layer].flatten(1), labels),  # the lesson's figure
            "purity_top": PURITY_TOP,
        }
    deepest = acts[fields[-1].layer]
    first = int(deepest[:, int(deepest.mean(dim=0).argmax())].argmax())
    out["input"] = to_numpy(run.x_val[first, :1])
    return out
