// Unit tests of static/js/race/race.js: a race's variants, read from the address, as specs.
import "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  armNames,
  describeVariant,
  formatRace,
  MAX_VARIANTS,
  raceHref,
  readRace,
  variantState,
} from "../../static/js/race/race.js";
import { defaultState, specFromState } from "../../static/js/state.js";

/**
 * The spec's leaves that differ between two specs, as "path: a -> b".
 * @param {any} a
 * @param {any} b
 */
function specDiff(a, b, path = "") {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null)
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => specDiff(a[k], b[k], path ? `${path}.${k}` : k));
}

/** @param {string} raw */
function variantDiff(raw, state = defaultState()) {
  const { variants, problems } = readRace(raw, state);
  assert.deepEqual(problems, []);
  return specDiff(specFromState(state), specFromState(variantState(state, variants[0])));
}

test("each change makes one difference to the spec, and only that one", () => {
  assert.deepEqual(variantDiff("optimizer:adam"), [
    'train.optimizer: "sgd" -> "adam"',
    "train.momentum: 0 -> undefined",
    "train.nesterov: false -> undefined",
  ]);
  assert.deepEqual(variantDiff("lr:0.1"), ["train.lr: 0.03 -> 0.1"]);
  assert.deepEqual(variantDiff("batch_size:32"), ["train.batch_size: 10 -> 32"]);
  assert.deepEqual(variantDiff("l2:0.001"), ["train.weight_decay: 0 -> 0.001"]);
  assert.deepEqual(variantDiff("activation:relu"), [
    'model.layers.0.activation: "tanh" -> "relu"',
    'model.layers.1.activation: "tanh" -> "relu"',
  ]);
  assert.deepEqual(variantDiff("depth:more"), [
    'model.layers.2: undefined -> {"type":"dense","units":2,"activation":"tanh"}',
  ]);
  assert.deepEqual(variantDiff("depth:fewer"), [
    'model.layers.1: {"type":"dense","units":2,"activation":"tanh"} -> undefined',
  ]);
});

test("the seed and the data are the same in every run of a race", () => {
  const state = { ...defaultState(), seed: 7, dataset: "spiral", noise: 0.2 };
  const { variants } = readRace("lr:0.3,optimizer:adam,depth:more", state);
  assert.equal(variants.length, 3);
  for (const v of variants) {
    const spec = specFromState(variantState(state, v));
    assert.equal(spec.seed, 7);
    assert.deepEqual(spec.data, specFromState(state).data);
  }
});

test("the difference line names the change and both values", () => {
  const state = defaultState();
  assert.equal(describeVariant(state, { change: "optimizer", value: "adam" }), "optimizer adam instead of sgd");
  assert.equal(describeVariant(state, { change: "lr", value: 0.1 }), "learning rate 0.1 instead of 0.03");
  assert.equal(describeVariant(state, { change: "depth", value: "more" }), "one more hidden layer (3 instead of 2)");
  assert.equal(describeVariant(state, { change: "l2", value: 0.01 }), "L2 regularization rate 0.01 instead of none");
});

test("a hostile or wrong race says why in words and drops that variant", () => {
  const state = defaultState();
  const cases = {
    "lr:-1": /^race: lr: -1 is not more than 0; that variant was dropped$/,
    "lr:1e999": /race: lr: '1e999' is not a number/,
    "optimizer:<script>": /race: optimizer: '<script>' is not one of sgd, momentum, nesterov, adam/,
    "wings:2": /race: 'wings' is not a change a race makes \(optimizer, lr, activation, depth/,
    "batch_size:2.5": /race: batch_size: '2.5' is not a whole number/,
    "lr:0.03": /race: lr: learning rate is 0.03 already/,
    "depth:deeper": /race: depth: 'deeper' is not one of more, fewer/,
    "": /race: '' is not a change/,
  };
  for (const [raw, why] of Object.entries(cases)) {
    const { variants, problems } = readRace(raw, state);
    assert.deepEqual(variants, [], raw);
    assert.equal(problems.length, 1, raw);
    assert.match(problems[0], why);
  }
  const long = readRace(Array.from({ length: 50 }, (_, i) => `lr:0.${i + 1}`).join(","), state);
  assert.equal(long.variants.length, MAX_VARIANTS);
  assert.match(long.problems[0], /50 variants asked; at most 3/);
  assert.match(readRace("lr:0.1,lr:0.1", state).problems[0], /'lr:0.1' twice/);
  const noLayers = { ...state, layers: [] };
  assert.match(readRace("depth:fewer", noLayers).problems[0], /no hidden layer to remove/);
});

test("a race's address reads back the same variants, and the way back drops it", () => {
  const state = defaultState();
  const { variants } = readRace("optimizer:adam,lr:0.3", state);
  assert.equal(formatRace(variants), "optimizer:adam,lr:0.3");
  const href = raceHref("?seed=3&dataset=xor", variants);
  assert.equal(href, "/?seed=3&dataset=xor&race=optimizer:adam,lr:0.3");
  const back = raceHref(href.slice(1), []);
  assert.equal(back, "/?seed=3&dataset=xor");
  assert.deepEqual(readRace(new URLSearchParams(href.slice(2)).get("race") ?? "", state).variants, variants);
});

test("the runs are named yours and the variant, or numbered variants", () => {
  assert.deepEqual(armNames(1), ["yours", "the variant"]);
  assert.deepEqual(armNames(3), ["yours", "variant 1", "variant 2", "variant 3"]);
});
