// Unit tests of static/js/progress.js: the page's own training rate and the epoch's length.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createRateMeter, formatRate, stepsPerEpoch } from "../../static/js/progress.js";

/**
 * Statuses every `every` ms (jittered by up to `jitter` ms) of a run at `rate` steps/s.
 * @param {number} rate
 * @param {number} seconds
 */
function statuses(rate, seconds, every = 250, jitter = 40) {
  const out = [];
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let t = 0; t <= seconds * 1000; t += every) {
    const at = t + random() * jitter;
    out.push([Math.floor((rate * at) / 1000), at]);
  }
  return out;
}

test("slow motion at 1 step/s reads about 1, every time, once two steps are seen", () => {
  const meter = createRateMeter();
  const readings = statuses(1, 20)
    .map(([step, t]) => meter.add(step, t))
    .filter((r) => r !== null);
  assert.ok(readings.length > 50);
  for (const r of readings.slice(8)) assert.ok(r > 0.75 && r < 1.35, `read ${r}`);
});

test("fast runs read their rate over about a second", () => {
  for (const rate of [25, 400, 3000]) {
    const meter = createRateMeter();
    let last = null;
    for (const [step, t] of statuses(rate, 5)) last = meter.add(step, t);
    assert.ok(Math.abs(/** @type {number} */ (last) - rate) / rate < 0.1, `${rate}: read ${last}`);
  }
});

test("a run that stops changing reads less and less; a reset starts again", () => {
  const meter = createRateMeter();
  for (const [step, t] of statuses(100, 3)) meter.add(step, t);
  assert.ok(/** @type {number} */ (meter.add(300, 6000)) < 50);
  assert.equal(meter.add(0, 6250), null);
  assert.equal(meter.add(5, 6500), 20); // the new run, from its own steps only
});

test("an epoch is as many steps as the run cuts batches", () => {
  assert.equal(stepsPerEpoch(250, 10), 25);
  assert.equal(stepsPerEpoch(250, 7), 36); // 35 batches of 7 and the last 5
  assert.equal(stepsPerEpoch(250, 3), 83); // the lone 250th example joins the last batch
  assert.equal(stepsPerEpoch(250, 1), 250);
  assert.equal(stepsPerEpoch(250, 4096), 1);
  assert.equal(stepsPerEpoch(1, 10), 1);
});

test("rates read in words", () => {
  assert.equal(formatRate(0.96), "1.0 steps/s");
  assert.equal(formatRate(2830.4), "2,830 steps/s");
});
