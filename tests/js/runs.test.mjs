// Unit tests of what the page shows of its run, run by `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatLoss } from "../../static/js/readouts.js";
import { claimToken, releaseToken } from "../../static/js/socket.js";
import { statusDisplay } from "../../static/js/views/topBar.js";

test("a failed run's status with no step or epoch keeps the counter and stops Play", () => {
  const failed = {
    type: "status",
    run: "r",
    state: "done",
    step: null,
    epoch: null,
    steps_per_s: 0,
    reason: "failed",
    detail: "its worker died",
  };
  assert.deepEqual(statusDisplay(failed, null), { epoch: null, rate: "failed", playing: false });
  assert.deepEqual(statusDisplay({ state: "done", step: 40, epoch: 4, steps_per_s: null, reason: "diverged" }, 12), {
    epoch: 4,
    rate: "diverged",
    playing: false,
  });
  // While running, the rate is the page's own measure (the server's steps_per_s is not read).
  assert.deepEqual(statusDisplay({ state: "running", step: 40, epoch: 4, steps_per_s: 9999 }, 1234.4), {
    epoch: 4,
    rate: "1,234 steps/s",
    playing: null,
  });
  assert.deepEqual(statusDisplay({ state: "running", step: null, epoch: null, steps_per_s: null }, null), {
    epoch: null,
    rate: "…",
    playing: null,
  });
  assert.deepEqual(statusDisplay({ state: "paused", step: 3, epoch: 0, steps_per_s: 0 }, null), {
    epoch: 0,
    rate: "paused",
    playing: false,
  });
  assert.deepEqual(statusDisplay({ state: "done", step: 9, epoch: 9, reason: "max_epochs" }, 3), {
    epoch: 9,
    rate: "max epochs",
    playing: false,
  });
});

test("a loss reads as a number, compactly when huge, and 'diverged' when not finite", () => {
  assert.equal(formatLoss(0.12345), "0.123");
  assert.equal(formatLoss(374668736), "3.75e+8");
  for (const wild of [null, undefined, NaN, Infinity, -Infinity]) assert.equal(formatLoss(wild), "diverged");
});

test("a reload keeps its own token; a reopened tab takes the last one released showing the same", () => {
  const spec = '{"dataset":"xor"}';
  const released = [
    { token: "old", shown: spec, expires: 50 }, // expired
    { token: "a", shown: spec, expires: 200 },
    { token: "b", shown: '{"dataset":"spiral"}', expires: 200 },
    { token: "c", shown: spec, expires: 200 },
  ];
  const reload = claimToken(released, { own: "a", shown: spec, now: 100 });
  assert.equal(reload.token, "a");
  assert.deepEqual(
    reload.released.map((r) => r.token),
    ["b", "c"],
  );
  const reopened = claimToken(released, { own: null, shown: spec, now: 100 });
  assert.deepEqual([reopened.token, reopened.shown], ["c", spec]);
  assert.deepEqual(
    reopened.released.map((r) => r.token),
    ["a", "b"],
  );
  // a second new tab showing the same takes the other one, never the same token twice
  assert.equal(claimToken(reopened.released, { own: null, shown: spec, now: 100 }).token, "a");
  assert.equal(claimToken(released, { own: null, shown: '{"dataset":"moons"}', now: 100 }).token, null);
  assert.equal(claimToken(released, { own: null, shown: "", now: 100 }).token, null); // a lesson's arm
  assert.equal(claimToken(released, { own: null, shown: spec, now: 300 }).token, null); // past the grace
});

test("releasing a token replaces its older entry and keeps the list short", () => {
  let list = [];
  for (let i = 0; i < 40; i++) list = releaseToken(list, { token: `t${i}`, shown: "s", expires: 1000 + i }, 0);
  assert.equal(list.length, 16);
  assert.equal(list.at(-1).token, "t39");
  list = releaseToken(list, { token: "t39", shown: "s2", expires: 2000 }, 1029);
  assert.deepEqual(
    list.map((r) => r.token),
    ["t30", "t31", "t32", "t33", "t34", "t35", "t36", "t37", "t38", "t39"],
  );
  assert.equal(list.at(-1).shown, "s2");
});
