// Every setting a link can carry round-trips through it, with the catalog's bounds and
// choices (static/js/schema.js): each row of the playground's and the GAN page's URL tables,
// and every field of every layer type the catalog serves, at a value other than its default.
import { catalog } from "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import * as gan from "../../static/js/gan/state.js";
import { boundsProblem, constraintsOf, inBounds, paramAt } from "../../static/js/schema.js";
import {
  defaultState,
  formatLayers,
  LAYER_FIELDS,
  newLayer,
  parseLayers,
  PROPS,
  readQuery,
  toQuery,
} from "../../static/js/state.js";

/**
 * A valid value of the setting that is not `current`: another choice, a bound, a flipped flag.
 * @param {any} row a URL-table row or a layer field (with the catalog's constraints)
 * @param {any} current
 */
function another(row, current) {
  if (row.choices?.length) {
    if (row.kind === "list") return row.choices.filter((/** @type {string} */ c) => !current?.includes(c)).slice(0, 2);
    return row.choices.find((/** @type {any} */ c) => c !== current);
  }
  switch (row.kind) {
    case "bool":
      return !current;
    case "int": {
      const high = row.max ?? (row.exclusiveMax !== undefined ? row.exclusiveMax - 1 : undefined);
      return high !== undefined && high !== current ? high : (current ?? row.min ?? 1) + 1;
    }
    case "number": {
      const high = row.max ?? row.exclusiveMax / 2;
      return high !== undefined && high !== current ? high : (current ?? 0) / 2;
    }
    case "shape":
      return [2, 3, 5];
    case "list":
      return ["noise", "seed"];
    case "points":
      return [
        [0, 0],
        [1, 1],
        [-1, 0.5],
      ];
  }
  return undefined;
}

/** Strings the catalog leaves open: a value of the form the spec takes. */
const STRINGS = { dataset: "xor", file: "my_data.csv", target: "price", data: "ring" };

test("the URL table takes every bound and choice list from the catalog", () => {
  const row = (/** @type {string} */ name) => /** @type {any} */ (PROPS.find((p) => p.name === name));
  assert.deepEqual(row("lr_schedule").choices, Object.keys(catalog.schedules));
  assert.equal(row("batch_size").max, catalog.train_params.batch_size.max);
  assert.equal(row("lr").exclusiveMin, 0);
  assert.equal(row("patience").max, catalog.early_stopping_params.patience.max);
  assert.equal(row("reg_rate").max, catalog.train_params.l1.max);
  assert.ok(row("file").pattern.test("a.csv") && !row("file").pattern.test("../a.csv"));
  assert.deepEqual(Object.keys(LAYER_FIELDS), Object.keys(catalog.layers));
  assert.equal(LAYER_FIELDS.dense[0].max, catalog.layers.dense.params.units.max);
});

test("every setting of a playground link round-trips at a value other than its default", () => {
  for (const prop of PROPS) {
    if (prop.kind === "layers") continue; // below, field by field
    const state = defaultState();
    const value =
      prop.kind === "string" && !prop.choices
        ? STRINGS[/** @type {keyof STRINGS} */ (prop.name)]
        : another(prop, state[prop.name]);
    assert.notEqual(value, undefined, prop.name);
    state[prop.name] = value;
    const { state: read, problems } = readQuery(toQuery(state));
    assert.deepEqual(problems, [], prop.name);
    assert.deepEqual(read[prop.name], value, prop.name);
  }
});

test("every field of every layer type round-trips through a link", () => {
  for (const [type, fields] of Object.entries(LAYER_FIELDS)) {
    for (const field of fields) {
      const layer = newLayer(type);
      layer[field.name] = another(field, layer[field.name] ?? field.default);
      const text = formatLayers([layer]);
      assert.deepEqual(parseLayers(text), [layer], `${type}.${field.name}: ${text}`);
    }
  }
});

test("every setting of a GAN link round-trips at a value other than its default", () => {
  for (const prop of gan.GAN_PROPS) {
    const state = gan.defaultState();
    let value;
    if (prop.kind === "layers") value = [{ type: "dense", units: 16, activation: "tanh" }];
    else if (prop.kind === "string") value = STRINGS[/** @type {keyof STRINGS} */ (prop.name)];
    else value = another(prop, state[prop.name]);
    if (prop.name === "points") state.data = "drawn";
    state[prop.name] = value;
    const { state: read, ignored } = gan.parseQuery(gan.toQuery(state));
    assert.deepEqual(ignored, [], prop.name);
    assert.deepEqual(read[prop.name], value, prop.name);
  }
});

test("bounds read as the server's, exclusive ones too, and say what is wrong", () => {
  const lr = constraintsOf(paramAt(catalog, "train.lr"));
  assert.equal(inBounds(lr, 0), false);
  assert.equal(inBounds(lr, 1e-9), true);
  assert.equal(boundsProblem(lr, "0"), "0 is not more than 0");
  assert.equal(boundsProblem(lr, "11"), "11 is more than 10");
  assert.deepEqual(
    constraintsOf(paramAt(catalog, "gan.generator.optimizer")).choices,
    catalog.gan.net_params.optimizer.choices,
  );
  assert.equal(paramAt(catalog, "model.layers"), undefined);
});
