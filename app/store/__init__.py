"""Runs that last: the database of runs (SQLAlchemy 2, Alembic migrations), their metrics
history and checkpoints (safetensors files beside the database), and the writer thread
that records them without ever making a run wait (docs/architecture.md, docs/runs.md)."""
