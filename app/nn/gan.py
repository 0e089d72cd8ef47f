"""A GAN's two networks from their layer lists: the generator maps a latent vector to one
sample of the data's shape, the discriminator maps a sample to one logit ("real" when
positive). Both reuse the layer catalog (`build_hidden`); only their output layers are
implied here, as a supervised model's is by its task."""

from __future__ import annotations

import math

import torch
from torch import nn

from app.nn import blocks
from app.nn.build import ModelInput, ModelReport, Shape, SpecError, build_hidden, check_limits
from app.settings import DEFAULT_LIMITS, Limits
from app.spec import GanSpec


def build_generator(
    gan: GanSpec,
    sample_shape: Shape,
    *,
    limits: Limits = DEFAULT_LIMITS,
    device: torch.device | str = "cpu",
) -> tuple[nn.Sequential, ModelReport]:
    """Latent (B, latent_size) -> samples (B, *sample_shape). Points come out linear; images
    as sigmoid pixels in [0, 1], from a 3x3 convolution when the last hidden layer is an
    image of the right size (DCGAN style), else from a dense layer reshaped."""
    where = "gan.generator.layers"
    latent = ModelInput((gan.latent_size,), "points", "regression", 0)
    with torch.device(device):
        modules, report, shape = build_hidden(gan.generator.layers, latent, where)
        image = len(sample_shape) == 3
        if image and len(shape) == 3:  # DCGAN style: convolve to the image
            if shape[1:] != sample_shape[1:]:
                raise SpecError(
                    where,
                    f"the last layer makes {shape[1]}x{shape[2]} maps but the data is "
                    f"{sample_shape[1]}x{sample_shape[2]} images; upsample, pool or flatten",
                )
            conv = nn.Conv2d(shape[0], sample_shape[0], 3, padding=1)
            modules["output"] = blocks.ConvBlock(conv, "sigmoid")
            note = "3x3 convolution to the image, sigmoid pixels"
        else:
            dense = blocks.DenseBlock(
                math.prod(shape),
                math.prod(sample_shape),
                "sigmoid" if image else "linear",
                len(shape) > 1,
            )
            modules["output"] = (
                nn.Sequential(dense, blocks.Reshape(sample_shape)) if image else dense
            )
            note = "dense to the image, sigmoid pixels" if image else "dense to (x, y), linear"
        report.add("output", "generator output", list(sample_shape), modules["output"], note)
        model = blocks.Network(modules)
    report.output_activation = "sigmoid" if len(sample_shape) == 3 else "linear"
    report.finish(gan.batch_size)
    check_limits(report, limits, where)
    return model, report


def build_discriminator(
    gan: GanSpec,
    sample_shape: Shape,
    *,
    limits: Limits = DEFAULT_LIMITS,
    device: torch.device | str = "cpu",
) -> tuple[nn.Sequential, ModelReport]:
    """Samples (B, *sample_shape) -> logits (B, 1); sigmoid(logit) is P(real)."""
    where = "gan.discriminator.layers"
    data = ModelInput(sample_shape, "image" if len(sample_shape) == 3 else "points", "binary", 1)
    with torch.device(device):
        modules, report, shape = build_hidden(gan.discriminator.layers, data, where)
        modules["output"] = blocks.DenseBlock(math.prod(shape), 1, "linear", len(shape) > 1)
        report.add("output", "dense", [1], modules["output"], "one logit: sigmoid is P(real)")
        model = blocks.Network(modules)
    report.output_activation = "sigmoid"
    # Each step runs the discriminator on a real and a fake batch.
    report.finish(2 * gan.batch_size)
    check_limits(report, limits, where)
    return model, report
