// Unit tests of "My runs" in words (static/js/runs/runText.js), run by `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { networkWords } from "../../static/js/layerNames.js";
import { figuresText, specDiff, specInWords, statusText, whenText } from "../../static/js/runs/runText.js";

const SPEC = {
  version: 1,
  seed: 0,
  data: { dataset: "xor", n_samples: 200, features: ["x1", "x2"] },
  model: { layers: [{ type: "dense", units: 8, activation: "tanh" }] },
  train: { optimizer: "sgd", lr: 0.03, early_stopping: null },
};

test("the spec diff names only the fields that differ, before → after", () => {
  const other = { ...SPEC, train: { ...SPEC.train, optimizer: "adam", lr: 0.1 } };
  assert.deepEqual(
    specDiff([SPEC, other]).map((d) => d.text),
    ["optimizer: sgd → adam", "lr: 0.03 → 0.1"],
  );
  assert.deepEqual(specDiff([SPEC, structuredClone(SPEC)]), []);
});

test("the spec diff of three runs, layers in the server's words, a missing field as none", () => {
  const run = (/** @type {any} */ spec, /** @type {string[]} */ network) =>
    specInWords({ spec, spec_summary: { network } });
  const deeper = {
    ...SPEC,
    model: { layers: [...SPEC.model.layers, { type: "dropout", p: 0.1 }] },
  };
  const stopped = { ...SPEC, train: { ...SPEC.train, early_stopping: { patience: 5 } } };
  assert.deepEqual(
    specDiff([
      run(SPEC, ["dense 8 tanh"]),
      run(deeper, ["dense 8 tanh", "dropout 0.1"]),
      run(stopped, ["dense 8 tanh"]),
    ]).map((d) => d.text),
    [
      "layers: dense 8 tanh → dense 8 tanh, dropout 0.1 → dense 8 tanh",
      "early_stopping.patience: none → none → 5", // null in the first two: none
    ],
  );
});

test("a network in words, as the teacher's grid writes it", () => {
  assert.equal(networkWords(["dense 8 tanh", "dropout 0.1"]), "dense 8 tanh → dropout 0.1");
  assert.equal(networkWords([]), "no hidden layer");
});

test("a run's best figures, its age and its status in words", () => {
  assert.equal(figuresText({ val_loss: 0.39123, val_score: 0.92 }), "val loss 0.391 · accuracy 92.0%");
  assert.equal(figuresText({ train_loss: 1.5, val_loss: null, train_score: null }), "train loss 1.500");
  assert.equal(figuresText({ val_loss: 0.2, val_score: 0.81234 }, true), "val loss 0.200 · R² 0.812");
  assert.equal(figuresText(null), "no epoch yet");
  const now = Date.parse("2026-12-07T14:00:00Z");
  assert.equal(whenText("2026-12-07T13:59:40+00:00", now), "just now");
  assert.equal(whenText("2026-12-07T13:55:00+00:00", now), "5 min ago");
  assert.equal(whenText("2026-12-07T11:00:00+00:00", now), "3 h ago");
  assert.equal(whenText("2026-12-01T09:30:00+00:00", now), "2026-12-01 09:30");
  assert.equal(
    statusText({ status: "done", detail: "trained the 5 epochs asked for" }),
    "done: trained the 5 epochs asked for",
  );
  assert.match(statusText({ status: "interrupted" }), /^interrupted/);
  assert.equal(statusText({ status: "paused" }), "paused");
});
