"""Receptive fields computed from kernel sizes, strides and paddings, against the field
measured with gradients: the input pixels whose gradient of one unit's output is nonzero
for some input. And `purity`, the share of a unit's top inputs in their commonest class."""

from __future__ import annotations

import pytest
import torch

from app.spec import ExperimentSpec
from app.train import Run
from app.train.probes import receptive

# Asymmetric 'same' padding (kernel 2, kernel 3 at stride 2), average and max pooling with
# overlapping windows, a valid convolution: each way a field can grow or shift.
ARCHITECTURES = {
    "same_and_strided": [
        {"type": "conv2d", "filters": 3, "kernel": 2, "activation": "tanh"},
        {"type": "avgpool2d", "kernel": 2},
        {"type": "conv2d", "filters": 4, "kernel": 3, "stride": 2, "activation": "tanh"},
    ],
    "valid_and_overlapping": [
        {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "valid", "activation": "tanh"},
        {"type": "maxpool2d", "kernel": 3, "stride": 2},
        {"type": "conv2d", "filters": 2, "kernel": 2, "activation": "tanh"},
    ],
}


def make_run(layers: list[dict[str, object]]) -> Run:
    spec = {"data": {"dataset": "digits"}, "model": {"layers": layers}}
    return Run(ExperimentSpec.model_validate(spec), "cpu")


def gradient_box(run: Run, layer: str, unit: tuple[int, int]) -> list[int]:
    """[top, left, bottom, right] of the pixels with a nonzero gradient of the unit's
    outputs (all channels), over 64 random inputs (a max pool passes gradient to one pixel
    of its window per input: many inputs reach every pixel it can)."""
    x = torch.rand(64, *run.data.input_shape, generator=torch.Generator().manual_seed(0))
    x.requires_grad_()
    with receptive.capture(run.model, [layer]) as outs:
        run.model(x)
    outs[layer][:, :, unit[0], unit[1]].sum().backward()
    assert x.grad is not None
    rows, cols = (x.grad.abs().sum(dim=(0, 1)) > 0).nonzero(as_tuple=True)
    return [int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())]


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_each_layers_field_is_where_its_gradient_reaches(name: str) -> None:
    run = make_run(ARCHITECTURES[name])
    fields = receptive.receptive_fields(run)
    assert [f.layer for f in fields] == [n for n, _ in run.model.named_children()][:3]
    for field in fields:
        h, w = field.out
        for unit in {(0, 0), field.centre, (h - 1, w - 1), (0, w - 1)}:
            assert field.box(unit) == gradient_box(run, field.layer, unit), (
                field.layer,
                unit,
            )


def test_the_fields_grow_with_depth_by_the_textbook_rule() -> None:
    run = make_run(ARCHITECTURES["same_and_strided"])
    sizes = [(f.rows.size, f.rows.jump) for f in receptive.receptive_fields(run)]
    # r = r + (k - 1) * j, j = j * s: 2x2 conv, 2x2 pool, 3x3 conv at stride 2
    assert sizes == [(2, 1), (3, 2), (7, 4)]


def test_purity_is_the_commonest_class_share_of_each_units_top_inputs() -> None:
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    acts = torch.tensor(
        [
            [9.0, 1.0, 0.0],  # unit 0's top 2: images 0 and 1, both class 0 -> 1.0
            [8.0, 2.0, 0.0],  # unit 1's top 2: images 5 and 2, classes 2 and 1 -> 0.5
            [0.0, 7.0, 0.0],  # unit 2 never fires: left out
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0],
            [0.0, 9.0, 0.0],
        ]
    )
    assert receptive.purity(acts, labels, top=2) == pytest.approx(0.75)
    assert receptive.purity(torch.zeros(6, 2), labels, top=2) == 0.0


def test_the_view_boxes_each_conv_layers_centre_unit_and_crops_its_top_inputs() -> None:
    run = make_run(ARCHITECTURES["valid_and_overlapping"])
    run.step(20)
    out = run.observe("receptive_fields")["receptive_fields"]
    layers = [f.layer for f in receptive.conv_fields(run)]
    assert set(out) == {*layers, "input"}
    for name in layers:
        view = out[name]
        top, left, bottom, right = view["box"]
        assert view["crops"].shape == (receptive.TOP, bottom - top + 1, right - left + 1)
        assert len(view["classes"]) == receptive.TOP and 0 < view["purity"] <= 1
    first = out[layers[0]]
    assert first["size"] == [3, 3] and first["unit"] == [3, 3]  # 6x6 map: centre (3, 3)
    assert first["box"] == [3, 3, 5, 5]  # valid 3x3: unit (3, 3) sees pixels 3 to 5
    assert out["input"].shape == (1, 8, 8)


def test_a_network_without_convolutions_has_no_fields() -> None:
    run = make_run([{"type": "dense", "units": 4}])
    with pytest.raises(receptive.ObserveError, match="conv2d"):
        run.observe("receptive_fields")
