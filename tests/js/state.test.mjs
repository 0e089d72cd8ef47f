// Unit tests of static/js/state.js: the URL state table, run by `node --test tests/js/`.
import "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  defaultState,
  dense,
  formatLayers,
  hotParams,
  isHot,
  newLayer,
  parseLayers,
  parseQuery,
  PRESETS,
  readQuery,
  specFromState,
  stateFromSpec,
  toQuery,
} from "../../static/js/state.js";

test("the defaults make an empty query and TensorFlow Playground's default net", () => {
  assert.equal(toQuery(defaultState()), "");
  const spec = specFromState(defaultState());
  assert.equal(spec.data.dataset, "circle");
  assert.deepEqual(spec.data.features, ["x1", "x2"]);
  assert.deepEqual(spec.model.layers, [
    { type: "dense", units: 4, activation: "tanh" },
    { type: "dense", units: 2, activation: "tanh" },
  ]);
  assert.equal(spec.train.lr, 0.03);
  assert.equal(spec.train.batch_size, 10);
  assert.equal(spec.train.optimizer, "sgd");
});

test("a state survives the round trip through the URL", () => {
  const state = {
    ...defaultState(),
    seed: 42,
    dataset: "spiral",
    noise: 0.25,
    n_classes: 3,
    features: ["x1", "x2", "sin(x1)"],
    optimizer: "nesterov",
    lr: 0.003,
    regularization: "l2",
    reg_rate: 0.001,
    patience: 10,
    show_val: true,
    hide: ["lr", "dataset"],
    layers: [{ type: "dense", units: 8, activation: "relu" }, { type: "dropout", p: 0.2 }, { type: "batchnorm" }],
  };
  const query = toQuery(state);
  assert.match(query, /layers=dense:8:relu,dropout:0.2,batchnorm/);
  assert.deepEqual(parseQuery(query), state);
  assert.deepEqual(parseQuery("?" + query), state);
});

test("values outside their bounds or not parsing fall back to the defaults", () => {
  const state = parseQuery(
    "lr=1e9&noise=abc&seed=-1&batch_size=2.5&dataset=%3Cscript%3E&optimizer=evil&show_val=maybe",
  );
  const d = defaultState();
  for (const key of ["lr", "noise", "seed", "batch_size", "optimizer", "show_val"])
    assert.deepEqual(state[key], d[key], key);
  assert.equal(state.dataset, "<script>", "datasets are checked by the server, which names the field");
  // A layer's bad value takes its default (a number the nearest bound); an unknown type is
  // dropped; nothing readable leaves the default network (readQuery says which, below).
  assert.deepEqual(parseQuery("layers=dense:0:relu").layers, [dense(1, "relu")]);
  assert.deepEqual(parseQuery("layers=dense:4:evil").layers, [dense(4, "tanh")]);
  assert.equal(parseQuery("layers=conv2d:0").layers[0].filters, 1);
  assert.deepEqual(parseQuery("layers=conv7d:8").layers, d.layers);
  assert.equal(parseQuery("layers=lstm:32:9").layers[0].layers, 4);
  assert.equal(parseQuery("layers=attention:2:bogus").layers[0].positional, "sinusoidal");
  assert.deepEqual(parseQuery("layers=toString").layers, d.layers);
  assert.equal(parseQuery("file=../etc/passwd.csv").file, null);
  assert.deepEqual(parseQuery("layers=dropout:2").layers, [{ type: "dropout", p: 0.95 }]);
  assert.equal(parseLayers("dense:4:evil"), undefined, "parseLayers alone stays strict (the GAN page's)");
  assert.deepEqual(parseQuery("features=x1,bogus,x1").features, ["x1"]);
});

test("an empty layer list is a network with no hidden layer", () => {
  assert.deepEqual(parseLayers(""), []);
  assert.equal(parseQuery(toQuery({ ...defaultState(), layers: [] })).layers.length, 0);
});

test("optimizer names and regularization map onto the spec", () => {
  const t = (o) => specFromState({ ...defaultState(), ...o }).train;
  assert.deepEqual([t({ optimizer: "momentum" }).optimizer, t({ optimizer: "momentum" }).momentum], ["sgd", 0.9]);
  assert.equal(t({ optimizer: "nesterov" }).nesterov, true);
  assert.equal(t({ optimizer: "adamw" }).optimizer, "adamw");
  assert.deepEqual(
    [t({ regularization: "l1", reg_rate: 0.01 }).l1, t({ regularization: "l1", reg_rate: 0.01 }).weight_decay],
    [0.01, 0],
  );
  assert.deepEqual(
    [t({ regularization: "l2", reg_rate: 0.03 }).weight_decay, t({ regularization: "l2", reg_rate: 0.03 }).l1],
    [0.03, 0],
  );
  assert.deepEqual(t({ regularization: "none", reg_rate: 0.03 }).weight_decay, 0);
  assert.deepEqual(t({ patience: 5 }).early_stopping, { patience: 5 });
  assert.equal(hotParams({ ...defaultState(), lr: 0.1, optimizer: "adam" }).lr, 0.1);
  // Clipping and early stopping change live too; null turns them off (docs/protocol.md, set).
  assert.equal(hotParams({ ...defaultState(), grad_clip: null }).grad_clip, null);
  assert.equal(hotParams({ ...defaultState(), grad_clip: 1 }).grad_clip, 1);
  assert.deepEqual(hotParams({ ...defaultState(), patience: 5 }).early_stopping, { patience: 5 });
  assert.equal(hotParams(defaultState()).early_stopping, null);
  assert.ok(isHot("grad_clip") && isHot("patience"));
});

test("an imported spec becomes the same state", () => {
  const state = {
    ...defaultState(),
    dataset: "xor",
    optimizer: "momentum",
    regularization: "l1",
    reg_rate: 0.003,
    patience: 20,
    present: true,
  };
  const spec = JSON.parse(JSON.stringify(specFromState(state)));
  assert.deepEqual(stateFromSpec(spec, state), state);
  assert.equal(formatLayers(stateFromSpec(spec).layers), "dense:4:tanh,dense:2:tanh");
});

test("every layer type the builder offers survives the URL, short when at defaults", () => {
  const layers = [
    { type: "conv2d", filters: 16, kernel: 5, stride: 2, padding: "valid", activation: "tanh", init: "he" },
    { type: "maxpool2d", kernel: 2 },
    { type: "avgpool2d", kernel: 3, stride: 1 },
    { type: "flatten" },
    { type: "globalmaxpool" },
    { type: "embedding", dim: 8 },
    { type: "lstm", hidden: 64, layers: 2, bidirectional: true, return_sequence: true },
    { type: "attention", heads: 4, positional: "learned", causal: true },
    { type: "gru", hidden: 32, layers: 1, bidirectional: false, return_sequence: false },
  ];
  const text = formatLayers(layers);
  assert.equal(
    text,
    "conv2d:16:5:2:valid:tanh:he,maxpool2d:2,avgpool2d:3:1,flatten,globalmaxpool,embedding:8,lstm:64:2:1:1,attention:4:learned:1,gru:32:1",
  );
  assert.deepEqual(parseLayers(text), layers);
  assert.deepEqual(newLayer("conv2d"), {
    type: "conv2d",
    filters: 8,
    kernel: 3,
    stride: 1,
    padding: "same",
    activation: "relu",
  });
});

test("each kind of data has a preset whose layers survive the URL", () => {
  for (const [kind, preset] of Object.entries(PRESETS)) {
    assert.deepEqual(parseLayers(formatLayers(preset.layers)), preset.layers, kind);
    const state = { ...defaultState(), ...preset };
    assert.deepEqual(parseQuery(toQuery(state)), state, kind);
  }
});

test("CSV settings map onto the spec's data", () => {
  const state = { ...defaultState(), dataset: "csv", file: "0123abcd.csv", target: "label", task: "regression" };
  const spec = specFromState(state);
  assert.deepEqual([spec.data.file, spec.data.target, spec.data.task], ["0123abcd.csv", "label", "regression"]);
  assert.deepEqual(parseQuery(toQuery(state)), state);
});

test("a link to image data leaves out its preset and reads back the same", () => {
  const kindOf = (d) => (d === "digits" ? "image" : "points");
  const state = { ...defaultState("image"), dataset: "digits" };
  assert.equal(toQuery(state, kindOf), "dataset=digits");
  assert.deepEqual(parseQuery("dataset=digits", kindOf), state);
  // the 2-D default learning rate is not the image preset's: the link must say it
  const tuned = { ...state, lr: 0.03 };
  assert.deepEqual(parseQuery(toQuery(tuned, kindOf), kindOf), tuned);
  assert.equal(parseQuery("dataset=digits&layers=", kindOf).layers.length, 0);
});

test("an imported spec of another kind takes that kind's defaults for what it leaves out", () => {
  const spec = {
    seed: 0,
    data: { dataset: "memory", val_fraction: null, seq_len: 15 },
    model: { layers: [{ type: "rnn", hidden: 32 }] },
    train: { optimizer: "adam", lr: 0.003, grad_clip: 1 },
  };
  const state = stateFromSpec(spec, defaultState(), "sequence");
  assert.equal(state.val_fraction, PRESETS.sequence.val_fraction);
  assert.equal(state.grad_clip, 1);
  assert.equal(state.seq_len, 15);
  assert.deepEqual(state.layers, [
    { type: "rnn", hidden: 32, layers: 1, bidirectional: false, return_sequence: false },
  ]);
});

test("a mistyped link says what it could not read and what stands instead", () => {
  const datasets = ["circle", "xor", "spiral", "plane"];
  const read = (/** @type {string} */ q) => readQuery(q, () => "points", datasets);
  let r = read("?layers=dense:4:re");
  assert.deepEqual(r.state.layers, [dense(4, "tanh")]);
  assert.deepEqual(r.problems, ["layer 1: 're' is not an activation; using tanh"]);
  r = read("?layers=dense:8:relu,dense:4:relu,");
  assert.deepEqual(r.state.layers, [dense(8, "relu"), dense(4, "relu")]);
  assert.deepEqual(r.problems, ["layer 3 is empty (a stray comma?); dropped"]);
  r = read(`?layers=${Array(50).fill("dense:2:relu").join(",")}`);
  assert.equal(r.state.layers.length, 32);
  assert.deepEqual(r.problems, ["50 layers asked; at most 32 — the rest were dropped"]);
  r = read("?dataset=nonsense&lr=0.1");
  assert.equal(r.state.dataset, "circle");
  assert.equal(r.state.lr, 0.1);
  assert.deepEqual(r.problems, ["'nonsense' is not a dataset; using circle"]);
  r = read("?lr=50&features=x1,x3&layers=dense:2:relu,conv7d:3&lern_rate=1&lesson=x");
  assert.deepEqual(r.problems, [
    "features: 'x3' is not one of x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2); dropped",
    "layer 2: 'conv7d' is not a layer type; dropped",
    "lr: 50 is more than 10; using 0.03",
    "'lern_rate' is not a setting of this page; ignored",
  ]);
  assert.deepEqual(r.state.features, ["x1"]);
  r = read("?dataset=spiral&layers=dense:2.5:tanh,dropout:2&seed=abc");
  assert.deepEqual(r.problems, [
    "seed: 'abc' is not a number; using 0",
    "layer 1: units '2.5' is not a whole number; using 8",
    "layer 2: p 2 is more than 0.95; using 0.95",
  ]);
  assert.deepEqual(read("?dataset=xor&layers=dense:8:relu&lr=0.3").problems, []);
  assert.equal(read(`?dataset=${"<b>".repeat(30)}`).problems[0].length < 80, true, "a long value is cut short");
});
