// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";

import { armParts, frameViews } from "../../static/js/lessons/armPanel.js";
import { adversarialValues, answerText } from "../../static/js/views/adversarialView.js";

const digits = { input_kind: "image", task: "multiclass", classes: ["0", "1", "2"], input_shape: [1, 8, 8] };
const points = { input_kind: "points", task: "binary", classes: ["0", "1"], input_shape: [2] };

test("armParts: the adversarial view on image classes only, and its frames ask for it", () => {
  assert.deepEqual(armParts(["adversarial", "loss"], digits, []), ["adversarial"]);
  assert.deepEqual(armParts(["adversarial"], points, []), []);
  assert.deepEqual(frameViews(["adversarial"]), ["metrics", "adversarial"]);
});

test("adversarialValues: a frame's flattened numbers; null without the view", () => {
  const values = {
    "adversarial/before": 3,
    "adversarial/p_before": 0.9,
    "adversarial/after": 8,
    "adversarial/p_after": 0.6,
    "adversarial/label": null,
    "adversarial/eps": 0.15,
  };
  assert.deepEqual(adversarialValues(values), {
    before: 3,
    p_before: 0.9,
    after: 8,
    p_after: 0.6,
    label: null,
    eps: 0.15,
  });
  assert.equal(adversarialValues({ "metrics/step": 3 }), null);
});

test("answerText: the class and its probability in percent", () => {
  assert.equal(answerText(["0", "1", "2"], 2, 0.987), "2 (99%)");
  assert.equal(answerText([], 4, Number.NaN), "4 (–%)");
});
