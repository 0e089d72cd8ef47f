// Unit tests of static/js/framePacer.js: the page asks frames at the rate it paints them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { WINDOW_MS, createFramePacer } from "../../static/js/framePacer.js";

/**
 * One window of `got` frames received and `shown` painted; what the pacer says at its end.
 * @param {ReturnType<typeof createFramePacer>} pacer
 * @param {{t: number}} clock
 * @param {number} got
 * @param {number} shown
 */
function window(pacer, clock, got, shown) {
  pacer.tick(clock.t);
  for (let i = 0; i < got; i++) pacer.received();
  for (let i = 0; i < shown; i++) pacer.painted();
  clock.t += WINDOW_MS;
  return pacer.tick(clock.t);
}

test("a page that paints a third of the frames it is sent comes down to the rate it paints", () => {
  const pacer = createFramePacer({ max: 30 });
  const clock = { t: 1000 };
  assert.equal(pacer.fps, 30);
  assert.equal(window(pacer, clock, 40, 12), 15, "halved at most in one window");
  assert.equal(window(pacer, clock, 30, 12), 7);
  assert.equal(window(pacer, clock, 14, 12), null, "a seventh lost: it holds");
  assert.equal(window(pacer, clock, 14, 14), 9, "none lost: it climbs back");
  assert.equal(window(pacer, clock, 18, 12), 6, "lost again: down to what it painted (12 in 2 s)");
});

test("one stalled window halves the fps of a fast browser, which then climbs back", () => {
  const pacer = createFramePacer({ max: 30 });
  const clock = { t: 0 };
  assert.equal(window(pacer, clock, 40, 4), 15);
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(window(pacer, clock, 2 * pacer.fps, 2 * pacer.fps));
  assert.deepEqual(seen, [19, 24, 30, null]);
});

test("without losses the fps climbs back to the ceiling and never past it", () => {
  const pacer = createFramePacer({ max: 30 });
  const clock = { t: 0 };
  for (let i = 0; i < 6; i++) window(pacer, clock, 2 * pacer.fps + 4, 0);
  assert.equal(pacer.fps, 2, "never below the least");
  const seen = [];
  for (let i = 0; i < 20; i++) {
    window(pacer, clock, 2 * pacer.fps, 2 * pacer.fps);
    seen.push(pacer.fps);
  }
  assert.equal(Math.max(...seen), 30);
  assert.deepEqual(seen.slice(0, 4), [3, 4, 5, 6]);
  assert.ok(
    seen.every((v, i) => i === 0 || v >= seen[i - 1]),
    `${seen}`,
  );
});

test("jitter, a paused run or a half-finished window change nothing", () => {
  const pacer = createFramePacer({ max: 30 });
  const clock = { t: 0 };
  assert.equal(window(pacer, clock, 60, 50), null, "a sixth lost: jitter");
  assert.equal(window(pacer, clock, 60, 59), null, "at the ceiling already");
  assert.equal(window(pacer, clock, 3, 0), null, "too few frames to judge");
  pacer.received();
  assert.equal(pacer.tick(clock.t + WINDOW_MS / 2), null);
  assert.equal(pacer.fps, 30);
});

test("a new run asks the ceiling again", () => {
  const pacer = createFramePacer({ max: 30 });
  const clock = { t: 0 };
  window(pacer, clock, 60, 10);
  assert.equal(pacer.fps, 15);
  pacer.reset();
  assert.equal(pacer.fps, 30);
  assert.equal(window(pacer, clock, 60, 60), null);
});
