"""The tables (docs/architecture.md, "The runs database"). A change here needs a migration
in app/store/migrations/versions: the server runs `upgrade head` at start."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

KINDS = ("playground", "lesson", "gan", "cli")
# A run's status: as its worker last reported it, or "interrupted" when the server stopped
# (or died) while it was live.
STATUSES = ("ready", "running", "paused", "done", "interrupted")


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    epochs: Mapped[int] = mapped_column(Integer, default=0)
    steps: Mapped[int] = mapped_column(Integer, default=0)
    # The metric point of the epoch with the lowest val loss (train loss without a val
    # set), and the latest point: {"epoch", "train_loss", "val_loss", "accuracy", ...}.
    best: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    metrics: Mapped[list[MetricRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MetricRow.epoch"
    )
    checkpoint: Mapped[CheckpointRow | None] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class MetricRow(Base):
    """One epoch's metric point, as the worker reported it."""

    __tablename__ = "metrics"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    point: Mapped[dict[str, Any]] = mapped_column(JSON)

    run: Mapped[RunRow] = relationship(back_populates="metrics")


class CheckpointRow(Base):
    """Where a run's latest checkpoint lies (paths relative to the checkpoints folder)."""

    __tablename__ = "checkpoints"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(Integer)
    last_path: Mapped[str] = mapped_column(String(255))
    best_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    best_val_loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    optimizer_path: Mapped[str] = mapped_column(String(255))
    saved: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The picture "My runs" shows, taken with the checkpoint (app/worker/thumbnail.py):
    # {"view", "shape", "lo", "hi", "data"}, a few hundred bytes (MAX_THUMBNAIL_CHARS).
    thumbnail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    run: Mapped[RunRow] = relationship(back_populates="checkpoint")
