// Unit tests of the pure part of static/js/views/lossLandscape.js (the loss-landscape view),
// run by `node --test tests/js/`. The canvas itself is drawn in a real browser
// (tests/page/test_lesson_landscape.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { armParts, frameViews } from "../../static/js/lessons/armPanel.js";
import { BANDS, bandColor, lossBands, toCanvas } from "../../static/js/views/lossLandscape.js";

test("lossBands: lowest loss band 0, highest the top band, evenly on a log scale", () => {
  const { bands, low, high } = lossBands([1, 10, 100, Math.sqrt(10)]);
  assert.equal(low, 1);
  assert.equal(high, 100);
  assert.equal(bands[0], 0);
  assert.equal(bands[1], BANDS / 2); // 10 is halfway between 1 and 100 on a log scale
  assert.equal(bands[2], BANDS - 1);
  assert.equal(bands[3], Math.floor(BANDS / 4));
});

test("lossBands: a diverged point takes the top band; a flat slice is all band 0", () => {
  const { bands, high } = lossBands([0.5, Infinity, 2, NaN]);
  assert.equal(high, 2);
  assert.deepEqual(Array.from(bands), [0, BANDS - 1, BANDS - 1, BANDS - 1]);
  assert.deepEqual(Array.from(lossBands([0.3, 0.3]).bands), [0, 0]);
});

test("bandColor: low bands blue, high bands orange", () => {
  const [r0, , b0] = bandColor(0);
  const [r1, , b1] = bandColor(BANDS - 1);
  assert.ok(b0 > r0 && r1 > b1);
});

test("toCanvas: a across, b up, the slice's ends at the canvas's edges", () => {
  assert.deepEqual(toCanvas(0, 0, 1, 200), [100, 100]);
  assert.deepEqual(toCanvas(-1, 1, 1, 200), [0, 0]); // top left
  assert.deepEqual(toCanvas(1, -1, 1, 200), [200, 200]);
});

test("a lesson with the loss landscape asks for it on any data", () => {
  const data = { input_kind: "points", task: "binary", classes: ["0", "1"], input_shape: [2] };
  const parts = armParts(["loss_landscape", "boundary"], data, []);
  assert.deepEqual(parts, ["boundary", "loss_landscape"]);
  assert.deepEqual(frameViews(parts), ["metrics", "boundary", "loss_landscape"]);
});
