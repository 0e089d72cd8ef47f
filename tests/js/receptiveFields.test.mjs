// Unit tests of the pure part of static/js/views/receptiveFields.js (the receptive_fields
// view), run by `node --test tests/js/`. Its canvases are drawn in a real browser
// (tests/page/test_lesson_receptive.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { armParts, frameViews } from "../../static/js/lessons/armPanel.js";
import { boxRect, fieldLayers } from "../../static/js/views/receptiveFields.js";

test("fieldLayers: the conv layers whose crops a frame carries, in order", () => {
  const names = [
    "receptive_fields/conv2d0/crops",
    "receptive_fields/input",
    "feature_maps/conv2d0",
    "receptive_fields/conv2d2/crops",
  ];
  assert.deepEqual(fieldLayers(names), ["conv2d0", "conv2d2"]);
  assert.deepEqual(fieldLayers(["metrics"]), []);
});

test("boxRect: an inclusive pixel box as a canvas rectangle", () => {
  assert.deepEqual(boxRect([13, 13, 15, 15], 6), [78, 78, 18, 18]); // 3x3 pixels
  assert.deepEqual(boxRect([0, 2, 6, 7], 1), [2, 0, 6, 7]);
});

test("a lesson asks for receptive fields only of a run with a conv layer", () => {
  const image = { input_kind: "image", task: "multiclass", classes: ["0", "1"], input_shape: [1, 28, 28] };
  const conv = [{ views: ["feature_maps", "filters", "receptive_fields"] }];
  assert.deepEqual(armParts(["receptive_fields"], image, conv), ["receptive_fields"]);
  assert.deepEqual(armParts(["receptive_fields"], image, [{ views: [] }]), []);
  assert.deepEqual(frameViews(["receptive_fields"]), ["metrics", "receptive_fields"]);
});
