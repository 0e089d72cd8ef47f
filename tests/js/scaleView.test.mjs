// Unit tests of the pure part of static/js/views/scaleView.js ("How deep is deep"), run by
// `node --test tests/js/`. The chart itself needs a DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeModel,
  formatParams,
  formatRatio,
  LAYER_DOMAIN,
  logScale,
  PARAM_DOMAIN,
  ratioSentence,
  REFERENCE_MODELS,
  summaryText,
} from "../../static/js/views/scaleView.js";

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≉ ${b}`);

test("the log scale maps each power evenly, ends to ends, clamped", () => {
  close(logScale(1, [1, 1e12], [200, 0]), 200);
  close(logScale(1e12, [1, 1e12], [200, 0]), 0);
  close(logScale(1e6, [1, 1e12], [200, 0]), 100);
  close(logScale(1e3, [1, 1e12], [0, 120]), 30);
  close(logScale(8, LAYER_DOMAIN, [0, 7]), 3);
  close(logScale(0, LAYER_DOMAIN, [10, 80]), 10, "0 layers sits at the axis start");
  close(logScale(-5, PARAM_DOMAIN, [0, 1]), 0);
  close(logScale(1e15, PARAM_DOMAIN, [0, 1]), 1);
  close(logScale(NaN, PARAM_DOMAIN, [0, 1]), 0);
});

test("every reference model fits the axes, in order of size", () => {
  assert.deepEqual(
    REFERENCE_MODELS.map((m) => [m.name, m.year, m.layers, m.params]),
    [
      ["AlexNet", 2012, 8, 60e6],
      ["BERT-large", 2018, 24, 340e6],
      ["GPT-2", 2019, 48, 1.5e9],
      ["GPT-3", 2020, 96, 175e9],
    ],
  );
  for (const m of REFERENCE_MODELS) {
    assert.ok(m.layers >= LAYER_DOMAIN[0] && m.layers <= LAYER_DOMAIN[1], m.name);
    assert.ok(m.params >= PARAM_DOMAIN[0] && m.params <= PARAM_DOMAIN[1], m.name);
  }
});

test("parameter counts and ratios read as people say them", () => {
  assert.deepEqual([3, 1234, 999999, 60e6, 340e6, 1.5e9, 175e9, 2.5e12].map(formatParams), [
    "3",
    "1,234",
    "999,999",
    "60 M",
    "340 M",
    "1.5 B",
    "175 B",
    "2.5 T",
  ]);
  assert.deepEqual([1.04, 2.46, 9.96, 141815235, 12345].map(formatRatio), ["1", "2.5", "10", "140,000,000", "12,000"]);
});

test("the caption compares the model with GPT-3", () => {
  assert.equal(ratioSentence(1234), "GPT-3 has 140,000,000 times as many parameters as your model.");
  assert.equal(ratioSentence(17, "the XOR net"), "GPT-3 has 10,000,000,000 times as many parameters as the XOR net.");
  assert.equal(ratioSentence(175e9), "Your model has about as many parameters as GPT-3.");
  assert.equal(ratioSentence(700e9), "Your model has 4 times as many parameters as GPT-3.");
  assert.equal(ratioSentence(0), "Build a model to compare it with GPT-3.");
  assert.equal(ratioSentence(NaN), "Build a model to compare it with GPT-3.");
});

test("the model described, and the whole chart in one sentence", () => {
  assert.equal(describeModel("your model", { layers: 3, params: 1234 }), "your model: 3 layers, 1,234 parameters");
  assert.equal(describeModel("your model", { layers: 1, params: 1 }), "your model: 1 layer, 1 parameter");
  assert.equal(
    summaryText("your model", { layers: 3, params: 1234 }),
    "How deep is deep: your model: 3 layers, 1,234 parameters; AlexNet (2012), 8 layers, 60 M parameters; " +
      "BERT-large (2018), 24 layers, 340 M parameters; GPT-2 (2019), 48 layers, 1.5 B parameters; GPT-3 (2020), 96 layers, 175 B parameters.",
  );
});
