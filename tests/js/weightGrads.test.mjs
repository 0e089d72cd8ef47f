// Unit tests of the pure part of static/js/views/weightGrads.js (the backpropagation
// lesson's per-weight gradients), run by `node --test tests/js/`. The drawing needs a DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import { denseChain, formatGrad, gradientRows } from "../../static/js/views/weightGrads.js";

const arr = (shape, values) => ({ shape, data: Float32Array.from(values) });

// a 2-2-1 network's frame: weights are (out, in), row-major
const FRAME = {
  "weight_grads/dense0.linear.weight": arr([2, 2], [0.1, -0.2, 0.3, -0.4]),
  "weight_grads/dense0.linear.bias": arr([2], [0.01, 0.02]),
  "weight_grads/output.linear.weight": arr([1, 2], [0.5, -0.6]),
  "weight_grads/output.linear.bias": arr([1], [0.05]),
  "weights/dense0.linear.weight": arr([2, 2], [1, 2, 3, 4]),
  "weights/dense0.linear.bias": arr([2], [5, 6]),
  "weights/output.linear.weight": arr([1, 2], [7, 8]),
  "weights/output.linear.bias": arr([1], [9]),
};

test("every parameter gets a row: its place, its weight and its gradient", () => {
  const rows = gradientRows(FRAME);
  assert.equal(rows.length, 9);
  assert.deepEqual(rows[1], { name: "dense0 w[0←1]", weight: 2, grad: Math.fround(-0.2) });
  assert.deepEqual(rows[2], { name: "dense0 w[1←0]", weight: 3, grad: Math.fround(0.3) });
  assert.deepEqual(rows[5], { name: "dense0 b[1]", weight: 6, grad: Math.fround(0.02) });
  assert.deepEqual(rows[7].name, "output w[0←1]");
  assert.deepEqual(rows[8], { name: "output b[0]", weight: 9, grad: Math.fround(0.05) });
});

test("a chain of dense layers is a network to draw; anything else is not", () => {
  const chain = denseChain(FRAME);
  assert.deepEqual(
    chain?.map((l) => [l.layer, l.outs, l.ins]),
    [
      ["dense0", 2, 2],
      ["output", 1, 2],
    ],
  );
  const conv = { ...FRAME, "weight_grads/conv0.conv.weight": arr([2, 1, 3, 3], new Array(18).fill(0)) };
  assert.equal(denseChain(conv), null);
  const broken = { ...FRAME, "weight_grads/output.linear.weight": arr([1, 3], [0, 0, 0]) };
  assert.equal(denseChain(broken), null);
});

test("gradients read to three significant digits, tiny and huge ones in exponents", () => {
  assert.equal(formatGrad(0.012345), "0.0123");
  assert.equal(formatGrad(-0.5), "-0.500");
  assert.equal(formatGrad(0.0000123), "1.23e-5");
  assert.equal(formatGrad(0), "0");
  assert.equal(formatGrad(NaN), "–");
});
