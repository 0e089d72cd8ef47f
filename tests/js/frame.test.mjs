// Unit tests of static/js/frame.js, across languages: tests/page/test_js_units.py writes a
// frame made by the server's own app.protocol.encode_frame, what Python decodes from it, and
// every float16 as numpy widens it, to $NNP_TEST_FRAME_DIR, then runs `node --test`.
// tests/js/sliced_frame.json holds a frame with a sliced map (min and max as lists), also
// made by encode_frame; tests/test_protocol.py checks that it is what encode_frame makes now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { decodeFrame, halfToFloat, mapRange, sliceRange, supersede } from "../../static/js/frame.js";

const dir = process.env.NNP_TEST_FRAME_DIR;
const fromPython = {
  skip: dir ? false : "needs NNP_TEST_FRAME_DIR: run through pytest tests/page/test_js_units.py",
};

/** A fixture file as an ArrayBuffer of its own, as a websocket message arrives. */
function fixture(/** @type {string} */ name) {
  const bytes = readFileSync(join(/** @type {string} */ (dir), name));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function expected() {
  return JSON.parse(new TextDecoder().decode(fixture("expected.json")));
}

test("halfToFloat: zeros, subnormals, normals, the extremes, infinities and NaN", () => {
  const cases = [
    [0x0000, 0],
    [0x8000, -0],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x8001, -(2 ** -24)],
    [0x0400, 2 ** -14],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, NaN],
    [0xfc01, NaN],
  ];
  for (const [bits, value] of cases) {
    assert.ok(Object.is(halfToFloat(bits), value), `0x${bits.toString(16)}: ${halfToFloat(bits)}`);
  }
});

test("halfToFloat agrees with numpy on all 65,536 bit patterns", fromPython, () => {
  const numpy = new Float32Array(fixture("halves.f32"));
  assert.equal(numpy.length, 65536);
  const wrong = [];
  for (let bits = 0; bits < numpy.length; bits++) {
    if (!Object.is(halfToFloat(bits), numpy[bits])) wrong.push(bits);
  }
  const shown = wrong.slice(0, 8).map((b) => `0x${b.toString(16)}: ${halfToFloat(b)} vs ${numpy[b]}`);
  assert.deepEqual(shown, [], `${wrong.length} bit patterns differ`);
});

test("decodeFrame reads the header Python wrote, without the array table", fromPython, () => {
  const frame = decodeFrame(fixture("frame.bin"));
  assert.deepEqual(frame.header, expected().header);
  assert.deepEqual(Object.keys(frame.arrays).sort(), Object.keys(expected().arrays).sort());
});

test("decodeFrame: uint8 maps are Python's bytes, with their min and max", fromPython, () => {
  const frame = decodeFrame(fixture("frame.bin"));
  const maps = Object.entries(expected().arrays).filter(([, a]) => a.dtype === "uint8");
  assert.ok(maps.length >= 2);
  for (const [name, want] of maps) {
    const got = frame.arrays[name];
    assert.equal(got.dtype, "uint8", name);
    assert.deepEqual(got.shape, want.shape, name);
    assert.equal(got.min, want.min, name);
    assert.equal(got.max, want.max, name);
    assert.ok(got.data instanceof Uint8Array, name);
    assert.deepEqual(Array.from(got.data), want.bytes, name);
    assertDequantizes(name, got, want.values);
  }
});

/**
 * value = min + byte / 255 * (max - min), each slice over sliceRange, as
 * app.protocol.decode_frame computes it.
 * @param {string} name
 * @param {import("../../static/js/frame.js").FrameArray} got
 * @param {number[]} values what Python decoded
 */
function assertDequantizes(name, got, values) {
  const perSlice = got.shape.length ? got.data.length / got.shape[0] : 1;
  got.data.forEach((byte, i) => {
    const [min, max] = sliceRange(got, Math.floor(i / perSlice));
    const value = min + (byte * (max - min)) / 255;
    assert.ok(Math.abs(value - values[i]) <= 1e-6 * (1 + Math.abs(value)), `${name}[${i}]`);
  });
}

const sliced = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "sliced_frame.json"), "utf8"));
const slicedFrame = () => {
  const bytes = Buffer.from(sliced.frame_base64, "base64");
  return decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

test("decodeFrame: a sliced map keeps one range per slice, as Python sent it", () => {
  const frame = slicedFrame();
  assert.deepEqual(frame.header, sliced.header);
  assert.equal(frame.header.values["feature_maps_channels/conv2d0"], 64);
  const name = "feature_maps/conv2d0";
  const got = frame.arrays[name];
  const want = sliced.arrays[name];
  assert.deepEqual(got.shape, [3, 2, 3]);
  assert.ok(Array.isArray(got.min) && Array.isArray(got.max));
  assert.deepEqual([got.min, got.max], [want.min, want.max]);
  assert.deepEqual(Array.from(got.data), want.bytes);
  assertDequantizes(name, got, want.values);
});

test("sliceRange: each slice's own range, or the whole map's", () => {
  const frame = slicedFrame();
  const maps = frame.arrays["feature_maps/conv2d0"];
  const [faintMin, faintMax] = sliceRange(maps, 0);
  assert.equal(faintMin, 0);
  assert.ok(Math.abs(faintMax - 0.01) < 1e-6, `${faintMax}`); // the faint map keeps its detail
  assert.deepEqual(sliceRange(maps, 1), [-50, 50]);
  assert.deepEqual(sliceRange(maps, 2), [0, 0]); // no finite value
  assert.deepEqual(sliceRange(frame.arrays.boundary, 0), [0, 1]);
  assert.deepEqual(sliceRange(frame.arrays.boundary, 1), [0, 1]); // one range for all
  assert.throws(() => sliceRange(frame.arrays.probabilities, 0), /only uint8 maps/);
});

test("mapRange: the widest range over a sliced map's slices (normalize per layer)", () => {
  const frame = slicedFrame();
  assert.deepEqual(mapRange(frame.arrays["feature_maps/conv2d0"]), [-50, 50]);
  assert.deepEqual(mapRange(frame.arrays.boundary), [0, 1]);
  const none = { dtype: /** @type {"uint8"} */ ("uint8"), shape: [0, 4, 4], data: new Uint8Array(0), min: [], max: [] };
  assert.deepEqual(mapRange(none), [0, 0]);
});

test("decodeFrame: float16 arrays are Python's values, bit for bit", fromPython, () => {
  const frame = decodeFrame(fixture("frame.bin"));
  const exact = Object.entries(expected().arrays).filter(([, a]) => a.dtype === "float16");
  assert.ok(exact.length >= 2);
  for (const [name, want] of exact) {
    const got = frame.arrays[name];
    assert.equal(got.dtype, "float16", name);
    assert.deepEqual(got.shape, want.shape, name);
    assert.ok(got.data instanceof Float32Array, name);
    assert.equal(got.data.length, want.values.length, name);
    got.data.forEach((value, i) => {
      assert.ok(Object.is(value, Number(want.values[i])), `${name}[${i}]: ${value} vs ${want.values[i]}`);
    });
  }
});

test("decodeFrame: the float16 edge cases, by hand", fromPython, () => {
  // tests/page/test_js_units.py WEIGHTS, in order
  const w = decodeFrame(fixture("frame.bin")).arrays["weights/dense0.linear.weight"].data;
  assert.deepEqual(expected().weights_in.slice(12), ["Infinity", "-Infinity", "NaN"]);
  assert.ok(Object.is(w[0], 0));
  assert.ok(Object.is(w[1], -0), "negative zero keeps its sign");
  assert.equal(w[2], 2 ** -24); // smallest subnormal
  assert.equal(w[3], 1023 * 2 ** -24); // largest subnormal
  assert.equal(w[4], 2 ** -14); // smallest normal
  assert.deepEqual([w[5], w[6], w[7], w[8], w[9]], [1, -2, 0.333251953125, 0.0999755859375, 65504]);
  // Beyond float16 (1e6, Infinity): its extremes, or infinite, but never a wrong sign or NaN.
  for (const i of [10, 12]) assert.ok(w[i] >= 65504, `w[${i}] = ${w[i]}`);
  for (const i of [11, 13]) assert.ok(w[i] <= -65504, `w[${i}] = ${w[i]}`);
  assert.ok(Object.is(w[14], 0), "NaN travels as 0");
});

/**
 * A frame message as the server lays it out: u32 header length, the JSON header, the bytes.
 * @param {Record<string, any>} header with its `arrays` table
 * @param {number[]} body the array bytes
 */
function message(header, body) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const buffer = new ArrayBuffer(4 + json.length + body.length);
  new DataView(buffer).setUint32(0, json.length, true);
  new Uint8Array(buffer, 4).set(json);
  new Uint8Array(buffer, 4 + json.length).set(body);
  return { buffer, body: 4 + json.length };
}

/** A frame of run "r" at `step`, with `arrays` (uint8, 2 bytes each) and `values`. */
function frameAt(/** @type {number} */ step, /** @type {string[]} */ arrays, values = {}) {
  const table = arrays.map((name, i) => ({ name, dtype: "uint8", shape: [2], offset: 2 * i, min: 0, max: 1 }));
  const bytes = arrays.flatMap((_, i) => [step, i]);
  return message({ type: "frame", run: "r", step, epoch: 0, values, arrays: table }, bytes);
}

test("a frame's arrays are decoded when first read, not when it arrives, and once", () => {
  const arrays = [{ name: "weights/w", dtype: "float16", shape: [2], offset: 0 }];
  const { buffer, body } = message(
    { type: "frame", run: "r", step: 3, epoch: 0, values: {}, arrays },
    [0x00, 0x3c, 0x00, 0x40],
  );
  const frame = decodeFrame(buffer);
  assert.equal(frame.header.step, 3);
  assert.deepEqual(frame.names, ["weights/w"]);
  new DataView(buffer).setUint16(body, 0xc000, true); // -2, written after arrival
  const first = frame.arrays;
  assert.deepEqual(Array.from(first["weights/w"].data), [-2, 2]);
  new DataView(buffer).setUint16(body, 0x3c00, true);
  assert.equal(frame.arrays, first, "decoded once");
  assert.deepEqual(Array.from(frame.arrays["weights/w"].data), [-2, 2]);
});

test("supersede: the newer frame, with the slow views only the replaced one carried", () => {
  const older = decodeFrame(
    frameAt(5, ["boundary", "confusion"], { "accuracy_by_length/accuracy": [0.5], "metrics/train_loss": 0.9 }).buffer,
  );
  const newer = decodeFrame(frameAt(6, ["boundary"], { "metrics/train_loss": 0.8 }).buffer);
  const painted = supersede(older, newer);
  assert.equal(painted.header.step, 6);
  assert.deepEqual(painted.names.sort(), ["boundary", "confusion"]);
  assert.deepEqual(Array.from(painted.arrays.boundary.data), [6, 0], "the newer map");
  assert.deepEqual(Array.from(painted.arrays.confusion.data), [5, 1], "kept from the older");
  assert.deepEqual(painted.header.values, { "accuracy_by_length/accuracy": [0.5], "metrics/train_loss": 0.8 });
  assert.equal(supersede(null, newer), newer);
  const same = decodeFrame(frameAt(7, ["boundary"], { "metrics/train_loss": 0.7 }).buffer);
  assert.equal(supersede(newer, same), same, "nothing to keep: the newer frame itself");
});

test("frames replaced before the paint are never decoded", () => {
  // Array tables pointing past the message's end: decoding them would throw.
  const broken = (/** @type {number} */ step) => {
    const arrays = [{ name: "boundary", dtype: "float16", shape: [1000], offset: 0 }];
    return decodeFrame(message({ type: "frame", run: "r", step, epoch: 0, values: {}, arrays }, []).buffer);
  };
  assert.throws(() => broken(0).arrays, RangeError);
  let pending = null;
  for (const step of [1, 2, 3]) pending = supersede(pending, broken(step));
  pending = supersede(pending, decodeFrame(frameAt(4, ["boundary"]).buffer));
  assert.equal(pending.header.step, 4);
  assert.deepEqual(Array.from(pending.arrays.boundary.data), [4, 0]);
});
