// Unit tests of static/js/layerNames.js: layers named as the cards name them, from 1.
import assert from "node:assert/strict";
import { test } from "node:test";

import { layerTitle } from "../../static/js/layerNames.js";

test("model children read as the cards' layers, counted from 1", () => {
  assert.equal(layerTitle("dense0"), "layer 1 (dense)");
  assert.equal(layerTitle("dense10"), "layer 11 (dense)");
  assert.equal(layerTitle("conv2d1"), "layer 2 (conv2d)");
  assert.equal(layerTitle("maxpool2d3"), "layer 4 (maxpool2d)");
  assert.equal(layerTitle("output"), "output");
});
