"""The JavaScript unit tests (tests/js/*.test.mjs) on Node's built-in test runner, with the
fixtures that tie them to the Python side: a binary frame made by the real
`app.protocol.encode_frame`, for static/js/frame.js to decode (tests/js/frame.test.mjs)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from app.protocol import decode_frame, encode_frame
from tests.page.browser import ROOT, require_tool

JS_TESTS = ROOT / "tests" / "js"

# Float16 edge cases, in this order (tests/js/frame.test.mjs names them by position):
# zeros of both signs, the smallest and largest subnormals, the smallest normal, plain
# values, the largest half, values past it and infinities (both clipped by encode_frame),
# and NaN (sent as 0).
WEIGHTS = [
    0.0, -0.0, 2.0**-24, 1023 * 2.0**-24, 2.0**-14,
    1.0, -2.0, 1 / 3, 0.1, 65504.0,
    1e6, -1e6, math.inf, -math.inf, math.nan,
]  # fmt: skip


def js_number(x: float) -> str:
    """A float as a string JavaScript's Number() parses back to the same double, signs of
    zero and the non-finite values included (JSON has none of those)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))  # shortest round-trip form; "-0.0" keeps its sign


def frame_arrays() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Maps (quantized to uint8) and exact arrays (float16), of shapes that leave the float16
    arrays at odd offsets, as a real frame may."""
    neurons = np.linspace(-1.5, 2.5, 2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    neurons[1, 2, 2] = np.nan  # not finite: byte 0, left out of min and max
    maps = {
        "neurons/dense0": neurons,
        "boundary": np.full((3, 3), 0.25, dtype=np.float32),  # flat: min = max
    }
    exact = {
        "weights/dense0.linear.weight": np.array(WEIGHTS, dtype=np.float32).reshape(3, 5),
        "weights/dense0.linear.bias": np.array([0.5, -0.75, 1e-3], dtype=np.float32),
    }
    return maps, exact


def write_frame_fixture(directory: Path) -> None:
    """frame.bin: one frame as the server sends it. expected.json: what it holds, decoded by
    Python (app.protocol.decode_frame) and numpy. halves.f32: every one of the 65,536
    float16 bit patterns as the float32 numpy widens it to, for halfToFloat."""
    maps, exact = frame_arrays()
    meta = {"run": "6cba7da006c9", "step": 70, "epoch": 7, "values": {"loss": 0.25}}
    frame = encode_frame(meta, maps, exact)
    header, decoded = decode_frame(frame)
    (directory / "frame.bin").write_bytes(frame)

    arrays: dict[str, Any] = {}
    body = memoryview(frame)[4 + int.from_bytes(frame[:4], "little") :]
    for spec in header.pop("arrays"):
        name, shape = spec["name"], spec["shape"]
        entry: dict[str, Any] = {"dtype": spec["dtype"], "shape": shape}
        if spec["dtype"] == "uint8":
            raw = body[spec["offset"] : spec["offset"] + int(np.prod(shape))]
            entry |= {"min": spec["min"], "max": spec["max"], "bytes": list(raw)}
            entry["values"] = [float(v) for v in decoded[name].ravel()]  # dequantized
        else:
            entry["values"] = [js_number(float(v)) for v in decoded[name].ravel()]
        arrays[name] = entry
    expected = {"header": header, "arrays": arrays, "weights_in": [js_number(w) for w in WEIGHTS]}
    (directory / "expected.json").write_text(json.dumps(expected, indent=1))

    halves = np.arange(2**16, dtype=np.uint16).view(np.float16).astype("<f4")
    (directory / "halves.f32").write_bytes(halves.tobytes())


def test_js_unit_tests_pass_on_node(tmp_path: Path) -> None:
    node = shutil.which("node")
    require_tool(node, "Node.js (node)", "install Node.js 20 or newer, with npm")
    assert node is not None
    files = sorted(JS_TESTS.glob("**/*.test.mjs"))
    assert files, f"no *.test.mjs under {JS_TESTS}"
    write_frame_fixture(tmp_path)
    result = subprocess.run(
        # Files named one by one, so what runs does not hang on how a Node version expands a
        # directory argument; TAP, so the summary reads the same on every version.
        [node, "--test", "--test-reporter=tap", *(str(f.relative_to(ROOT)) for f in files)],
        cwd=ROOT,
        env={**os.environ, "NNP_TEST_FRAME_DIR": str(tmp_path), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"node --test failed:\n{output}"
    assert "# fail 0" in output, output
