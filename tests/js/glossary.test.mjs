// Unit tests of the pure part of static/js/glossary.js (matching terms in text, planning
// which occurrences to wrap) and of the definitions in static/js/glossaryTerms.js, run by
// `node --test tests/js/`. The wrapping itself needs a DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import { findTerms, GLOSSARY, lookupTerm, planWraps } from "../../static/js/glossary.js";
import { TERMS } from "../../static/js/glossaryTerms.js";

const terms = (text) => findTerms(text).map((m) => m.term);

test("the glossary covers the page's vocabulary", () => {
  const required = [
    "neuron",
    "weight",
    "bias",
    "activation function",
    "ReLU",
    "sigmoid",
    "tanh",
    "loss",
    "training loss",
    "validation loss",
    "gradient",
    "backpropagation",
    "epoch",
    "batch",
    "batch size",
    "learning rate",
    "optimizer",
    "SGD",
    "momentum",
    "Adam",
    "regularization",
    "L1",
    "L2",
    "dropout",
    "overfitting",
    "underfitting",
    "validation data",
    "training data",
    "accuracy",
    "feature",
    "feature map",
    "filter",
    "convolution",
    "pooling",
    "stride",
    "padding",
    "recurrent network",
    "LSTM",
    "GRU",
    "hidden state",
    "attention",
    "embedding",
    "softmax",
    "cross-entropy",
    "MSE",
    "batch normalization",
    "vanishing gradient",
    "exploding gradient",
    "gradient clipping",
    "parameter",
    "layer",
    "early stopping",
    "learning-rate schedule",
    "noise",
    "seed",
    "confusion matrix",
    "temperature",
  ];
  for (const term of required) assert.ok(GLOSSARY[term], term);
  for (const [spelling, term] of [
    ["kernel", "filter"],
    ["weight decay", "L2"],
    ["RNN", "recurrent network"],
    ["activation", "activation function"],
  ]) {
    assert.equal(lookupTerm(spelling), term, spelling);
  }
});

test("every definition is there, one or two sentences, at most 200 characters", () => {
  assert.equal(Object.keys(GLOSSARY).length, TERMS.length, "each term once");
  for (const [term, definition] of Object.entries(GLOSSARY)) {
    assert.ok(definition.trim().length > 20, term);
    assert.ok(definition.length <= 200, `${term}: ${definition.length} characters`);
    assert.match(definition, /[.!?]$/, `${term} ends a sentence`);
    assert.ok((definition.match(/[.!?](\s|$)/g) ?? []).length <= 2, `${term}: at most two sentences`);
    assert.doesNotMatch(definition, /[<>]/, `${term} is plain text`);
  }
});

test("plurals, case and hyphens match the same term", () => {
  assert.deepEqual(terms("Neurons and a neuron; NEURON."), ["neuron", "neuron", "neuron"]);
  assert.deepEqual(terms("Learning rate"), ["learning rate"]);
  assert.deepEqual(terms("the learning-rate schedule"), ["learning-rate schedule"]);
  assert.deepEqual(terms("Learning rate schedule"), ["learning-rate schedule"]);
  assert.deepEqual(terms("two losses, three biases, accuracies"), ["loss", "bias", "accuracy"]);
  assert.deepEqual(terms("LSTMs and RNNs"), ["LSTM", "recurrent network"]);
  assert.deepEqual(terms("batches of 10, 30 epochs, two hidden states"), ["batch", "epoch", "hidden state"]);
  assert.deepEqual(terms("cross entropy, Cross-Entropy"), ["cross-entropy", "cross-entropy"]);
  assert.deepEqual(terms("the network's weights"), ["weight"]);
  assert.deepEqual(terms("confusion matrices"), ["confusion matrix"]);
  const [m] = findTerms("Your ReLUs died");
  assert.deepEqual(m, { term: "ReLU", start: 5, end: 10, text: "ReLUs" });
});

test("whole words only", () => {
  assert.deepEqual(terms("preluded"), []);
  assert.deepEqual(terms("relu_x, reluctant, L20, XL2, AdamW, epochal, seeded, layered"), []);
  assert.deepEqual(terms("relu."), ["ReLU"]);
  assert.deepEqual(terms("(tanh)"), ["tanh"]);
  assert.deepEqual(terms("L2: 0.001"), ["L2"]);
});

test("where terms overlap, the longer wins", () => {
  assert.deepEqual(terms("Validation loss and training loss"), ["validation loss", "training loss"]);
  assert.deepEqual(terms("feature maps"), ["feature map"]);
  assert.deepEqual(terms("batch size"), ["batch size"]);
  assert.deepEqual(terms("a vanishing gradient"), ["vanishing gradient"]);
  assert.deepEqual(terms("Gradient clipping (the total norm of the gradients)"), ["gradient clipping", "gradient"]);
  assert.deepEqual(terms("dense layers and hidden layers"), ["dense layer", "layer"]);
});

test("the first occurrence of each term is planned, once", () => {
  const texts = ["Training loss", "The loss and the neurons", "loss again", "neuron, Learning rate"];
  const plan = planWraps(texts);
  assert.deepEqual(plan, [
    { node: 0, start: 0, end: 13, term: "training loss" },
    { node: 1, start: 4, end: 8, term: "loss" },
    { node: 1, start: 17, end: 24, term: "neuron" },
    { node: 3, start: 8, end: 21, term: "learning rate" },
  ]);
  // once those are wrapped, the same texts plan nothing more: applying twice wraps once
  const wrapped = new Set(plan.map((p) => p.term));
  assert.deepEqual(planWraps(texts, wrapped), []);
  // a term already wrapped elsewhere is left; a new one is still found
  assert.deepEqual(planWraps(["loss and epoch"], new Set(["loss"])), [{ node: 0, start: 9, end: 14, term: "epoch" }]);
  assert.deepEqual(planWraps([]), []);
});

test("a spelling is looked up to its term, or to nothing", () => {
  assert.equal(lookupTerm("Neurons"), "neuron");
  assert.equal(lookupTerm(" batch norm "), "batch normalization");
  assert.equal(lookupTerm("mini batches"), "batch");
  assert.equal(lookupTerm("banana"), null);
});
