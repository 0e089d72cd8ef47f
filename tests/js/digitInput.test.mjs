// Unit tests of static/js/digitInput.js: a drawing -> a digit model's input, run by `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { inkBox, toDigitInput } from "../../static/js/digitInput.js";

/**
 * A drawing as the pad makes one: round strokes of ink (1) with an anti-aliased rim, on
 * a width x height canvas. Coordinates are in units of `unit` pixels, so the same strokes
 * at unit 2 are the drawing at twice the resolution.
 * @param {number} width
 * @param {number} height
 * @param {[number, number, number, number][]} segments [x0, y0, x1, y1]
 * @param {number} thickness stroke width
 * @param {number} unit
 */
function draw(width, height, segments, thickness, unit = 1) {
  const alpha = new Float32Array(width * height);
  const r = (thickness * unit) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let d = Infinity;
      for (const [ax, ay, bx, by] of segments)
        d = Math.min(d, distanceToSegment(px, py, ax * unit, ay * unit, bx * unit, by * unit));
      alpha[y * width + x] = Math.max(0, Math.min(1, r - d + 0.5));
    }
  }
  return alpha;
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = dx || dy ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** @param {Float32Array} img size x size */
function columnSums(img, size) {
  const sums = new Array(size).fill(0);
  for (let i = 0; i < img.length; i++) sums[i % size] += img[i];
  return sums;
}

function rowSums(img, size) {
  const sums = new Array(size).fill(0);
  for (let i = 0; i < img.length; i++) sums[Math.floor(i / size)] += img[i];
  return sums;
}

/** The centre of mass in pixel indices, as MNIST's makers counted (its "centre" is pixel 14). */
function centre(img, size) {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < img.length; i++) {
    m += img[i];
    sx += img[i] * (i % size);
    sy += img[i] * Math.floor(i / size);
  }
  return [sx / m, sy / m];
}

/** A size x size image drawn as crisp blocks of f x f canvas pixels, off-centre on a bigger canvas. */
function enlarge(img, size, f) {
  const w = size * f + 60;
  const alpha = new Float32Array(w * w);
  for (let y = 0; y < size * f; y++) {
    for (let x = 0; x < size * f; x++) alpha[(y + 45) * w + x + 9] = img[Math.floor(y / f) * size + Math.floor(x / f)];
  }
  return [alpha, w];
}

/** MNIST moves a digit by whole pixels, so its centre of mass is within half a pixel of pixel 14. */
const HALF = 0.5 + 1e-6;
const argmax = (xs) => xs.indexOf(Math.max(...xs));
const inked = (sums) => sums.map((s, i) => (s > 0.05 ? i : -1)).filter((i) => i >= 0);

test("nothing drawn, or only faint specks, is no input", () => {
  assert.equal(toDigitInput(new Float32Array(100 * 100), 100, 100, 28), null);
  assert.equal(toDigitInput(new Float32Array(64).fill(0.05), 8, 8, 8), null);
  assert.equal(inkBox(new Float32Array(9), 3, 3), null);
});

test("an off-centre vertical bar becomes a centred vertical bar 20 px tall (MNIST, 28)", () => {
  for (const [x, y0, y1, thick] of [
    [30, 20, 80, 8],
    [170, 120, 180, 16],
    [60, 10, 190, 12],
  ]) {
    const img = /** @type {Float32Array} */ (toDigitInput(draw(200, 200, [[x, y0, x, y1]], thick), 200, 200, 28));
    assert.equal(img.length, 28 * 28);
    const cols = columnSums(img, 28);
    assert.ok(Math.abs(argmax(cols) - 14) <= 1, `peak at column ${argmax(cols)}, next to pixel 14`);
    const [cx, cy] = centre(img, 28);
    assert.ok(Math.abs(cx - 14) <= HALF && Math.abs(cy - 14) <= HALF, `centre of mass ${cx}, ${cy}`);
    const rows = inked(rowSums(img, 28));
    assert.ok(rows[0] >= 3 && rows.at(-1) <= 24 && rows.length >= 19 && rows.length <= 22, `rows ${rows}`);
    assert.ok(inked(cols).length <= 6, "the bar stays thin: the aspect ratio is kept");
  }
});

test("the centre of mass, not the box, is centred for MNIST", () => {
  // A "7": a heavy top bar and a thin stem; its box is centred, its mass is not.
  const alpha = draw(
    200,
    200,
    [
      [40, 30, 160, 30],
      [160, 30, 100, 170],
    ],
    14,
  );
  const img = /** @type {Float32Array} */ (toDigitInput(alpha, 200, 200, 28));
  const [cx, cy] = centre(img, 28);
  assert.ok(Math.abs(cx - 14) <= HALF && Math.abs(cy - 14) <= HALF, `centre of mass ${cx}, ${cy}`);
  // Its mass is high (the bar), so the digit sits lower than a box centred at rows 4..23 would.
  assert.ok(inked(rowSums(img, 28))[0] > 5, "shifted down");
});

test("a vertical bar fills the 8 x 8 grid top to bottom, centred (scikit-learn digits)", () => {
  const img = /** @type {Float32Array} */ (toDigitInput(draw(196, 196, [[150, 30, 150, 110]], 16), 196, 196, 8));
  const cols = columnSums(img, 8);
  assert.ok([3, 4].includes(argmax(cols)), `peak at column ${argmax(cols)}`);
  assert.ok(Math.abs(cols[3] - cols[4]) < 0.25 * cols[3], `symmetric: ${cols}`);
  assert.deepEqual(inked(rowSums(img, 8)), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test("a wide digit fills the grid's width, its box centred; 16 px and up keep a 1 px margin", () => {
  const alpha = draw(
    200,
    200,
    [
      [20, 90, 180, 90],
      [20, 90, 20, 130],
    ],
    12,
  ); // an "L" on its side
  const eight = /** @type {Float32Array} */ (toDigitInput(alpha, 200, 200, 8));
  assert.deepEqual(inked(columnSums(eight, 8)), [0, 1, 2, 3, 4, 5, 6, 7]);
  const rows = inked(rowSums(eight, 8));
  assert.ok(Math.abs(rows[0] + rows.at(-1) - 7) <= 1, `box centred vertically: rows ${rows}`);
  const sixteen = /** @type {Float32Array} */ (toDigitInput(alpha, 200, 200, 16));
  const cols = inked(columnSums(sixteen, 16));
  assert.deepEqual([cols[0], cols.at(-1)], [1, 14]);
});

test("the same drawing at twice the resolution gives nearly the same input", () => {
  const strokes = [
    [40, 40, 150, 45],
    [150, 45, 70, 170],
    [60, 110, 140, 105],
  ];
  for (const size of [8, 16, 28]) {
    const one = /** @type {Float32Array} */ (toDigitInput(draw(196, 196, strokes, 16, 1), 196, 196, size));
    const two = /** @type {Float32Array} */ (toDigitInput(draw(392, 392, strokes, 16, 2), 392, 392, size));
    let worst = 0;
    for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - two[i]));
    assert.ok(worst < 0.08, `size ${size}: largest difference ${worst}`);
  }
});

test("values stay in [0, 1], also for a tiny drawing scaled up and a non-square canvas", () => {
  const cases = [
    [
      draw(
        300,
        150,
        [
          [10, 10, 290, 140],
          [290, 10, 10, 140],
        ],
        30,
      ),
      300,
      150,
    ],
    [draw(100, 100, [[50, 50, 52, 51]], 3), 100, 100],
    [new Float32Array(50 * 40).fill(1), 50, 40],
  ];
  for (const [alpha, w, h] of cases) {
    for (const size of [8, 28]) {
      const img = /** @type {Float32Array} */ (toDigitInput(alpha, w, h, size));
      assert.equal(img.length, size * size);
      assert.ok(
        img.every((v) => v >= 0 && v <= 1),
        `size ${size}`,
      );
      assert.ok(Math.max(...img) > 0.5, "the ink is there");
    }
  }
});

test("an image already made like the training data comes back as itself", () => {
  // MNIST: a ring whose 20 px box spans rows and columns 5..24, its centre of mass at 14.5
  // (a symmetric digit cannot sit on pixel 14 by whole-pixel moves; half a pixel is the most off).
  const ring = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++)
      ring[y * 28 + x] = Math.max(0, Math.min(1, 2 - Math.abs(Math.hypot(x - 14.5, y - 14.5) - 8)));
  }
  // scikit-learn digits: a "1"-like stroke filling all eight rows, its box centred.
  const one = new Float32Array(64);
  for (let y = 0; y < 8; y++) one[y * 8 + 3] = one[y * 8 + 4] = 1;
  one[8 + 2] = one[6 * 8 + 5] = 0.5; // the box is columns 2..5, centred
  for (const [img, size, f] of [
    [ring, 28, 7],
    [one, 8, 24],
  ]) {
    const [alpha, w] = enlarge(img, size, f);
    const out = /** @type {Float32Array} */ (toDigitInput(alpha, w, w, size));
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - img[i]));
    assert.ok(worst < 0.02, `size ${size}: largest difference ${worst}`);
  }
});
