"""A model's mode while it is looked at: eval mode (no dropout, frozen batch-norm
statistics) for measuring and for every view, the previous mode back afterwards. Its own
module so that the probes and the trainers both use it without importing each other."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

from torch import nn


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode (no dropout, frozen batch-norm statistics), then the previous mode back.
    Nothing to do for a model that no mode changes (switching walks every module: a
    class's frames spent a tenth of a worker on it)."""
    if not _mode_matters(model):
        yield
        return
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


_MODAL = (nn.Dropout, nn.modules.batchnorm._BatchNorm, nn.MultiheadAttention)
_modal_models: weakref.WeakKeyDictionary[nn.Module, bool] = weakref.WeakKeyDictionary()


def _mode_matters(model: nn.Module) -> bool:
    """Whether train and eval mode compute differently for this model (dropout, batch norm,
    attention's dropout), remembered per model: a model's modules never change."""
    modal = _modal_models.get(model)
    if modal is None:
        modal = _modal_models[model] = any(isinstance(m, _MODAL) for m in model.modules())
    return modal
