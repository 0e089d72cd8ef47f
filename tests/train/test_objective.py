"""Losses by task: which fit which task, and multiclass MSE checked against its formula."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from app.data.losses import resolve_loss
from app.train.objective import make_loss


def test_auto_follows_the_task_and_misfits_are_refused() -> None:
    assert resolve_loss("multiclass", "auto") == "cross_entropy"
    assert resolve_loss("multiclass", "mse") == "mse"
    with pytest.raises(ValueError, match="does not fit a multiclass task"):
        resolve_loss("multiclass", "bce")


def test_multiclass_mse_is_the_squared_error_of_softmax_against_one_hot() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    y = torch.tensor([0, 1])
    p = torch.softmax(logits, dim=1)
    one_hot = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = ((p - one_hot) ** 2).sum() / 6  # mean over 2 examples x 3 classes
    assert torch.allclose(make_loss("multiclass", "mse")(logits, y), expected)
    assert make_loss("multiclass", "auto") is F.cross_entropy


def test_confident_mistakes_cost_mse_little_and_teach_it_less() -> None:
    """The lesson's point: on a confidently wrong example, MSE is bounded (2 / C) and its
    gradient fades, while cross-entropy keeps growing and keeps pushing."""
    y = torch.tensor([0])
    grads = {}
    for name in ("mse", "cross_entropy"):
        logits = torch.tensor([[-8.0, 8.0, 0.0]], requires_grad=True)
        loss = make_loss("multiclass", name)(logits, y)
        loss.backward()
        assert logits.grad is not None
        grads[name] = float(logits.grad.norm())
        if name == "mse":
            assert float(loss.detach()) <= 2 / 3
    assert grads["mse"] < 1e-3 < 1.0 < grads["cross_entropy"]
