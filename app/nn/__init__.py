"""Spec -> torch.nn.Module, with shape inference and parameter counting."""

from app.nn.build import LAYER_BUILDERS, ModelInput, ModelReport, SpecError, build_model

__all__ = ["LAYER_BUILDERS", "ModelInput", "ModelReport", "SpecError", "build_model"]
