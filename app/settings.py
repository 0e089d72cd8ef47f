"""Every limit and default in one typed settings object, overridable by environment.

`Limits` holds the bounds that the spec schema and the validator enforce. The schema's
field bounds use `DEFAULT_LIMITS` (the ceilings, fixed when the module loads); a deployment
may tighten the runtime limits (parameters, memory, samples, epochs) through the
environment, e.g. ``NNP_LIMITS__MAX_PARAMS=1000000``.

`Settings` is never created at import time: `create_app(settings)` and the CLI build one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Limits(BaseModel):
    """Bounds on what one experiment may ask for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_layers: int = 32
    max_units: int = 1024
    max_filters: int = 256
    max_kernel: int = 11
    max_stride: int = 4
    max_hidden: int = 512
    max_recurrent_layers: int = 4
    max_heads: int = 8
    max_embedding_dim: int = 256
    max_batch_size: int = 4096
    max_samples: int = 100_000
    max_seq_len: int = 200
    max_lr: float = 10.0
    max_epochs: int = 100_000
    max_patience: int = 1000
    max_params: int = 5_000_000
    # Bytes of activations (forward + backward) one training batch may hold.
    max_activation_bytes: int = 512 * 1024**2
    max_request_bytes: int = 64 * 1024
    max_grid: int = 200
    max_csv_bytes: int = 5 * 1024**2
    max_csv_rows: int = 100_000
    max_csv_columns: int = 64


DEFAULT_LIMITS = Limits()


class Settings(BaseSettings):
    """Server and runtime settings; environment variables are prefixed ``NNP_``."""

    model_config = SettingsConfigDict(env_prefix="NNP_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Where generated caches and user uploads (CSV files) live.
    data_dir: Path = Path("data")
    limits: Limits = Limits()
    # Intra-op threads per training process. The playground's networks are small: one
    # thread is fastest for them, and it keeps several processes from fighting over cores.
    torch_threads: int = Field(1, ge=1, le=256)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"
