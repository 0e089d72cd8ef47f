"""The wire vocabulary between the page and the server (websocket `/ws`), version 1.

Client -> server: JSON text, one of `ClientMessage` (a discriminated union on `type`).
Server -> client: one of `ServerEvent`: JSON text for `hello`, `status`, `metrics`,
`prediction`, `generated`, `error`, `done`; binary messages for `frame` (see
`encode_frame`), whose JSON header is a `FrameHeader`. docs/protocol.md shows each with an
example (tests/test_protocol_doc.py parses every one against these models).
No JSON message ever holds NaN or Infinity: `finite_or_none` turns them into null.
"""

from __future__ import annotations

import copy
import json
import math
import struct
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    create_model,
    model_serializer,
)
from pydantic.fields import FieldInfo

from app.settings import DEFAULT_LIMITS as L
from app.spec import Dropout, ExperimentSpec, GanNet, GanSpec, StrictModel, TrainSpec
from app.views import STREAMABLE_VIEWS

PROTOCOL_VERSION = 1


def _known_view(name: str) -> str:
    if name not in STREAMABLE_VIEWS:
        shown = name if len(name) <= 30 else name[:30] + "..."  # never echo a long input
        raise ValueError(f"unknown view {shown!r}; views are {', '.join(STREAMABLE_VIEWS)}")
    return name


ViewName = Annotated[str, AfterValidator(_known_view)]


# --- client -> server ---


class Start(StrictModel):
    """Start a new run from a spec (replacing this session's current run)."""

    type: Literal["start"]
    spec: ExperimentSpec
    paused: bool = Field(False, description="Build the run but wait for resume or step.")


class Reopen(StrictModel):
    """Open a recorded run of yours (`GET /api/runs`) as this session's run, from its last
    checkpoint: its weights, optimizer state, step, epoch and history (docs/runs.md)."""

    type: Literal["reopen"]
    id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,32}$", description="The recorded run's id.")
    paused: bool = Field(True, description="Wait for resume or step (false: train at once).")


class Pause(StrictModel):
    type: Literal["pause"]


class Resume(StrictModel):
    type: Literal["resume"]


class Step(StrictModel):
    """Train exactly n batches, then pause."""

    type: Literal["step"]
    n: int = Field(1, ge=1, le=10_000)


class Reset(StrictModel):
    """Fresh weights (the current settings kept); a new seed also regenerates the data."""

    type: Literal["reset"]
    seed: int | None = Field(None, ge=0, le=2**31 - 1)


# Where each live setting's type and bounds come from, so they never drift from the spec's:
# every TrainSpec field but `loss` under its own name (as `Run.HOT`), the dropout layers'
# `p`, and a GAN's settings, named apart where they would collide with a supervised one.
HOT_SOURCES: dict[str, tuple[type[BaseModel], str]] = {
    **{name: (TrainSpec, name) for name in TrainSpec.model_fields if name != "loss"},
    "dropout": (Dropout, "p"),
    "g_lr": (GanNet, "lr"),
    "d_lr": (GanNet, "lr"),
    "d_steps": (GanSpec, "d_steps"),
    "gan_loss": (GanSpec, "loss"),
    "train_only": (GanSpec, "train_only"),
    "max_steps": (GanSpec, "max_steps"),
}
_HOT_DESCRIPTIONS = {
    "dropout": "The p of every dropout layer.",
    "g_lr": "The generator's learning rate (GANs only).",
    "d_lr": "The discriminator's learning rate (GANs only).",
}


def _hot_field(name: str) -> tuple[Any, FieldInfo]:
    """A live setting as its source declares it: the same type, bounds and default."""
    model, field = HOT_SOURCES[name]
    info = copy.copy(model.model_fields[field])
    info.description = _HOT_DESCRIPTIONS.get(name, info.description)
    return info.annotation, info


_hot_fields: dict[str, Any] = {name: _hot_field(name) for name in HOT_SOURCES}
_HotFields = create_model("_HotFields", __base__=StrictModel, **_hot_fields)


class HotParams(_HotFields):
    """Training settings that may change live. Only the fields a client sent apply: an
    absent one keeps its value, and `null` clears a nullable one (`grad_clip`,
    `max_epochs`, `early_stopping`, `max_steps`). A supervised run refuses the GAN
    settings, and a GAN all others but `batch_size`."""

    @model_serializer(mode="wrap")
    def _only_sent(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Every dump (a `set` message's too) holds only the settings sent, never defaults
        # that would reset the rest: model_dump(exclude_unset=True), whoever dumps.
        data: dict[str, Any] = dump(self)
        return {name: value for name, value in data.items() if name in self.model_fields_set}


class Set(StrictModel):
    """Change training settings between steps, keeping the weights."""

    type: Literal["set"]
    params: HotParams


MAX_INPUT_CHARS = 1000  # characters in a view's text input
MAX_INPUT_NUMBERS = 64 * 64  # numbers in a view's image or sequence input (a 64x64 image)
MAX_INPUT_DEPTH = 4  # nesting of a view's input lists: (N, C, H, W) at most


def _bounded_input(value: Any) -> Any:
    """A drawn image, a sequence or a text, small enough to run through a model on every
    frame: at most MAX_INPUT_CHARS characters or MAX_INPUT_NUMBERS finite numbers. (Checked
    before the type, so that any other value gets this one message.)"""
    if isinstance(value, str):
        if len(value) > MAX_INPUT_CHARS:
            raise ValueError(f"a text input may have at most {MAX_INPUT_CHARS} characters")
    elif isinstance(value, list):
        count = _count_numbers(value, depth=1)
        if count > MAX_INPUT_NUMBERS:
            raise ValueError(f"an input may hold at most {MAX_INPUT_NUMBERS} numbers (64x64)")
    elif value is not None:
        raise ValueError("an input must be a text or lists of numbers")
    return value


def _count_numbers(values: list[Any], depth: int) -> int:
    """Finite numbers in nested lists; raises on anything else, or beyond the limits."""
    if depth > MAX_INPUT_DEPTH:
        raise ValueError(f"an input may nest lists at most {MAX_INPUT_DEPTH} deep")
    count = 0
    for item in values:
        if isinstance(item, list):
            count += _count_numbers(item, depth + 1)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if not math.isfinite(item):
                raise ValueError("an input must hold finite numbers only")
            count += 1
        else:
            raise ValueError("an input must be a text or lists of numbers")
        if count > MAX_INPUT_NUMBERS:  # stop counting a huge input early
            break
    return count


class View(StrictModel):
    """What this viewer wants drawn, and how often. An empty `views` stops frames."""

    type: Literal["view"]
    views: list[ViewName] = Field(default_factory=list, max_length=len(STREAMABLE_VIEWS))
    fps: int = Field(20, ge=1, le=60, description="Frames per second at most.")
    grid: int = Field(10, ge=2, le=L.max_grid, description="Neuron map resolution.")
    boundary_grid: int = Field(100, ge=2, le=L.max_grid, description="Output map resolution.")
    sample: int = Field(0, ge=0, le=1_000_000, description="Val example for per-example views.")
    input: Annotated[str | list[Any] | None, BeforeValidator(_bounded_input)] = Field(
        None,
        description="An input for per-example views instead of val example `sample`: an image "
        "as rows of values 0..1, a sequence, or a text (see Predict).",
    )


class Predict(StrictModel):
    """The model's answer for an input: points [[x1, x2], ...], an image [[...]] (8x8 or
    28x28, values 0..1), a sequence [[...], ...], or text."""

    type: Literal["predict"]
    id: int = Field(0, ge=0, le=2**31 - 1, description="Echoed in the prediction.")
    input: str | list[Any] = Field(..., description="The input, as described above.")


MAX_PREFIX_CHARS = 100  # characters a generated text may start from
MAX_GENERATED_CHARS = 500  # characters generated per request


class Generate(StrictModel):
    """Text from a character model (text data only): `length` characters sampled one at a
    time after `prefix`, at this temperature."""

    type: Literal["generate"]
    id: int = Field(0, ge=0, le=2**31 - 1, description="Echoed in `generated`; seeds sampling.")
    prefix: str = Field("", max_length=MAX_PREFIX_CHARS, description="Text to continue.")
    length: int = Field(50, ge=1, le=MAX_GENERATED_CHARS, description="Characters to generate.")
    temperature: float = Field(
        1.0, ge=0.05, le=5.0, description="Below 1: likelier characters; above 1: more varied."
    )


class Speed(StrictModel):
    """Steps per second for slow motion; null trains as fast as the server allows."""

    type: Literal["speed"]
    steps_per_second: float | None = Field(None, gt=0.0, le=100_000.0)


MAX_WEIGHT_EDIT = 1000.0  # largest |value| an edit_weight may set
MAX_PARAM_NAME = 200  # characters in a parameter name
MAX_INDEX = 1_000_000  # largest position along one axis of a parameter


class EditWeight(StrictModel):
    """Set one element of one parameter (a connection's weight, a neuron's bias) in place,
    paused or running; the optimizer's state is kept."""

    type: Literal["edit_weight"]
    param: str = Field(
        ...,
        min_length=1,
        max_length=MAX_PARAM_NAME,
        description="A parameter as the weights view names it: dense0.linear.weight.",
    )
    index: list[Annotated[int, Field(ge=0, le=MAX_INDEX)]] = Field(
        ..., max_length=4, description="Position in the parameter: [out, in] for a weight."
    )
    value: float = Field(..., ge=-MAX_WEIGHT_EDIT, le=MAX_WEIGHT_EDIT, description="New value.")


ClientMessage = Annotated[
    Start
    | Reopen
    | Pause
    | Resume
    | Step
    | Reset
    | Set
    | View
    | Predict
    | Generate
    | Speed
    | EditWeight,
    Field(discriminator="type"),
]
CLIENT_MESSAGE = TypeAdapter(ClientMessage)


# --- server -> client (JSON) ---
#
# Each event has one model, and the code that sends one builds it through the model:
# `StatusEvent(...).wire()` is the dict that travels from the worker to the web process and
# into `dumps` (an `error` or `done` may carry "closed": true on the way, see
# app/worker/api.py; the session removes it). The binary `frame`'s JSON header is built by
# `encode_frame` alone, as a dict (frames are the hot path); `FrameHeader` parses it.


class EventModel(BaseModel):
    """A server event: unknown keys refused. NaN and ±Infinity are allowed here (a diverged
    loss): `dumps` sends them as null."""

    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict[str, Any]:
        """The event as the dict that is sent (`dumps` writes it as JSON)."""
        return self.model_dump()


RunState = Literal["ready", "running", "paused", "done"]
EndReason = Literal["max_epochs", "max_steps", "early_stopped", "diverged", "failed", "stopped"]
ErrorCode = Literal["invalid", "no_run", "busy", "rate_limited", "locked", "internal"]


class HelloLimits(EventModel):
    """The server's limits on this session (settings; docs/protocol.md, "Limits")."""

    max_message_bytes: int
    messages_per_s: float
    send_timeout_s: float
    resume_grace_s: float
    idle_timeout_s: float
    idle_no_run_s: float
    runs_per_session: int
    run_time_limit_s: float
    max_fps: int
    max_grid: int


class HelloEvent(EventModel):
    """Always the first message on a socket."""

    type: Literal["hello"] = "hello"
    protocol: int
    device: str
    session: str
    resumed: bool
    run: str | None
    limits: HelloLimits


class StatusEvent(EventModel):
    """Where a run is: sent a few times a second while it trains, and after each command.
    `step` and `epoch` are null only for a run its worker lost."""

    type: Literal["status"] = "status"
    run: str
    state: RunState
    step: int | None
    epoch: int | None
    steps_per_s: float
    reason: EndReason | None
    detail: str


class SupervisedPoint(EventModel):
    """One epoch of a supervised run."""

    step: int
    epoch: int
    train_loss: float | None
    val_loss: float | None
    train_score: float | None
    val_score: float | None
    lr: float
    grad_norms: dict[str, float]


class GanPoint(EventModel):
    """One epoch of a GAN: mean losses (null for a frozen side), mean P(real)."""

    step: int
    epoch: int
    d_loss: float | None
    g_loss: float | None
    d_real: float | None
    d_fake: float | None


class MetricsEvent(EventModel):
    """Metric points, one per epoch, every one since the last such event."""

    type: Literal["metrics"] = "metrics"
    run: str
    points: list[SupervisedPoint | GanPoint]


class PredictionEvent(EventModel):
    type: Literal["prediction"] = "prediction"
    run: str
    id: int
    output: list[Any]


class GeneratedEvent(EventModel):
    type: Literal["generated"] = "generated"
    run: str
    id: int
    text: str


class ErrorEvent(EventModel):
    """Why a message or a run failed, in words that name the field (`view`: the view a
    run cannot show, with field `views`)."""

    type: Literal["error"] = "error"
    run: str | None
    code: ErrorCode
    field: str
    message: str
    view: str | None = None

    def wire(self) -> dict[str, Any]:
        # `view` only where it names one: every other error keeps its five keys
        return self.model_dump(exclude={"view"} if self.view is None else None)


class ClassLockInfo(EventModel):
    name: str
    words: str
    controls: list[str]


class ClassEvent(EventModel):
    """Class mode, to students only: the teacher's experiment (null before one is sent)
    and the settings locked in it (app/web/class_locks.py). Sent when the teacher sends or
    unlocks, and on every connect of a student's socket."""

    type: Literal["class"] = "class"
    experiment: str | None
    spec: dict[str, Any] | None
    locks: list[ClassLockInfo]
    reset: bool = False  # the teacher reset every run ("Reset all"): the page clears its views


class WatchingEvent(EventModel):
    """Class mode, to the teacher's read-only view only (`WS /ws?watch=N`): the run it shows
    from now on and that run's spec, so the page lays out the student's network. Sent right
    after `hello`, and again each time the student starts another run."""

    type: Literal["watching"] = "watching"
    run: str
    spec: dict[str, Any]


class DoneEvent(EventModel):
    """A run ended; `best_epoch` is early stopping's pick, else null."""

    type: Literal["done"] = "done"
    run: str
    reason: EndReason
    detail: str
    best_epoch: int | None = None


class SavingEvent(EventModel):
    """Whether the run is being recorded in the runs database (docs/runs.md): sent once,
    with `saved: false`, when a write of it failed or the database was too slow; the run
    trains on, but what it does from then on may not be kept."""

    type: Literal["saving"] = "saving"
    run: str
    saved: bool
    message: str


class FrameArray(EventModel):
    """One array of a binary frame: a uint8 map has `min` and `max` (lists for a sliced
    map, one per index along axis 0); a float16 array has neither."""

    name: str
    dtype: Literal["uint8", "float16"]
    shape: list[int]
    offset: int
    min: float | list[float] | None = None
    max: float | list[float] | None = None


class FrameHeader(EventModel):
    """A binary frame's JSON header (built by `encode_frame`)."""

    type: Literal["frame"] = "frame"
    run: str
    step: int
    epoch: int
    values: dict[str, Any]
    arrays: list[FrameArray]


ServerEvent = Annotated[
    HelloEvent
    | StatusEvent
    | MetricsEvent
    | FrameHeader
    | PredictionEvent
    | GeneratedEvent
    | ErrorEvent
    | DoneEvent
    | ClassEvent
    | WatchingEvent
    | SavingEvent,
    Field(discriminator="type"),
]
SERVER_EVENT: TypeAdapter[ServerEvent] = TypeAdapter(ServerEvent)


# --- web process <-> worker only (never from or to a browser) ---


class StateRequest(StrictModel):
    """Web process -> worker: send this run's weights (for an export). Never accepted from
    a client: it is not a `ClientMessage`."""

    type: Literal["state"] = "state"


class RawTensor(EventModel):
    """One tensor as raw little-endian bytes, C order."""

    dtype: Literal["float32", "float64", "int64"]
    shape: list[int]
    data: bytes


class StateEvent(EventModel):
    """Worker -> web process, the answer to `state`: the run's spec as it is now (live
    changes included), its step, and its model's state_dict (every parameter and buffer,
    by name), or `detail` in words when it has none to give (a GAN). Never sent on to a
    browser."""

    type: Literal["state"] = "state"
    run: str
    step: int
    spec: dict[str, Any]
    tensors: dict[str, RawTensor] | None
    detail: str = ""


def finite_or_none(value: Any) -> Any:
    """Recursively replaces NaN and ±Infinity by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


def dumps(message: dict[str, Any]) -> str:
    """A server message as JSON text, NaN and ±Infinity as null. Most messages hold none:
    they are dumped as they are, and only one that does is rewritten (the rewrite walked
    every value of every frame header, a sixth of a class's frame encoding)."""
    try:
        return json.dumps(message, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a non-finite number somewhere
        return json.dumps(finite_or_none(message), allow_nan=False, separators=(",", ":"))


# --- server -> client (binary frames) ---
#
# A frame is: 4 bytes little-endian uint32 = header length H, then H bytes of UTF-8 JSON
# header, then the arrays' raw little-endian bytes back to back. The header:
#   {"type": "frame", "run": ..., "step": ..., "epoch": ...,
#    "arrays": [{"name": "neurons/dense0", "dtype": "uint8", "shape": [4, 10, 10],
#                "offset": 0, "min": -1.0, "max": 1.0}, ...]}
# uint8 arrays are quantized maps: value = min + byte / 255 * (max - min). A sliced map
# (feature maps, filters) has one range per index along axis 0: "min" and "max" are lists.
# float16 arrays (weights) are sent as they are.

_LENGTH = struct.Struct("<I")
F16_MAX = float(np.finfo(np.float16).max)


def quantize(array: np.ndarray) -> tuple[np.ndarray, float, float]:
    """A map as uint8 over its own finite range (non-finite values map to 0)."""
    q, lo, hi = quantize_slices(np.asarray(array)[None])
    return q.reshape(np.shape(array)), lo[0], hi[0]


def quantize_slices(array: np.ndarray) -> tuple[np.ndarray, list[float], list[float]]:
    """Each slice along axis 0 as uint8 over its own finite range, so a faint feature map
    beside a bright one keeps its detail (non-finite values map to 0; a slice with no
    finite value gets the range 0..0)."""
    a = np.asarray(array, dtype=np.float32)
    flat = a.reshape(len(a), math.prod(a.shape[1:]))  # (slices, values per slice)
    if flat.size and np.isfinite(flat.sum(dtype=np.float64)):  # no NaN or inf: half the passes
        lo, hi = flat.min(axis=1), flat.max(axis=1)
        span = hi.astype(np.float64) - lo
        scale = np.divide(255.0, span, out=np.zeros_like(span), where=span > 0).astype(np.float32)
        q = (flat - lo[:, None]) * scale[:, None] + np.float32(0.5)
        return np.clip(q, 0, 255).astype(np.uint8).reshape(a.shape), lo.tolist(), hi.tolist()
    finite = np.isfinite(flat)
    lo = np.where(finite, flat, np.inf).min(axis=1, initial=np.inf)
    hi = np.where(finite, flat, -np.inf).max(axis=1, initial=-np.inf)
    empty = ~finite.any(axis=1)
    lo[empty], hi[empty] = 0.0, 0.0
    span = hi.astype(np.float64) - lo  # float64, as a Python float range would be
    scale = np.divide(255.0, span, out=np.zeros_like(span), where=span > 0).astype(np.float32)
    inside = np.where(finite, flat, lo[:, None])  # no inf - inf on the way
    q = np.where(finite, (inside - lo[:, None]) * scale[:, None] + np.float32(0.5), 0.0)
    return np.clip(q, 0, 255).astype(np.uint8).reshape(a.shape), lo.tolist(), hi.tolist()


def encode_frame(
    meta: dict[str, Any],
    maps: dict[str, np.ndarray],
    exact: dict[str, np.ndarray],
    sliced: frozenset[str] = frozenset(),
) -> bytes:
    """One binary frame: `maps` quantized to uint8 (those named in `sliced` per index along
    axis 0, each over its own range), `exact` as float16."""
    arrays, chunks, offset = [], [], 0
    for name, array in maps.items():
        per_slice = name in sliced and np.ndim(array) > 0
        q, lo, hi = quantize_slices(array) if per_slice else quantize(array)
        arrays.append(
            {
                "name": name,
                "dtype": "uint8",
                "shape": list(q.shape),
                "offset": offset,
                "min": lo,
                "max": hi,
            }
        )
        chunks.append(q.tobytes())
        offset += q.nbytes
    for name, array in exact.items():
        finite = np.nan_to_num(np.asarray(array, dtype=np.float32), posinf=F16_MAX, neginf=-F16_MAX)
        h = np.clip(finite, -F16_MAX, F16_MAX).astype("<f2")  # beyond float16: its extremes
        arrays.append({"name": name, "dtype": "float16", "shape": list(h.shape), "offset": offset})
        chunks.append(h.tobytes())
        offset += h.nbytes
    header = dumps({"type": "frame", **meta, "arrays": arrays}).encode()
    return _LENGTH.pack(len(header)) + header + b"".join(chunks)


def decode_frame(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of a binary frame, uint8 maps dequantized to float32 (a
    sliced map's slices each over their own range)."""
    (length,) = _LENGTH.unpack_from(data)
    header = json.loads(data[4 : 4 + length])
    body = memoryview(data)[4 + length :]
    arrays = {}
    for a in header["arrays"]:
        dtype = np.dtype("<f2") if a["dtype"] == "float16" else np.dtype(np.uint8)
        count = int(np.prod(a["shape"]))
        raw = np.frombuffer(body, dtype=dtype, count=count, offset=a["offset"]).reshape(a["shape"])
        if a["dtype"] == "uint8":
            arrays[a["name"]] = _dequantize(raw, a["min"], a["max"])
        else:
            arrays[a["name"]] = raw.astype(np.float32)
    return header, arrays


def _dequantize(raw: np.ndarray, lo: float | list[float], hi: float | list[float]) -> np.ndarray:
    """Bytes back to values; list ranges (one per slice along axis 0) broadcast per slice."""
    per_slice = (-1,) + (1,) * (raw.ndim - 1)
    low = np.reshape(np.asarray(lo, dtype=np.float32), per_slice if isinstance(lo, list) else ())
    high = np.reshape(np.asarray(hi, dtype=np.float32), per_slice if isinstance(hi, list) else ())
    return low + raw.astype(np.float32) / 255.0 * (high - low)
