"""The `nnplayground` command: train and validate specs headless, check lessons, or serve the
web app."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.nn import SpecError
from app.settings import Settings
from app.spec import ExperimentSpec, format_errors

if TYPE_CHECKING:
    from app.lessons import Lesson

EXIT_INVALID = 2
DEFAULT_EPOCHS = 20  # when neither the spec nor the command line says


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnplayground", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a spec headless and report its metrics")
    train.add_argument("spec", type=Path, help="an ExperimentSpec JSON file")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument(
        "--epochs",
        type=int,
        help=f"epochs to train (default: the spec's max_epochs, else {DEFAULT_EPOCHS})",
    )
    budget.add_argument("--steps", type=int, help="training steps (batches) to train")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    train.add_argument(
        "--init-weights",
        type=Path,
        metavar="FILE",
        help="start from these weights (a .safetensors file, e.g. an export's), not the seed's",
    )
    train.add_argument(
        "--seed", type=int, help="seed of the data, weights and batches (default: the spec's)"
    )
    train.add_argument(
        "--json",
        action="store_true",
        help="print the final metrics as one JSON object on the last line",
    )
    train.add_argument(
        "--save", action="store_true", help="record the run in the runs database (docs/runs.md)"
    )
    train.set_defaults(func=_train)

    export = sub.add_parser(
        "export", help="train a spec headless, then write it out as a standalone PyTorch script"
    )
    export.add_argument(
        "spec",
        type=Path,
        help="an ExperimentSpec JSON file, or a recorded run's id (`runs list --json`)",
    )
    export.add_argument("--out", type=Path, required=True, help="the folder to write into")
    export.add_argument("--steps", type=int, help="training steps first (default: as train)")
    export.add_argument("--seed", type=int, help="the seed instead of the spec's")
    export.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    export.set_defaults(func=_export)

    runs = sub.add_parser("runs", help="the runs database: list the recorded runs")
    runs_commands = runs.add_subparsers(required=True, metavar="ACTION")
    runs_list = runs_commands.add_parser("list", help="every recorded run, newest first")
    runs_list.add_argument("--json", action="store_true", help="one JSON array (the default)")
    runs_list.set_defaults(func=_runs_list)

    validate = sub.add_parser("validate", help="print shapes and parameter counts, or the error")
    validate.add_argument("spec", type=Path)
    validate.add_argument("--json", action="store_true", help="print the summary as JSON")
    validate.set_defaults(func=_validate)

    serve = sub.add_parser("serve", help="serve the playground in the browser")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument(
        "--class-code",
        default=None,
        metavar="CODE",
        help="the code students join with (4-32 letters and digits); turns class mode on",
    )
    serve.add_argument(
        "--teacher-key",
        default=None,
        metavar="KEY",
        help="the key of the teacher's page /teacher (12-128 URL-safe characters)",
    )
    serve.add_argument(
        "--open",
        action="store_true",
        help="no class mode on a non-loopback host: anyone who reaches it may use it",
    )
    serve.add_argument(
        "--redis",
        default=None,
        metavar="URL",
        help="serve as a web replica whose runs train on `nnplayground worker` hosts "
        "reached through this Redis (redis://host:6379/0)",
    )
    serve.set_defaults(func=_serve)
    _add_worker_command(sub)
    _add_lesson_commands(sub)
    return parser


def _add_worker_command(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="a worker host: trains the runs of web replicas sharing a Redis"
    )
    worker.add_argument("--redis", required=True, metavar="URL", help="redis://host:6379/0")
    worker.add_argument(
        "--slots", type=int, default=32, help="runs this host trains at most (default 32)"
    )
    worker.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    worker.set_defaults(func=_worker)


def _worker(args: argparse.Namespace) -> int:
    from app.cluster.main import run_worker_host

    return run_worker_host(args.redis, args.slots, args.device)


def _add_lesson_commands(sub: Any) -> None:
    lesson = sub.add_parser("lesson", help="list the lessons, or check one on a seed")
    commands = lesson.add_subparsers(required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="every lesson: id, runs, steps, title")
    listing.set_defaults(func=_lesson_list)
    check = commands.add_parser(
        "check", help="train a lesson's runs headless on the CPU and judge its check"
    )
    check.add_argument(
        "id",
        help="the lesson's id (see `nnplayground lesson list`), or a lesson file (.json)",
    )
    check.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    check.add_argument(
        "--json",
        action="store_true",
        help="also print the result as one JSON object on the last line",
    )
    check.set_defaults(func=_lesson_check)


def _load(path: Path) -> ExperimentSpec | None:
    """The parsed spec, or None after printing why it is not one."""
    try:
        return ExperimentSpec.model_validate_json(path.read_bytes())
    except OSError as e:
        print(f"error: cannot read {path}: {e.strerror}", file=sys.stderr)
    except ValidationError as e:
        for err in format_errors(e):
            print(f"error: {err['field']}: {err['message']}", file=sys.stderr)
    return None


def _validate(args: argparse.Namespace) -> int:
    from app.validation import check_spec

    spec = _load(args.spec)
    if spec is None:
        return EXIT_INVALID
    settings = Settings()
    try:
        summary = check_spec(spec, data_dir=settings.data_dir, limits=settings.limits)
    except SpecError as e:
        print(f"error: {e.field}: {e.message}", file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(summary))
        return 0
    if summary.get("kind") == "gan":
        _print_gan_summary(spec, summary)
        return 0
    data = summary["data"]
    print(
        f"data: {spec.data.dataset}, {data['task']}, input {_shape(data['input_shape'])}, "
        f"{data['train_examples']} train / {data['val_examples']} val examples"
    )
    _print_layers(summary["layers"])
    out = summary["output"]
    print(f"output: {out['units']} units, {out['activation']}, loss {out['loss']}")
    print(f"total: {summary['total_params']:,} parameters")
    return 0


def _print_layers(layers: list[dict[str, Any]]) -> None:
    for layer in layers:
        note = f"  ({layer['note']})" if layer["note"] else ""
        print(
            f"  {layer['name']:<14} {_shape(layer['output_shape']):>12} "
            f"{layer['params']:>10,} params{note}"
        )


def _print_gan_summary(spec: ExperimentSpec, summary: dict[str, Any]) -> None:
    data = summary["data"]
    print(
        f"data: {spec.data.dataset}, GAN, samples {_shape(data['input_shape'])}, "
        f"{data['examples']} real examples"
    )
    for side in ("generator", "discriminator"):
        net = summary[side]
        print(f"{side}: input {_shape(net['input_shape'])}, {net['total_params']:,} parameters")
        _print_layers(net["layers"])
    print(f"latent: {summary['latent_size']} values; loss {summary['loss']}")
    print(f"total: {summary['total_params']:,} parameters")


def _shape(shape: list[int]) -> str:
    return "x".join(map(str, shape))


def _train(args: argparse.Namespace) -> int:
    spec = _load(args.spec)
    if spec is None:
        return EXIT_INVALID
    if args.seed is not None:
        if not 0 <= args.seed < 2**31:
            print("error: --seed must be 0 to 2147483647", file=sys.stderr)
            return EXIT_INVALID
        spec = spec.model_copy(update={"seed": args.seed})  # what the file's "seed" would do
    run = _create_run(spec, args.device)
    if run is None or (args.init_weights and not _init_weights(run, args.init_weights)):
        return EXIT_INVALID
    result = _train_headless(run, args.steps, args.epochs, quiet=args.json)
    if args.save:
        from app.store.commands import save_run

        result["saved_as"] = save_run(Settings(), run)
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        _print_result(result)
    return 1 if result["state"] == "done" and result["reason"] in ("diverged", "failed") else 0


def _create_run(spec: ExperimentSpec, device: str) -> Any:
    """The run of a checked spec, or None after printing why there is none."""
    import torch

    from app.train import create_run
    from app.validation import check_spec

    settings = Settings()
    torch.set_num_threads(settings.torch_threads)
    try:
        check_spec(spec, data_dir=settings.data_dir, limits=settings.limits)
        return create_run(spec, device, data_dir=settings.data_dir, limits=settings.limits)
    except (SpecError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return None


def _init_weights(run: Any, path: Path) -> bool:
    """Loads the weights file into the run's model; False after printing why it does not
    fit (app/export/weights_file.py checks it before reading any tensor)."""
    from app.export.weights_file import WeightsFileError, load_weights
    from app.train import Run

    if not isinstance(run, Run):
        print(
            "error: --init-weights: a gan run cannot start from a weights file yet", file=sys.stderr
        )
        return False
    try:
        load_weights(run.model, path)
    except WeightsFileError as e:
        print(f"error: --init-weights: {e}", file=sys.stderr)
        return False
    return True


def _train_headless(run: Any, steps: int | None, epochs: int | None, quiet: bool) -> dict[str, Any]:
    """Trains `steps` steps, or `epochs` epochs, else the spec's budget (or DEFAULT_EPOCHS),
    with a progress bar; returns the final metrics (as `train --json` prints them)."""
    steps_per_epoch = run.steps_per_epoch
    if steps is not None:
        total = steps
    elif epochs:
        total = epochs * steps_per_epoch
    else:
        total = run.step_limit or DEFAULT_EPOCHS * steps_per_epoch
    progress = Progress(total, enabled=sys.stderr.isatty() or not quiet)
    started = time.perf_counter()
    while run.step_count < total and not run.done:
        run.step(min(steps_per_epoch, total - run.step_count))
        progress.update(run)
    progress.close()
    return _result(run, time.perf_counter() - started)


def _export(args: argparse.Namespace) -> int:
    """Trains the spec (a file), or takes a recorded run (its id: its spec and last
    checkpoint, trained further only with --steps), writes the export folder and prints the
    run's metrics as JSON (the ones `python OUT/model.py --eval` reproduces)."""
    from app.export import ExportError, export_run

    saved = None if args.spec.exists() else _saved_run(str(args.spec))
    spec = saved[0] if saved is not None else _load(args.spec)
    if spec is None:
        return EXIT_INVALID
    if args.seed is not None:
        if not 0 <= args.seed < 2**31:
            print("error: --seed must be 0 to 2147483647", file=sys.stderr)
            return EXIT_INVALID
        spec = spec.model_copy(update={"seed": args.seed})
    if args.steps is not None and not 0 <= args.steps <= MAX_EXPORT_STEPS:
        print(f"error: --steps must be 0 to {MAX_EXPORT_STEPS:,}", file=sys.stderr)
        return EXIT_INVALID
    run = _create_run(spec, args.device)
    if run is None:
        return EXIT_INVALID
    if saved is not None:
        from app.train.checkpoint import CheckpointError, restore

        try:
            restore(run, saved[1], saved[2])
        except CheckpointError as e:
            print(f"error: run {args.spec}: {e}", file=sys.stderr)
            return EXIT_INVALID
        more = args.steps or 0  # on from the checkpoint's step
        result = _train_headless(run, run.step_count + more, None, quiet=True)
    else:
        result = _train_headless(run, args.steps, None, quiet=True)
    try:
        files = export_run(run, args.out)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as e:
        print(f"error: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {', '.join(f.name for f in files)} to {args.out}", file=sys.stderr)
    print(json.dumps(result, allow_nan=False))
    return 1 if result["state"] == "done" and result["reason"] in ("diverged", "failed") else 0


MAX_EXPORT_STEPS = 10_000_000


def _saved_run(run_id: str) -> tuple[ExperimentSpec, bytes, bytes] | None:
    """A recorded run's spec and checkpoint by its id, or None after printing why not."""
    from app.store.commands import load_saved_run

    found = load_saved_run(Settings(), run_id) if run_id.isalnum() and len(run_id) <= 32 else None
    if found is None:
        print(
            f"error: {run_id} is neither a spec file nor the id of a recorded run with a "
            "checkpoint (`nnplayground runs list --json` lists them)",
            file=sys.stderr,
        )
        return None
    spec, weights, optimizer = found
    try:
        return ExperimentSpec.model_validate(spec), weights, optimizer
    except ValidationError as e:
        print(f"error: run {run_id}: its spec no longer validates: {e}", file=sys.stderr)
        return None


def _result(run: Any, seconds: float) -> dict[str, Any]:
    from app.train import GanRun

    status = run.status
    head = {
        "state": status.state,
        "reason": status.reason,
        "detail": status.detail,
        "device": str(run.device),
        "seed": run.spec.seed,
        "steps": run.step_count,
        "epochs": run.epoch,
        "seconds": round(seconds, 3),
    }
    if isinstance(run, GanRun):
        return head | _gan_result(run)
    metrics = run.evaluate()
    score = run.score_name
    return head | {
        "train_loss": _finite(metrics.train_loss),
        "val_loss": _finite(metrics.val_loss),
        f"train_{score}": _finite(metrics.train_score),
        f"val_{score}": _finite(metrics.val_score),
    }


def _gan_result(run: Any) -> dict[str, Any]:
    """The last metrics point and the quality readout (modes, or the digit judge's)."""
    last = vars(run.history[-1]) if run.history else {}
    quality = {
        k: v for k, v in run.observe("gan_quality")["gan_quality"].items() if k != "mode_counts"
    }
    quality.pop("class_counts", None)
    scores = {k: _finite(last.get(k, math.nan)) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    return scores | {k: _finite(v) if isinstance(v, float) else v for k, v in quality.items()}


def _finite(x: float) -> float | None:
    """JSON has no NaN or Infinity: those become null."""
    return x if math.isfinite(x) else None


def _print_result(result: dict[str, Any]) -> None:
    for key, value in result.items():
        if value not in (None, ""):
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total, self.enabled, self.tty = max(total, 1), enabled, sys.stderr.isatty()
        self.last_line = 0.0

    def update(self, run: Any) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not self.tty and now - self.last_line < 2 and run.step_count < self.total:
            return
        self.last_line = now
        done = min(run.step_count / self.total, 1.0)
        bar = "#" * int(done * 30)
        last = run.history[-1] if run.history else None
        if last is not None and hasattr(last, "g_loss"):  # a GAN
            losses = f"d_loss {last.d_loss:.4f} g_loss {last.g_loss:.4f}"
        else:
            losses = f"val_loss {last.val_loss if last else float('nan'):.4f}"
        line = f"[{bar:<30}] {done:4.0%} step {run.step_count} epoch {run.epoch} {losses}"
        print(
            ("\r" + line) if self.tty else line,
            end="" if self.tty else "\n",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.enabled and self.tty:
            print(file=sys.stderr)


def _lesson_list(args: argparse.Namespace) -> int:
    from app.lessons import LESSONS, LessonFileError
    from app.lessons.report import listing_lines

    try:
        lessons = list(LESSONS.values())
    except LessonFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    print("\n".join(listing_lines(lessons)))
    return 0


def _lesson_check(args: argparse.Namespace) -> int:
    """Exit 0 when the lesson holds on the seed, 1 when not, 2 when it cannot be checked."""
    import torch

    from app.lessons import LessonError, LessonFileError, check_lesson
    from app.lessons.report import check_lines

    if not 0 <= args.seed < 2**31:
        print("error: --seed must be 0 to 2147483647", file=sys.stderr)
        return EXIT_INVALID
    torch.set_num_threads(Settings().torch_threads)
    try:
        lesson = _find_lesson(args.id)
        if lesson is None:
            return EXIT_INVALID
        result = check_lesson(lesson, args.seed)
    except (LessonFileError, LessonError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    print("\n".join(check_lines(result)))
    if args.json:
        last = {k: v for k, v in result.to_json().items() if k in JSON_KEYS}
        print(json.dumps(last, allow_nan=False))
    return 0 if result.holds else 1


def _find_lesson(name: str) -> Lesson | None:
    """A shipped lesson by id, or a lesson file being written (a path ending in .json);
    None after saying why there is none. Raises LessonFileError for a bad file."""
    from app.lessons import LESSONS, LessonFileError, parse_lesson

    if name.endswith(".json"):
        path = Path(name)
        try:
            return parse_lesson(path.read_bytes(), path.name)
        except OSError as e:
            raise LessonFileError(f"cannot read {path}: {e.strerror}") from None
    lesson = LESSONS.get(name)
    if lesson is None:
        shown = name if len(name) <= 40 else name[:40] + "..."
        print(f"error: no lesson {shown!r}; the lessons are: {', '.join(LESSONS)}", file=sys.stderr)
    return lesson


JSON_KEYS = ("lesson", "seed", "holds", "measured", "seconds")


def _runs_list(args: argparse.Namespace) -> int:
    from app.store.commands import list_runs_json

    print(list_runs_json(Settings()))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.web.app import create_app, server_options
    from app.web.class_setup import class_banner

    settings = _serve_settings(args)
    if settings is None:
        return EXIT_INVALID
    if settings.class_mode:
        print(class_banner(settings), flush=True)
    uvicorn.run(create_app(settings), **server_options(settings), log_level="info")
    return 0


# What a refused `serve` flag must be, in words (pydantic would quote its pattern).
FLAG_RULES = {
    "class_code": "must be 4 to 32 letters and digits",
    "teacher_key": "must be 12 to 128 letters, digits, '-' or '_'",
    "redis_url": "must be a redis:// or rediss:// URL",
}


def _serve_settings(args: argparse.Namespace) -> Settings | None:
    """The settings `serve` runs with: the environment's, overridden by the flags, with class
    credentials filled in; None after printing why a flag's value is refused."""
    from app.web.class_setup import with_class_credentials

    flags = {
        "host": args.host,
        "port": args.port,
        "class_code": args.class_code,
        "teacher_key": args.teacher_key,
        "open_access": args.open or None,
        "redis_url": args.redis,
    }
    try:
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as e:
        for err in format_errors(e):
            field = err["field"]
            words = FLAG_RULES.get(field, err["message"])
            flag = "redis" if field == "redis_url" else field.replace("_", "-")
            print(f"error: --{flag}: {words}", file=sys.stderr)
        return None
    return with_class_credentials(settings)


if __name__ == "__main__":
    sys.exit(main())
