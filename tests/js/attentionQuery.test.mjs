// Unit tests of the pure part of static/js/views/attentionQuery.js (one query's scores,
// softmax weights and weighted sum), and of the attention layer's temperature in a link;
// run by `node --test tests/js/`. The drawing needs a DOM.
import "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatLayers, parseLayers } from "../../static/js/state.js";
import { formatNumber, queryBlocks } from "../../static/js/views/attentionQuery.js";

const arr = (shape, values) => ({ shape, data: Float32Array.from(values) });

test("a block per layer and head: its scores, weights, values and weighted sum", () => {
  // 2 heads, 3 steps, d = 2
  const arrays = {
    "attention_query/attention0/scores": arr([2, 3], [1, 2, 3, 4, 5, 6]),
    "attention_query/attention0/weights": arr([2, 3], [0.2, 0.3, 0.5, 0.1, 0.1, 0.8]),
    "attention_query/attention0/values": arr([2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    "attention_query/attention0/mixed": arr([2, 2], [0.5, 0.6, 0.7, 0.8]),
  };
  const blocks = queryBlocks(arrays, { "attention_query/attention0/temperature": 4 });
  assert.equal(blocks.length, 2);
  const [first, second] = blocks;
  assert.equal(first.name, "attention0");
  assert.equal(first.temperature, 4);
  assert.deepEqual(second.scores, [4, 5, 6]);
  assert.deepEqual(
    second.weights.map((w) => Math.round(w * 10) / 10),
    [0.1, 0.1, 0.8],
  );
  assert.deepEqual(Array.from(second.values[2]), [11, 12]);
  assert.deepEqual(Array.from(first.values[0]), [1, 2]);
  assert.deepEqual(
    Array.from(second.mixed).map((v) => Math.round(v * 10) / 10),
    [0.7, 0.8],
  );
  assert.deepEqual(queryBlocks({}, {}), []);
});

test("numbers read to two decimals; a masked score is minus infinity", () => {
  assert.equal(formatNumber(0.1234), "0.12");
  assert.equal(formatNumber(-Infinity), "−∞");
  assert.equal(formatNumber(NaN), "–");
});

test("an attention layer's temperature survives a link, and is left off at its default", () => {
  const hot = [{ type: "attention", heads: 1, positional: "none", causal: false, temperature: 4 }];
  assert.equal(formatLayers(hot), "attention:1:none:0:4");
  assert.equal(parseLayers("attention:1:none:0:4")?.[0].temperature, 4);
  assert.equal(formatLayers([{ type: "attention", heads: 1, positional: "none" }]), "attention:1:none");
});
