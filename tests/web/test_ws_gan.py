"""A GAN over a real socket and a real worker: its views in frames, its metrics, each side
trained alone, and the requests a GAN cannot answer refused in words."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import numpy as np

from app.client import Client, Event, connect

LAYERS = [{"type": "dense", "units": 16, "activation": "leaky_relu"}]
GAN = {
    "kind": "gan",
    "seed": 2,
    "data": {"dataset": "gaussians8", "n_samples": 320},
    "gan": {
        "generator": {"layers": LAYERS},
        "discriminator": {"layers": LAYERS},
        "batch_size": 32,
    },
}
VIEWS_2D = [
    "metrics",
    "gan_samples",
    "gan_manifold",
    "gan_discriminator",
    "gan_gradients",
    "gan_quality",
]


def is_frame(e: Event) -> bool:
    return e["type"] == "frame"


async def frame_at(c: Client, step: int, *needs: str) -> Event:
    """The first frame at `step` holding every array or value named in `needs`."""

    def fits(e: Event) -> bool:
        if not is_frame(e) or e["header"]["step"] != step:
            return False
        return all(n in e["arrays"] or n in e["header"]["values"] for n in needs)

    return await c.wait_for(fits, timeout=20)


async def views_and_metrics(url: str) -> dict[str, Any]:
    async with await connect(url) as c:
        await c.start(GAN, paused=True)
        await c.view(VIEWS_2D, grid=6, boundary_grid=24)
        await c.step(30)
        metrics: list[Event] = []  # sent before the frames of the same step

        def seen(e: Event) -> bool:
            if e["type"] == "metrics":
                metrics.append(e)
            return (
                is_frame(e)
                and e["header"]["step"] == 30
                and "gan_quality/modes" in e["header"]["values"]
            )

        frame = await c.wait_for(seen, timeout=20)
        return {"frame": frame, "metrics": metrics[0]}


def test_a_gan_streams_its_views_and_metrics(ws_server: str) -> None:
    got = asyncio.run(views_and_metrics(ws_server))
    arrays, values = got["frame"]["arrays"], got["frame"]["header"]["values"]
    assert arrays["gan_samples/real"].shape == (256, 2)
    assert arrays["gan_samples/fake"].shape == (256, 2)
    assert arrays["gan_manifold"].shape == (6, 6, 2)
    assert arrays["gan_discriminator"].shape == (24, 24)
    assert arrays["gan_gradients"].shape == (256, 2)
    assert values["gan_quality/modes"] == 8
    assert 0 <= values["gan_quality/modes_covered"] <= 8
    assert len(values["gan_quality/mode_counts"]) == 8
    point = got["metrics"]["points"][0]  # 320 samples / 32 per batch: one point per 10 steps
    assert point["step"] == 10 and point["epoch"] == 1
    assert set(point) >= {"d_loss", "g_loss", "d_real", "d_fake"}


async def one_side_at_a_time(url: str) -> dict[str, Any]:
    async with await connect(url) as c:
        await c.start(GAN, paused=True)
        await c.view(["gan_samples", "gan_discriminator"], boundary_grid=20)
        await c.step(5)
        start = await frame_at(c, 5, "gan_samples/fake")
        await c.set(train_only="discriminator")
        await c.step(5)
        d_only = await frame_at(c, 10, "gan_samples/fake")
        await c.set(train_only="generator")
        await c.step(5)
        g_only = await frame_at(c, 15, "gan_samples/fake")
        return {"start": start, "d_only": d_only, "g_only": g_only}


def test_each_side_trains_alone(ws_server: str) -> None:
    got = asyncio.run(one_side_at_a_time(ws_server))

    def fakes(name: str) -> np.ndarray:
        return got[name]["arrays"]["gan_samples/fake"]

    def heat(name: str) -> np.ndarray:
        return got[name]["arrays"]["gan_discriminator"]

    # discriminator only: the fakes stay put, the verdict moves
    assert np.array_equal(fakes("start"), fakes("d_only"))
    assert not np.array_equal(heat("start"), heat("d_only"))
    # generator only: the verdict stays, the fakes move
    assert np.array_equal(heat("d_only"), heat("g_only"))
    assert not np.array_equal(fakes("d_only"), fakes("g_only"))


async def refusals(url: str) -> dict[str, Event]:
    async with await connect(url) as c:
        bad = {**GAN, "gan": {**GAN["gan"], "discriminator": {"layers": [{"type": "conv2d"}]}}}
        await c.start(bad)
        invalid = await c.wait_for(lambda e: e["type"] == "error")
        await c.start(GAN, paused=True)
        await c.view(["gan_samples", "boundary"])
        dropped = await c.wait_for(lambda e: e["type"] == "error")
        await c.wait_for(is_frame)  # the other view goes on
        await c.predict([[0.0, 0.0]])
        predict = await c.wait_for(lambda e: e["type"] == "error")
        await c.set(lr=0.1)
        supervised_setting = await c.wait_for(lambda e: e["type"] == "error")
        await c.view(["gan_samples"], input=[1.0, 2.0])
        view_input = await c.wait_for(lambda e: e["type"] == "error")
        return {
            "invalid": invalid,
            "dropped": dropped,
            "predict": predict,
            "set": supervised_setting,
            "input": view_input,
        }


def test_what_a_gan_cannot_do_is_refused_in_words(ws_server: str) -> None:
    got = asyncio.run(refusals(ws_server))
    assert got["invalid"]["field"] == "spec.gan.discriminator.layers.0"
    assert "needs an image" in got["invalid"]["message"]
    assert (got["dropped"]["view"], got["dropped"]["field"]) == ("boundary", "views")
    assert "unknown GAN view" in got["dropped"]["message"]
    assert "a GAN has no input" in got["predict"]["message"]
    assert "cannot change lr on a GAN" in got["set"]["message"]
    assert got["input"]["field"] == "input"


def test_validate_reports_both_networks_or_names_the_field(ws_server: str) -> None:
    with httpx.Client(base_url=ws_server) as http:
        ok = http.post("/api/validate", json=GAN)
        bad = http.post("/api/validate", json={**GAN, "gan": {**GAN["gan"], "latent_size": 0}})
        catalog = http.get("/api/catalog").json()
    assert ok.status_code == 200
    body = ok.json()
    assert body["kind"] == "gan" and body["generator"]["layers"][-1]["output_shape"] == [2]
    assert body["discriminator"]["total_params"] == 2 * 16 + 16 + 16 + 1
    assert bad.status_code == 422
    assert "gan.latent_size" in bad.text
    assert set(catalog["gan"]["datasets"]) >= {"gaussians8", "ring", "line", "moons", "drawn"}
