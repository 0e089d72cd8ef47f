// Unit tests of what the page shows of its run, run by `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatLoss } from "../../static/js/readouts.js";
import { statusDisplay } from "../../static/js/views/topBar.js";

test("a failed run's status with no step or epoch keeps the counter and stops Play", () => {
  const failed = { type: "status", run: "r", state: "done", step: null, epoch: null, steps_per_s: 0, reason: "failed", detail: "its worker died" };
  assert.deepEqual(statusDisplay(failed), { epoch: null, rate: "failed", playing: false });
  assert.deepEqual(statusDisplay({ state: "done", step: 40, epoch: 4, steps_per_s: null, reason: "diverged" }), { epoch: 4, rate: "diverged", playing: false });
  assert.deepEqual(statusDisplay({ state: "running", step: 40, epoch: 4, steps_per_s: 1234.4 }), { epoch: 4, rate: "1,234 steps/s", playing: null });
  assert.deepEqual(statusDisplay({ state: "running", step: null, epoch: null, steps_per_s: null }), { epoch: null, rate: "0 steps/s", playing: null });
  assert.deepEqual(statusDisplay({ state: "paused", step: 3, epoch: 0, steps_per_s: 0 }), { epoch: 0, rate: "paused", playing: false });
  assert.deepEqual(statusDisplay({ state: "done", step: 9, epoch: 9, reason: "max_epochs" }), { epoch: 9, rate: "max epochs", playing: false });
});

test("a loss reads as a number, compactly when huge, and 'diverged' when not finite", () => {
  assert.equal(formatLoss(0.12345), "0.123");
  assert.equal(formatLoss(374668736), "3.75e+8");
  for (const wild of [null, undefined, NaN, Infinity, -Infinity]) assert.equal(formatLoss(wild), "diverged");
});
