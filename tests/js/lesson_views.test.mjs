// Unit tests of the `gates` and `embedding` views' pure helpers and of the lesson card
// asking for them only where the run's layers offer them.
import { catalog } from "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import { armParts, frameViews } from "../../static/js/lessons/armPanel.js";
import { fitPoints } from "../../static/js/views/embeddingPlot.js";
import { gateArrays, gateScale, meanPerStep } from "../../static/js/views/gateMaps.js";

const layer = (/** @type {string} */ type) => ({ type, views: catalog.layers[type].views });

test("armParts: gates with an LSTM or GRU, the embedding with an embedding layer", () => {
  const sequence = { input_kind: "sequence", task: "multiclass", classes: ["a", "b"], input_shape: [10, 5] };
  assert.deepEqual(armParts(["gates", "loss"], sequence, [layer("lstm")]), ["gates"]);
  assert.deepEqual(armParts(["gates"], sequence, [layer("gru")]), ["gates"]);
  assert.deepEqual(armParts(["gates"], sequence, [layer("rnn")]), []);
  const text = { input_kind: "tokens", task: "multiclass", classes: [".", "a"], input_shape: [3] };
  assert.deepEqual(armParts(["embedding"], text, [layer("embedding"), layer("dense")]), ["embedding"]);
  assert.deepEqual(armParts(["embedding"], sequence, [layer("lstm")]), []);
  assert.deepEqual(frameViews(["gates", "embedding"]), ["metrics", "gates", "embedding"]);
});

test("gateArrays: an LSTM's gates in their order, other arrays left out", () => {
  const map = { dtype: /** @type {"uint8"} */ ("uint8"), shape: [2, 1], data: new Uint8Array(2), min: 0, max: 1 };
  const arrays = { "gates/output": map, "gates/input": map, hidden_states: map, "gates/forget": map };
  assert.deepEqual(
    gateArrays(arrays).map(([g]) => g),
    ["input", "forget", "output"],
  );
});

test("meanPerStep: each step's mean over units, in the map's own range", () => {
  // (T=2, units=2) quantized over [0.2, 0.8]: bytes 0 and 255 are 0.2 and 0.8
  const a = {
    dtype: /** @type {"uint8"} */ ("uint8"),
    shape: [2, 2],
    data: Uint8Array.from([255, 255, 0, 255]),
    min: 0.2,
    max: 0.8,
  };
  const [first, second] = meanPerStep(a);
  assert.ok(Math.abs(first - 0.8) < 1e-9);
  assert.ok(Math.abs(second - 0.5) < 1e-9);
});

test("gateScale: 0 white and 1 full blue whatever range the map was quantized over", () => {
  const lut = gateScale(0.5, 1);
  assert.deepEqual([...lut.slice(255 * 3, 255 * 3 + 3)], [8, 119, 189]); // byte 255 = 1
  const wide = gateScale(0, 1);
  assert.deepEqual([...wide.slice(0, 3)], [255, 255, 255]); // byte 0 = 0
});

test("fitPoints: fits the points in the square, keeps distances' proportions, y up", () => {
  const at = fitPoints([0, 0, 2, 0, 0, 1], 100, 10);
  assert.deepEqual(at[0], [10, 70]); // the x span (2) fills 80 pixels; y centred
  assert.deepEqual(at[1], [90, 70]);
  assert.deepEqual(at[2], [10, 30]); // higher y is higher on the canvas
});
