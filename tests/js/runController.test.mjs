// Unit tests of static/js/runController.js, the run control every page wires its views to:
// a fake socket records what is sent and the test delivers the server's events; a fake
// animation clock and fake timers let each race be played out in a chosen order.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createFramePacer } from "../../static/js/framePacer.js";
import { createRunController } from "../../static/js/runController.js";

/** A socket that records what is sent; `run` is the session's run as socket.js keeps it. */
function fakeSocket() {
  return {
    /** @type {Record<string, any>[]} */
    sent: [],
    /** @type {string | null} */
    run: null,
    /** @param {Record<string, any>} message */
    send(message) {
      this.sent.push(message);
      return true;
    },
    /** @param {string} type */
    count(type) {
      return this.sent.filter((m) => m.type === type).length;
    },
    /** @param {string} type */
    last(type) {
      return this.sent.findLast((m) => m.type === type);
    },
  };
}

/** A frame of `run` at `step` (no arrays: the controller reads the header only). */
function frame(step, { run = "r1", epoch = 0, names = [], values = {} } = {}) {
  return { header: { type: "frame", run, step, epoch, values }, names, arrays: {} };
}

/**
 * A controller on a fake socket, animation clock and timers, recording what it tells the page.
 * @param {{validate?: () => Promise<any>, prepare?: (answer: any, current: () => boolean) => any,
 *          adopts?: (hello: any) => boolean, pacer?: any, speed?: number | null}} [o]
 */
function setup(o = {}) {
  const socket = fakeSocket();
  /** @type {(() => void)[]} */
  const animation = [];
  /** @type {Map<number, () => void>} */
  const timers = new Map();
  let timerId = 0;
  const seen = {
    painted: /** @type {number[]} */ ([]),
    progress: /** @type {any[]} */ ([]),
    statuses: /** @type {any[]} */ ([]),
    metrics: /** @type {number[]} */ ([]),
    errors: /** @type {any[]} */ ([]),
    notes: /** @type {string[]} */ ([]),
    playing: /** @type {boolean[]} */ ([]),
    ended: /** @type {string[]} */ ([]),
    resets: 0,
  };
  let clock = 0;
  const ctl = createRunController({
    socket,
    speed: o.speed ?? null,
    pacer: o.pacer ?? null,
    requestFrame: (f) => void animation.push(f),
    now: () => clock,
    setTimer: (f) => (timers.set(++timerId, f), timerId),
    clearTimer: (id) => void timers.delete(id),
    hooks: {
      validate: o.validate ?? (async () => ({ valid: true })),
      prepare: o.prepare ?? ((answer) => (answer?.valid ? { spec: answer.spec ?? { seed: 0 } } : null)),
      view: () => ({ type: "view", views: ["metrics"], fps: 30 }),
      adopts: o.adopts,
      onPlaying: (on) => seen.playing.push(on),
      onProgress: (p) => seen.progress.push(p),
      onStatus: (s) => seen.statuses.push(s),
      onMetrics: (points) => seen.metrics.push(...points.map((p) => p.step)),
      onReset: () => (seen.resets += 1),
      onEnded: (reason) => seen.ended.push(reason),
      onError: (field, message) => seen.errors.push({ field, message }),
      onNote: (message) => seen.notes.push(message),
      paint: (f) => seen.painted.push(f.header.step),
    },
  });
  ctl.startPainting();
  return {
    ctl,
    socket,
    seen,
    /** One animation frame: the newest frame (if any) is painted. */
    tick(ms = 16) {
      clock += ms;
      const callbacks = animation.splice(0);
      for (const f of callbacks) f();
    },
    /** The debounce timers fire. */
    fireTimers() {
      const due = [...timers.values()];
      timers.clear();
      for (const f of due) f();
    },
    pendingTimers: () => timers.size,
  };
}

/** Lets the controller's promise callbacks (a validation's answer) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A started run "r1", as after a fresh page's hello. */
async function started(o = {}) {
  const t = setup(o);
  t.ctl.receive({ type: "hello", resumed: false, run: null, device: "cpu" });
  await settle();
  t.socket.run = "r1"; // socket.js adopts the first new run id as the start's answer
  return t;
}

test("a fresh page starts its spec paused, asks for its views, and paints the newest frame once", async () => {
  const t = setup({ speed: 5 });
  t.ctl.receiveFrame(frame(3, { run: "old" })); // before any start: someone else's
  t.ctl.receive({ type: "hello", resumed: false, run: null, device: "cpu" });
  assert.equal(t.socket.sent.length, 0, "nothing is sent before the spec is validated");
  await settle();
  assert.deepEqual(
    t.socket.sent.map((m) => m.type),
    ["start", "view", "speed"],
  );
  assert.equal(t.socket.last("start").paused, true);
  assert.equal(t.socket.last("speed").steps_per_second, 5);
  t.tick();
  assert.deepEqual(t.seen.painted, [], "a frame from before the start is never painted");
  t.ctl.receiveFrame(frame(1));
  t.ctl.receiveFrame(frame(2, { epoch: 1 }));
  t.tick();
  t.tick();
  assert.deepEqual(t.seen.painted, [2], "latest wins, painted once");
  assert.deepEqual(t.ctl.progress, { step: 2, epoch: 1 });
});

test("progress never moves back: a late frame does not undo a newer status", async () => {
  const t = await started();
  t.ctl.receive({ type: "status", run: "r1", state: "running", step: 10, epoch: 2 });
  t.ctl.receiveFrame(frame(8, { epoch: 1 }));
  t.tick();
  assert.deepEqual(t.seen.painted, [8]);
  assert.deepEqual(t.ctl.progress, { step: 10, epoch: 2 });
  assert.deepEqual(t.seen.progress.at(-1), { step: 10, epoch: 2 });
});

test("a reset while frames are in flight: no frame, status or metric of the old weights is shown", async () => {
  const t = await started();
  t.ctl.play();
  t.ctl.receiveFrame(frame(5));
  t.tick();
  t.ctl.receive({ type: "status", run: "r1", state: "running", step: 10, epoch: 1 });
  t.ctl.receiveFrame(frame(8)); // arrived, not yet painted, when Reset is pressed
  t.ctl.reset();
  assert.deepEqual(
    t.socket.sent.slice(-2),
    [{ type: "reset", seed: null }, { type: "resume" }],
    "a playing run plays on after its reset",
  );
  assert.equal(t.seen.resets, 1);
  assert.equal(t.ctl.progress.step, 0);
  // The old weights' events, sent before the server saw the reset:
  t.ctl.receiveFrame(frame(12));
  t.ctl.receive({ type: "status", run: "r1", state: "running", step: 14, epoch: 1 });
  t.ctl.receive({ type: "metrics", run: "r1", points: [{ step: 13 }] });
  t.tick();
  assert.deepEqual(t.seen.painted, [5], "a frame of the old weights was painted after the reset");
  assert.equal(t.ctl.progress.step, 0, "the old weights' progress came back");
  assert.deepEqual(t.seen.metrics, []);
  assert.equal(t.seen.statuses.length, 1);
  // The server's answer: step 0, then the fresh weights train.
  t.ctl.receive({ type: "status", run: "r1", state: "running", step: 0, epoch: 0 });
  t.ctl.receive({ type: "metrics", run: "r1", points: [{ step: 1 }] });
  t.ctl.receiveFrame(frame(2));
  t.tick();
  assert.deepEqual(t.seen.painted, [5, 2]);
  assert.deepEqual(t.seen.metrics, [1]);
  assert.equal(t.ctl.progress.step, 2);
});

test("the server resets the run unasked: its first status behind the last starts the views over", async () => {
  for (const noticeFirst of [true, false]) {
    // The teacher's "Reset all": the class notice and the reset's statuses in either order.
    const t = await started();
    t.ctl.play();
    t.ctl.receive({ type: "status", run: "r1", state: "running", step: 300, epoch: 6 });
    t.ctl.receiveFrame(frame(305)); // of the old weights, waiting for its paint
    if (noticeFirst) t.ctl.resetShown();
    t.ctl.receive({ type: "status", run: "r1", state: "running", step: 310, epoch: 6 }); // in flight
    t.ctl.receive({ type: "status", run: "r1", state: "running", step: 4, epoch: 0 });
    if (!noticeFirst) t.ctl.resetShown();
    t.tick();
    assert.deepEqual(t.seen.painted, [], "the old weights' frame is not painted");
    assert.deepEqual(t.ctl.progress, { step: 4, epoch: 0 }, `notice first: ${noticeFirst}`);
    assert.equal(t.seen.resets, 1);
    t.ctl.receive({ type: "status", run: "r1", state: "running", step: 20, epoch: 0 });
    t.ctl.receiveFrame(frame(20));
    t.tick();
    assert.deepEqual(t.ctl.progress, { step: 20, epoch: 0 }, "and it goes on from there");
    assert.deepEqual(t.seen.painted, [20]);
  }
});

test("a restart during a restart: only the last one starts, and a burst of changes is one restart", async () => {
  /** @type {((answer: any) => void)[]} */
  const answers = [];
  const t = await started();
  const validate = () => new Promise((resolve) => answers.push(resolve));
  t.ctl.receiveFrame(frame(1));
  // Three quick changes: the old run's frames stop at once, one timer is left.
  t.ctl.restartSoon();
  t.ctl.restartSoon();
  t.ctl.restartSoon();
  assert.equal(t.pendingTimers(), 1);
  assert.equal(t.ctl.live, false);
  t.tick();
  t.ctl.receiveFrame(frame(2));
  t.ctl.receive({ type: "status", run: "r1", state: "running", step: 30, epoch: 3 });
  t.tick();
  assert.deepEqual(t.seen.painted, [], "the replaced network's frames were painted");
  assert.deepEqual([t.seen.statuses, t.ctl.progress.step], [[], 0], "the replaced network's status was shown");
  // A validator that answers when the test says: two restarts race.
  /** @type {any[]} */
  const prepared = [];
  const t2 = setup({ validate, prepare: (answer) => (prepared.push(answer), { spec: answer }) });
  t2.ctl.restartSoon();
  t2.fireTimers(); // restart 1 validates…
  t2.ctl.restartSoon();
  t2.fireTimers(); // …restart 2 too, before the first answer
  assert.equal(answers.length, 2);
  answers[1]({ seed: 2 });
  await settle();
  answers[0]({ seed: 1 }); // the overtaken one answers last
  await settle();
  assert.deepEqual(prepared, [{ seed: 2 }], "the overtaken restart's answer was shown");
  assert.equal(t2.socket.count("start"), 1, "the overtaken restart started a run too");
  assert.deepEqual(t2.socket.last("start").spec, { seed: 2 });
  t2.ctl.receiveFrame(frame(1, { run: "r2" }));
  t2.tick();
  assert.deepEqual(t2.seen.painted, [1]);
});

test("an overtaken validation that answers first starts nothing either", async () => {
  /** @type {((answer: any) => void)[]} */
  const answers = [];
  const t = setup({
    validate: () => new Promise((resolve) => answers.push(resolve)),
    prepare: (answer) => ({ spec: answer }),
  });
  void t.ctl.restart();
  t.ctl.restartSoon();
  answers[0]({ seed: 1 });
  await settle();
  assert.equal(t.socket.count("start"), 0);
  t.fireTimers();
  answers[1]({ seed: 2 });
  await settle();
  assert.deepEqual(
    t.socket.sent.filter((m) => m.type === "start").map((m) => m.spec),
    [{ seed: 2 }],
  );
});

test("a spec that cannot train pauses the old run and paints none of it", async () => {
  let valid = false;
  const t2 = setup({ validate: async () => ({ valid }) });
  t2.ctl.play();
  void t2.ctl.restart();
  await settle();
  assert.deepEqual(
    t2.socket.sent.map((m) => m.type),
    ["pause"],
    "an invalid spec was started",
  );
  assert.equal(t2.ctl.playing, false);
  t2.ctl.receiveFrame(frame(1));
  t2.tick();
  assert.deepEqual(t2.seen.painted, []);
  t2.ctl.play(); // Play with nothing trainable only remembers
  assert.equal(t2.socket.count("resume"), 0, "Play trained the hidden old run");
  valid = true;
  void t2.ctl.restart();
  await settle();
  assert.equal(t2.socket.last("start").paused, false, "Play pressed meanwhile starts the run playing");
});

test("play, pause and step send their messages; a finished run starts afresh on Play or Step", async () => {
  const t = await started({ speed: null });
  t.ctl.play();
  t.ctl.pause();
  t.ctl.step(() => 7);
  assert.deepEqual(t.socket.sent.slice(-3), [{ type: "resume" }, { type: "pause" }, { type: "step", n: 7 }]);
  assert.deepEqual(t.seen.playing, [true, false, false]);
  t.ctl.setSpeed(3);
  assert.deepEqual(t.socket.last("speed"), { type: "speed", steps_per_second: 3 });
  t.ctl.receive({ type: "status", run: "r1", state: "done", step: 40, epoch: 4, reason: "diverged" });
  assert.equal(t.ctl.ended, "diverged");
  assert.deepEqual(t.seen.ended, ["diverged"]);
  const starts = t.socket.count("start");
  t.ctl.play();
  await settle();
  assert.equal(t.socket.count("resume"), 1, "Play resumed a run that cannot train");
  assert.equal(t.socket.count("start"), starts + 1);
  assert.equal(t.socket.last("start").paused, false);
  assert.equal(t.ctl.ended, "");
  t.ctl.receive({ type: "done", run: "r2", reason: "max_epochs", detail: "" });
  t.ctl.step(2);
  await settle();
  assert.equal(t.socket.count("start"), starts + 2);
  assert.deepEqual(
    t.socket.sent.slice(-4).map((m) => m.type),
    ["start", "step", "view", "speed"],
  );
  assert.equal(t.socket.last("start").paused, true);
});

test("errors go to the control they name; a view that cannot be shown is a note; a lost run ends", async () => {
  const t = await started();
  t.ctl.receive({ type: "error", field: "train.lr", code: "invalid", message: "must be at most 10" });
  t.ctl.receive({ type: "error", field: "views", code: "invalid", message: "accuracy by length needs a sequence" });
  t.ctl.receive({ type: "error", code: "bad_message", message: "not JSON" });
  assert.deepEqual(t.seen.errors, [
    { field: "train.lr", message: "must be at most 10" },
    { field: "", message: "not JSON" },
  ]);
  assert.deepEqual(t.seen.notes, ["accuracy by length needs a sequence"]);
  t.ctl.play();
  t.ctl.receive({ type: "error", code: "no_run", message: "no run" });
  assert.equal(t.ctl.ended, "failed");
  assert.equal(t.ctl.playing, false);
});

test("a reload adopts the resumed run that shows the same spec: no new start, its state is the page's", async () => {
  const t = setup({ adopts: (hello) => hello.shown === "mine" });
  t.socket.run = "r9";
  t.ctl.receive({ type: "hello", resumed: true, run: "r9", shown: "mine", device: "cpu" });
  t.ctl.receive({ type: "status", run: "r9", state: "running", step: 40, epoch: 4 }); // before validation answers
  assert.equal(t.seen.statuses.length, 0);
  await settle();
  assert.equal(t.socket.count("start"), 0, "the resumed run was replaced");
  assert.equal(t.socket.count("view"), 1);
  assert.equal(t.ctl.playing, true);
  assert.equal(t.ctl.progress.step, 40);
  // Another spec's run is not adopted.
  const other = setup({ adopts: (hello) => hello.shown === "mine" });
  other.ctl.receive({ type: "hello", resumed: true, run: "r9", shown: "theirs", device: "cpu" });
  await settle();
  assert.equal(other.socket.count("start"), 1);
  // A dropped socket that got its session back keeps its live run: views again, no start.
  t.ctl.receive({ type: "hello", resumed: true, run: "r9", shown: "", device: "cpu" });
  await settle();
  assert.equal(t.socket.count("start"), 0);
  assert.equal(t.socket.count("view"), 2);
});

test("adopt: a watched run becomes the page's without a start; a new run is prepared and adopted afresh", async () => {
  let prepared = 0;
  const t = setup({ prepare: () => (++prepared, { spec: { seed: 0 } }) });
  t.socket.run = "r1";
  void t.ctl.adopt();
  t.ctl.receive({ type: "status", run: "r1", state: "paused", step: 12, epoch: 1 }); // while it prepares
  await settle();
  assert.equal(prepared, 1);
  assert.equal(t.ctl.playing, false);
  assert.equal(t.ctl.progress.step, 12);
  t.ctl.receiveFrame(frame(13, { run: "r1" }));
  t.tick();
  assert.deepEqual(t.seen.painted, [13], "the watched run's frame is not painted");
  // The student starts another network: the page lays it out and follows its run.
  t.socket.run = "r2";
  void t.ctl.adopt();
  t.ctl.receiveFrame(frame(14, { run: "r1" })); // the old run's, while it prepares: not painted
  await settle();
  t.ctl.receive({ type: "status", run: "r2", state: "running", step: 3, epoch: 0 });
  assert.equal(prepared, 2);
  assert.equal(t.ctl.playing, true);
  assert.equal(t.ctl.progress.step, 3, "the new run's counter starts from its own step");
  t.tick();
  assert.deepEqual(t.seen.painted, [13]);
  assert.equal(t.socket.count("start"), 0, "a watched run was replaced by the page's own");
});

test("the frame pacer lowers the fps a page asks when it paints fewer frames than it gets", async () => {
  const pacer = createFramePacer({ max: 30 });
  const t = await started({ pacer });
  const views = t.socket.count("view");
  // 2 s of 30 frames a second, of which the page painted one in five.
  for (let i = 1; i <= 60; i++) {
    t.ctl.receiveFrame(frame(i));
    if (i % 5 === 0) t.tick(1000 / 6);
  }
  t.tick(300);
  assert.ok(pacer.fps < 30);
  assert.equal(t.socket.count("view"), views + 1, "the new fps was not asked");
});
