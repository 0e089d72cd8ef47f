"""What a runs list says of a spec (app/store/views.py): the network in words, as the
teacher's grid and the page's "My runs" show it."""

from __future__ import annotations

from app.store.views import spec_summary


def test_a_summary_says_the_network_in_words() -> None:
    spec = {
        "data": {"dataset": "xor"},
        "model": {
            "layers": [
                {"type": "dense", "units": 8, "activation": "tanh"},
                {"type": "dropout", "p": 0.1},
            ]
        },
        "train": {"optimizer": "adam", "lr": 0.03},
    }
    summary = spec_summary(spec)
    assert summary["layers"] == ["dense", "dropout"]
    assert summary["network"] == ["dense 8 tanh", "dropout 0.1"]


def test_a_gan_summary_names_each_network_side() -> None:
    side = {"layers": [{"type": "dense", "units": 16, "activation": "relu"}], "lr": 0.001}
    summary = spec_summary(
        {"kind": "gan", "data": {}, "gan": {"generator": side, "discriminator": side}}
    )
    assert summary["network"] == ["generator dense 16 relu", "discriminator dense 16 relu"]
