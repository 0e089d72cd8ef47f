// Unit tests of the sequence panel's pure helpers (static/js/views/sequencePanel.js,
// textSampler.js, timeHeatmap.js, attentionMaps.js, seriesChart.js): the numbers and lists
// the panel shows, without a browser.
import assert from "node:assert/strict";
import { test } from "node:test";

import { attentionLayers, sequentialScale } from "../../static/js/views/attentionMaps.js";
import { classLabel, column, meanSquaredError, topK } from "../../static/js/views/sequencePanel.js";
import { drawable } from "../../static/js/views/seriesChart.js";
import { clampInteger, splitNames } from "../../static/js/views/textSampler.js";
import { MAX_UNITS, paintTransposed, symmetricRange } from "../../static/js/views/timeHeatmap.js";

test("meanSquaredError: the mean of squared differences, non-finite pairs skipped", () => {
  assert.equal(meanSquaredError([1, 2, 3], [1, 2, 3]), 0);
  assert.equal(meanSquaredError(new Float32Array([0, 0]), new Float32Array([1, 3])), 5);
  assert.equal(meanSquaredError([1, NaN, 2], [0, 1, Infinity]), 1);
  assert.ok(Number.isNaN(meanSquaredError([], [])));
  assert.equal(meanSquaredError([1, 1, 9], [0, 0]), 1); // only the common length
});

test("topK: the largest first, ties in index order, non-finite as 0", () => {
  assert.deepEqual(topK([0.1, 0.5, 0.2, 0.5, NaN], 3), [
    { index: 1, value: 0.5 },
    { index: 3, value: 0.5 },
    { index: 2, value: 0.2 },
  ]);
  assert.equal(topK(new Float32Array(30).fill(1 / 30), 5).length, 5);
  assert.deepEqual(topK([0.7], 5), [{ index: 0, value: 0.7 }]);
});

test("classLabel spells out the end of a name and a space; unknown indices are numbered", () => {
  assert.equal(classLabel(["A", "B"], 1), "B");
  assert.equal(classLabel([".", "a"], 0), "end (.)");
  assert.equal(classLabel([" "], 0), "space");
  assert.equal(classLabel(undefined, 2), "class 2");
});

test("column: one output of a row-major (N, D) array", () => {
  assert.deepEqual(Array.from(column([1, 2, 3, 4, 5, 6], 3, 2, 1)), [2, 4, 6]);
  assert.deepEqual(Array.from(column([7, 8], 2, 1, 0)), [7, 8]);
});

test("splitNames: '.' ends a name, empty pieces dropped, an unfinished last one kept", () => {
  assert.deepEqual(splitNames("emma.olivia.ava"), ["emma", "olivia", "ava"]);
  assert.deepEqual(splitNames(".anna..bo."), ["anna", "bo"]);
  assert.deepEqual(splitNames("..."), []);
  assert.deepEqual(splitNames("<b>x</b>.y"), ["<b>x</b>", "y"]); // text, shown as text
});

test("clampInteger: whole numbers within bounds, the fallback for non-numbers", () => {
  assert.equal(clampInteger("60", 1, 500, 60), 60);
  assert.equal(clampInteger("9999", 1, 500, 60), 500);
  assert.equal(clampInteger("0", 1, 500, 60), 1);
  assert.equal(clampInteger("12.6", 1, 500, 60), 13);
  assert.equal(clampInteger("", 1, 500, 60), 60);
  assert.equal(clampInteger("abc", 1, 500, 60), 60);
});

test("symmetricRange: the larger magnitude, 1 for an all-zero map", () => {
  assert.equal(symmetricRange(-0.5, 0.9), 0.9);
  assert.equal(symmetricRange(-2, 1), 2);
  assert.equal(symmetricRange(0, 0), 1);
});

test("paintTransposed puts time along x and units along y, only the rows drawn", () => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) lut.set([b, 0, 0], b * 3);
  // (T=2, units=3): bytes[t * 3 + u] = 10 * t + u
  const bytes = new Uint8Array([0, 1, 2, 10, 11, 12]);
  const px = new Uint8ClampedArray(2 * 2 * 4);
  paintTransposed(px, bytes, 2, 3, 2, lut);
  const reds = [0, 1, 2, 3].map((i) => px[i * 4]);
  assert.deepEqual(reds, [0, 10, 1, 11]); // row u=0: t=0, t=1; row u=1: t=0, t=1
  assert.equal(px[3], 255);
  assert.equal(MAX_UNITS, 64);
});

test("sequentialScale: white at 0, full blue at the largest weight", () => {
  const lut = sequentialScale(0, 0.8);
  assert.deepEqual(Array.from(lut.slice(0, 3)), [255, 255, 255]);
  assert.deepEqual(Array.from(lut.slice(255 * 3)), [8, 119, 189]);
  assert.deepEqual(Array.from(sequentialScale(0, 0).slice(255 * 3)), [255, 255, 255]);
});

test("attentionLayers: the (heads, T, T) arrays named attention/<layer>", () => {
  const a = { dtype: "uint8", shape: [2, 4, 4], data: new Uint8Array(32) };
  const layers = attentionLayers({
    "attention/attn1": a,
    hidden_states: { dtype: "uint8", shape: [4, 3], data: new Uint8Array(12) },
  });
  assert.deepEqual(
    layers.map(([n]) => n),
    ["attn1"],
  );
});

test("drawable: gaps for non-finite values, and for values ≤ 0 on a log scale", () => {
  assert.equal(drawable(0.5), 0.5);
  assert.equal(drawable(0), 0);
  assert.equal(drawable(0, true), null);
  assert.equal(drawable(NaN), null);
  assert.equal(drawable(Infinity, true), null);
});
