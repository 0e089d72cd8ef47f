"""GanRun: the spec, one round of the game, live settings and the views, on real models."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from torch.nn import functional as F

from app.nn import SpecError
from app.spec import ExperimentSpec, format_errors
from app.train import GanRun, create_run
from app.train.probes import ObserveError
from app.train.probes.gan import DRAWN, INTERPOLATION_STEPS, SAMPLE_GRID
from app.validation import check_spec

SMALL = [{"type": "dense", "units": 16, "activation": "leaky_relu"}]


def gan_spec(dataset: str = "gaussians8", **gan: Any) -> ExperimentSpec:
    body = {
        "generator": {"layers": SMALL},
        "discriminator": {"layers": SMALL},
        "batch_size": 32,
    } | gan
    data: dict[str, Any] = {"dataset": dataset, "n_samples": 400}
    return ExperimentSpec.model_validate({"kind": "gan", "data": data, "gan": body})


def params(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict[str, torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(before[k], v) for k, v in module.state_dict().items())


# --- the spec ---


def field_of(error: ValidationError) -> str:
    return format_errors(error)[0]["field"]


@pytest.mark.parametrize(
    ("gan", "field"),
    [
        ({"latent_size": 0}, "gan.latent_size"),
        ({"latent_size": 100_000}, "gan.latent_size"),
        ({"d_steps": 0}, "gan.d_steps"),
        ({"loss": "wasserstein"}, "gan.loss"),
        ({"generator": {"lr": -1}}, "gan.generator.lr"),
        (
            {"discriminator": {"layers": [{"type": "dense", "units": 0}]}},
            "gan.discriminator.layers.0.units",
        ),
    ],
)
def test_bad_gan_fields_are_named(gan: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate({"kind": "gan", "gan": gan})
    assert field_of(caught.value) == field


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"kind": "gan"}, "needs a 'gan' section"),
        ({"gan": {}}, 'add "kind": "gan"'),
        ({"kind": "gan", "gan": {}, "model": {"layers": []}}, "leave out model"),
    ],
)
def test_kind_and_sections_must_agree(body: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        ExperimentSpec.model_validate(body)


def test_a_gan_spec_dumped_whole_reads_back() -> None:
    spec = gan_spec()
    assert ExperimentSpec.model_validate(spec.model_dump()) == spec


@pytest.mark.parametrize(
    ("dataset", "side", "layers", "field", "words"),
    [
        # a generator whose image is not the data's size
        (
            "digits",
            "generator",
            [
                {"type": "dense", "units": 16},
                {"type": "reshape", "shape": [1, 4, 4]},
                {"type": "conv2d", "filters": 4},
            ],
            "gan.generator.layers",
            "4x4 maps but the data is 8x8",
        ),
        # a convolution over a latent vector
        (
            "gaussians8",
            "generator",
            [{"type": "conv2d"}],
            "gan.generator.layers.0",
            "needs an image",
        ),
        # a discriminator convolving 2-D points
        (
            "ring",
            "discriminator",
            [{"type": "conv2d"}],
            "gan.discriminator.layers.0",
            "needs an image",
        ),
        (
            "digits",
            "discriminator",
            [{"type": "dense", "units": 1024}] * 6,
            "gan.discriminator.layers",
            "parameters; the limit",
        ),
    ],
)
def test_shapes_that_do_not_fit_are_named(
    dataset: str, side: str, layers: list[dict[str, Any]], field: str, words: str
) -> None:
    from app.settings import Limits

    spec = gan_spec(dataset, **{side: {"layers": layers}})
    with pytest.raises(SpecError) as caught:
        check_spec(spec, limits=Limits(max_params=3_000_000))
    assert caught.value.field == field
    assert words in caught.value.message


def test_validation_reports_both_networks() -> None:
    summary = check_spec(gan_spec("digits", latent_size=8))
    assert summary["kind"] == "gan"
    assert summary["data"]["input_shape"] == [1, 8, 8]
    gen, disc = summary["generator"], summary["discriminator"]
    assert gen["input_shape"] == [8] and gen["layers"][-1]["output_shape"] == [1, 8, 8]
    assert gen["layers"][0]["params"] == 8 * 16 + 16
    assert disc["layers"][-1]["output_shape"] == [1]
    assert summary["total_params"] == gen["total_params"] + disc["total_params"]


def test_a_dcgan_style_generator_convolves_to_the_image() -> None:
    layers = [
        {"type": "dense", "units": 8 * 4 * 4},
        {"type": "reshape", "shape": [8, 4, 4]},
        {"type": "upsample", "scale": 2},
        {"type": "conv2d", "filters": 4, "activation": "leaky_relu"},
    ]
    run = GanRun(gan_spec("digits", generator={"layers": layers}))
    assert run.g_report.layers[-1].note.startswith("3x3 convolution")
    images = run.observe("gan_images")["gan_images"]
    assert images.shape == (SAMPLE_GRID, 1, 8, 8)
    assert 0 <= images.min() and images.max() <= 1  # sigmoid pixels


def test_unknown_gan_data_is_named() -> None:
    with pytest.raises(SpecError) as caught:
        check_spec(gan_spec("spiral"))
    assert caught.value.field == "data.dataset"


def test_drawn_data_needs_points_inside_the_plane() -> None:
    with pytest.raises(SpecError, match="at least 3 points"):
        check_spec(gan_spec("drawn"))
    spec = gan_spec("drawn").model_copy(deep=True)
    spec.data.points = [(0.0, 0.0), (1.0, 1.0), (5.0, 0.0)]
    with pytest.raises(SpecError, match=r"\[-2, 2\]"):
        check_spec(spec)
    spec.data.points = [(0.0, 0.0), (1.0, 1.0), (1.0, -1.0)]
    real = GanRun(spec).real
    nearest = torch.cdist(real, torch.tensor(spec.data.points)).min(dim=1).values
    assert float(nearest.mean()) < 0.1  # the samples sit around the drawn points


# --- one round ---


def test_one_step_updates_the_discriminator_then_the_generator() -> None:
    """Replays a round by hand: a D update on a real batch and fakes from the OLD generator,
    then a G update through the NEW discriminator. Any other order gives other weights."""
    spec = gan_spec(d_steps=1)
    run, twin = GanRun(spec), GanRun(spec)
    run.step(1)

    real, z_d, z_g = twin._real_batch(), twin._latent_batch(), twin._latent_batch()
    g, d = twin.generator, twin.discriminator
    twin.d_opt.zero_grad()
    fake = g(z_d).detach()
    d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
    d_loss.backward()
    twin.d_opt.step()
    twin.g_opt.zero_grad()
    F.softplus(-d(g(z_g))).mean().backward()
    twin.g_opt.step()

    for mine, theirs in ((run.generator, g), (run.discriminator, d)):
        for (name, a), b in zip(
            mine.state_dict().items(), theirs.state_dict().values(), strict=True
        ):
            torch.testing.assert_close(a, b, msg=name)


def test_the_generator_update_leaves_the_discriminator_without_gradients() -> None:
    run = GanRun(gan_spec(train_only="generator"))
    d_before, g_before = params(run.discriminator), params(run.generator)
    run.step(3)
    assert changed(g_before, run.generator)
    assert not changed(d_before, run.discriminator)
    assert all(p.grad is None for p in run.discriminator.parameters())


def test_train_only_the_discriminator_keeps_the_generator() -> None:
    run = GanRun(gan_spec(train_only="discriminator"))
    d_before, g_before = params(run.discriminator), params(run.generator)
    run.step(3)
    assert changed(d_before, run.discriminator)
    assert not changed(g_before, run.generator)
    assert all(p.grad is None for p in run.generator.parameters())


def test_d_steps_use_fresh_real_batches() -> None:
    run = GanRun(gan_spec(d_steps=3))  # 400 samples, 320 train... all used: batch 32
    run.step(run.steps_per_epoch)
    assert run.epoch == 1 and len(run.history) == 1
    point = run.history[0]
    assert math.isfinite(point.d_loss) and math.isfinite(point.g_loss)
    assert 0 < point.d_real < 1 and 0 < point.d_fake < 1


def test_a_frozen_side_reports_no_loss() -> None:
    run = GanRun(gan_spec(train_only="discriminator"))
    run.step(run.steps_per_epoch)
    assert math.isnan(run.history[0].g_loss) and math.isfinite(run.history[0].d_loss)


@pytest.mark.parametrize("loss", ["classic", "non_saturating", "least_squares"])
def test_every_loss_trains(loss: str) -> None:
    run = GanRun(gan_spec(loss=loss))
    g_before = params(run.generator)
    assert run.step(30) == 30 and not run.done
    assert changed(g_before, run.generator)


def test_same_seed_same_weights_even_interleaved() -> None:
    spec = gan_spec(generator={"layers": [*SMALL, {"type": "dropout", "p": 0.3}]})
    alone, a, b = GanRun(spec), GanRun(spec), GanRun(spec.model_copy(update={"seed": 5}))
    alone.step(20)
    for _ in range(4):
        a.step(5)
        b.step(5)
    for name, value in alone.generator.state_dict().items():
        assert torch.equal(a.generator.state_dict()[name], value), name


def test_max_steps_ends_the_run_and_more_steps_resume_it() -> None:
    run = GanRun(gan_spec(max_steps=10))
    assert run.step(50) == 10
    assert run.status.reason == "max_steps"
    run.set(max_steps=15)
    assert not run.done and run.step(50) == 5


def test_divergence_ends_the_run() -> None:
    run = GanRun(
        gan_spec(
            generator={"layers": SMALL, "optimizer": "sgd", "lr": 10.0},
            discriminator={"layers": SMALL, "optimizer": "sgd", "lr": 10.0},
            loss="least_squares",
        )
    )
    run.step(5 * run.steps_per_epoch)
    assert run.status.reason == "diverged"
    assert "smaller learning rates" in run.status.detail


# --- live settings ---


def test_set_changes_rates_and_rules_keeping_the_weights() -> None:
    run = GanRun(gan_spec())
    run.step(5)
    weights = params(run.generator)
    run.set(g_lr=0.01, d_lr=0.002, d_steps=2, gan_loss="least_squares", train_only="generator")
    assert run.g_opt.param_groups[0]["lr"] == 0.01
    assert run.d_opt.param_groups[0]["lr"] == 0.002
    assert (run.gan.d_steps, run.gan.loss, run.gan.train_only) == (2, "least_squares", "generator")
    assert not changed(weights, run.generator)


def test_set_refuses_supervised_settings_and_bad_values() -> None:
    run = GanRun(gan_spec())
    with pytest.raises(ValueError, match="cannot change dropout, lr on a GAN"):
        run.set(lr=0.1, dropout=0.2)
    with pytest.raises(ValidationError, match="d_steps"):
        run.set(d_steps=0)


# --- views ---


def test_2d_views_have_their_documented_shapes() -> None:
    run = GanRun(gan_spec())
    run.step(5)
    out = run.observe("metrics", "gan_samples", "gan_manifold", "gan_gradients", grid=7)
    out |= run.observe("gan_discriminator", grid=30)
    assert out["gan_samples"]["real"].shape == (DRAWN, 2)
    assert out["gan_samples"]["fake"].shape == (DRAWN, 2)
    assert out["gan_manifold"].shape == (7, 7, 2)
    disc = out["gan_discriminator"]
    assert disc.shape == (30, 30) and 0 <= disc.min() and disc.max() <= 1
    assert out["gan_gradients"].shape == (DRAWN, 2)
    assert out["metrics"]["step"] == 5


def test_the_manifold_is_the_generator_over_the_latent_grid() -> None:
    run = GanRun(gan_spec(latent_size=1))
    line = run.observe("gan_manifold", grid=5)["gan_manifold"]
    assert line.shape == (1, 5, 2)
    with torch.no_grad():
        ends = run.generator(torch.tensor([[-1.0], [1.0]])).numpy()
    np.testing.assert_allclose(line[0, [0, -1]], ends, rtol=1e-5, atol=1e-6)


def test_the_heatmap_puts_high_y_on_top() -> None:
    run = GanRun(gan_spec())
    with torch.no_grad():  # a discriminator that says "real" exactly where y > 0
        out = run.discriminator.output.linear
        for p in run.discriminator.parameters():
            p.zero_()
        out.bias.fill_(-10.0)
        first = run.discriminator.dense0.linear
        first.weight[0, 1] = 1.0  # unit 0 = leaky(y)
        out.weight[0, 0] = 100.0
    heat = run.observe("gan_discriminator", grid=10)["gan_discriminator"]
    assert heat[0].mean() > 0.99 and heat[-1].mean() < 0.01


def test_gradient_arrows_are_minus_the_generator_loss_gradient() -> None:
    run = GanRun(gan_spec())
    run.step(10)
    grads_before = [p.grad.clone() for p in run.discriminator.parameters()]
    arrows = run.observe("gan_gradients")["gan_gradients"]
    for before, p in zip(grads_before, run.discriminator.parameters(), strict=True):
        assert torch.equal(before, p.grad)  # the view left the parameters' grads alone
    with torch.no_grad():
        fake = run.generator(run.view_latents[:DRAWN])
    fake.requires_grad_(True)
    F.softplus(-run.discriminator(fake)).sum().backward()
    np.testing.assert_allclose(arrows, -fake.grad.numpy(), rtol=1e-4, atol=1e-7)


def test_image_views_and_interpolation_ends() -> None:
    run = GanRun(gan_spec("digits", latent_size=4))
    out = run.observe("gan_images", "gan_interpolation")
    assert out["gan_images"].shape == (SAMPLE_GRID, 1, 8, 8)
    path = out["gan_interpolation"]
    assert path.shape == (INTERPOLATION_STEPS, 1, 8, 8)
    np.testing.assert_allclose(path[0], out["gan_images"][0], atol=1e-6)
    np.testing.assert_allclose(path[-1], out["gan_images"][1], atol=1e-6)


def test_views_of_the_other_kind_are_refused_in_words() -> None:
    with pytest.raises(ObserveError, match="needs image data"):
        GanRun(gan_spec()).observe("gan_images")
    with pytest.raises(ObserveError, match="needs 2-D data"):
        GanRun(gan_spec("digits")).observe("gan_samples")
    with pytest.raises(ObserveError, match="unknown GAN view 'boundary'"):
        GanRun(gan_spec()).observe("boundary")


def test_mode_coverage_counts_fakes_on_each_mode() -> None:
    run = GanRun(gan_spec())
    modes = run.data.modes
    assert modes is not None
    with torch.no_grad():  # a generator that puts every fake on mode 3
        for p in run.generator.parameters():
            p.zero_()
        run.generator.output.linear.bias.copy_(modes[3])
    quality = run.observe("gan_quality")["gan_quality"]
    assert quality["modes"] == 8 and quality["modes_covered"] == 1
    assert quality["mode_counts"][3] == len(run.view_latents)
    assert quality["on_data"] == 1.0


def test_observing_changes_nothing() -> None:
    run = GanRun(gan_spec())
    run.step(3)
    twin = copy.deepcopy(run)
    state = torch.random.get_rng_state()
    run.observe("gan_samples", "gan_manifold", "gan_discriminator", "gan_gradients", "gan_quality")
    assert torch.equal(torch.random.get_rng_state(), state)
    run.step(3)
    twin.step(3)
    for name, value in twin.generator.state_dict().items():
        assert torch.equal(run.generator.state_dict()[name], value), name


def test_create_run_picks_the_trainer_by_kind() -> None:
    assert isinstance(create_run(gan_spec()), GanRun)
    assert not isinstance(create_run(ExperimentSpec()), GanRun)


def test_reset_with_a_new_seed_redraws_the_data() -> None:
    run = GanRun(gan_spec())
    first = run.real.clone()
    run.step(5)
    run.reset()
    assert run.step_count == 0 and torch.equal(run.real, first)
    run.reset(seed=3)
    assert run.spec.seed == 3 and not torch.equal(run.real, first)
