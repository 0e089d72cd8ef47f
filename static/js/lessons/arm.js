// @ts-check
/**
 * One run of a lesson (an "arm") and its own websocket session: it starts paused with the
 * arm's spec (the lesson's seed, so every arm trains on the same data), asks for its views,
 * trains exactly the lesson's remaining steps when told to (`step n`), and says when it has
 * trained them all. Its run's control (start, frames kept for the paint, errors) is
 * runController.js's; the lesson's budget is the arm's. armGroup.js drives several at
 * once; the arm knows nothing of the page.
 */

import { createRunController } from "../runController.js";
import { createSocket } from "../socket.js";

/**
 * @typedef {import("../socket.js").ServerEvent} ServerEvent
 * @typedef {{step: number, state: string, finished: boolean}} Progress
 * @typedef {{
 *   onHello: (device: string) => void,
 *   onProgress: (progress: Progress) => void,
 *   onMetrics: (points: Record<string, any>[]) => void,
 *   onFrame: (frame: import("../frame.js").Frame) => void,
 *   onDone: (event: ServerEvent) => void,
 *   onNote: (message: string) => void,
 *   onConnection: (state: import("../socket.js").Connection, detail: string) => void,
 * }} ArmHandlers
 * @typedef {{spec: Record<string, any>, steps: number, view: Record<string, any>,
 *            speed: number | null, tokenKey: string | null}} ArmOptions
 * `speed`: steps per second (null: as fast as the server can). `onFrame`: each frame as it
 * arrives (the arm keeps the newest for `takeFrame`); `onNote`: an error or a note, in words.
 */

/**
 * The steps still to train for an arm at `step` of a lesson of `steps`.
 * @param {number} step
 * @param {number} steps
 */
export function remainingSteps(step, steps) {
  return Math.max(0, steps - step);
}

/**
 * Whether a run whose latest status is this has trained the lesson's steps: paused at (or
 * past) the budget, or done for its own reason (its epoch budget, a divergence).
 * @param {{state: string, step: number}} status
 * @param {number} steps
 */
export function hasFinished(status, steps) {
  return status.state === "done" || (status.state === "paused" && status.step >= steps);
}

/**
 * @param {ArmOptions} o
 * @param {ArmHandlers} h
 */
export function createArm(o, h) {
  let started = false;
  let step = 0;
  let state = "connecting";
  let finished = false;
  let wantTraining = false; // Play was pressed and not paused since
  let pausing = false; // a pause is on its way: until the server confirms it, `step` may lag
  let stepTarget = 0; // where a "one step" asked for ends: no second one until it is there

  const socket = createSocket(
    { onEvent: (e) => run.receive(e), onFrame: (f) => run.receiveFrame(f), onConnection: h.onConnection },
    { tokenKey: o.tokenKey, kind: "lesson" },
  );
  // Every arm starts paused (it trains by `step n`, never `resume`), with no validation:
  // armGroup.js validated its spec before making it.
  const run = createRunController({
    socket,
    speed: o.speed,
    hooks: {
      prepare: () => {
        started = true;
        step = 0;
        state = "ready";
        finished = false;
        pausing = false;
        stepTarget = 0;
        return { spec: o.spec };
      },
      view: () => o.view,
      onHello: (hello) => h.onHello(hello.device),
      onStarted: () => {
        report();
        if (wantTraining) train();
      },
      onStatus,
      onMetrics: h.onMetrics,
      onFrame: h.onFrame,
      onDone: (event) => {
        finished = true;
        state = "done";
        report();
        h.onDone(event);
      },
      onEnded: (_, message) => message && h.onNote(message),
      onError: (field, message) => h.onNote(field ? `${field}: ${message}` : message),
      onNote: h.onNote,
    },
  });

  function report() {
    h.onProgress({ step, state, finished });
  }

  function train() {
    if (!started || run.ended || finished || pausing) return;
    const n = remainingSteps(step, o.steps);
    if (n > 0) run.step(n);
  }

  /** @param {ServerEvent} event the arm's run's (socket.js drops the runs it replaced) */
  function onStatus(event) {
    state = event.state;
    step = event.step;
    finished = hasFinished({ state, step }, o.steps);
    if (state === "paused" || state === "done") {
      const resume = pausing && wantTraining;
      pausing = false;
      if (resume) train();
    }
    report();
  }

  return {
    connect: () => socket.connect(),
    /** Trains the steps left to the lesson's budget (none when it has trained them). */
    play() {
      wantTraining = true;
      train();
    },
    /** Trains one step while paused (none while playing, or while the last is on its way). */
    stepOnce() {
      if (!started || run.ended || finished || pausing || wantTraining || stepTarget > step) return;
      if (remainingSteps(step, o.steps) === 0) return;
      stepTarget = step + 1;
      run.step(1);
    },
    pause() {
      wantTraining = false;
      if (!started || finished) return;
      pausing = true;
      run.pause();
    },
    /** The same spec again from step 0: fresh weights, the same data. */
    restart() {
      wantTraining = false;
      if (started) void run.restart();
    },
    /** @param {number | null} speed steps per second; null: as fast as the server can */
    setSpeed(speed) {
      o.speed = speed;
      run.setSpeed(speed);
    },
    /** The newest frame not yet painted (null: none): lessonMode.js paints every arm's at once. */
    takeFrame: () => run.takeFrame(),
    close: () => socket.close(),
    get finished() {
      return finished;
    },
    get step() {
      return step;
    },
  };
}
