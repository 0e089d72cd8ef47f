// Unit tests of the pure parts of the image panel's views (classBars, confusion, gallery),
// run by `node --test tests/js/`. The views themselves need a DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatPercent, topClasses } from "../../static/js/views/classBars.js";
import { accuracyFromCounts, classColor, formatCount, rowShares } from "../../static/js/views/confusion.js";
import { countText, imageValues } from "../../static/js/views/gallery.js";

test("accuracy is the diagonal's share of a confusion matrix", () => {
  const counts = new Float32Array([8, 2, 0, 1, 9, 0, 0, 0, 0]); // row = true class
  assert.deepEqual(accuracyFromCounts(counts, 3), { correct: 17, total: 20, accuracy: 0.85 });
  assert.equal(accuracyFromCounts(new Float32Array(9), 3).accuracy, null);
  assert.deepEqual(Array.from(rowShares(counts, 3)), [0.8, 0.2, 0, 0.1, 0.9, 0, 0, 0, 0].map(Math.fround));
});

test("ten classes get ten colours; counts fit a cell", () => {
  assert.equal(new Set(Array.from({ length: 10 }, (_, c) => classColor(c).join())).size, 10);
  assert.deepEqual([0, 7, 312, 999, 1234, 12345].map(formatCount), ["0", "7", "312", "999", "1.2k", "12k"]);
});

test("the top classes and their percentages", () => {
  assert.deepEqual(topClasses([0.1, 0.6, NaN, 0.3], 2), [1, 3]);
  assert.deepEqual([0.934, 0.04, 0.0004, 0, 1].map(formatPercent), ["93%", "4.0%", "<0.1%", "0%", "100%"]);
});

test("the mistakes' count line, and images dequantized per image", () => {
  assert.equal(countText(23, 360, 16), "23 of 360 wrong (16 shown)");
  assert.equal(countText(3, undefined, 3), "3 wrong");
  assert.equal(countText(0, 360, 0), "none of 360 wrong");
  const images = {
    dtype: "uint8",
    shape: [2, 1, 2],
    data: new Uint8Array([0, 255, 0, 255]),
    min: [0, 0.5],
    max: [1, 0.7],
  };
  const second = imageValues(images, 1, 2);
  assert.deepEqual([second(0), second(1)], [0.5, 0.7]);
  const shared = imageValues({ ...images, min: 0, max: 2 }, 0, 2);
  assert.deepEqual([shared(0), shared(1)], [0, 2]);
});
