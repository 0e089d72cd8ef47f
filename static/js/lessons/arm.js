// @ts-check
/**
 * One run of a lesson (an "arm") and its own websocket session: it starts paused with the
 * arm's spec (the lesson's seed, so every arm trains on the same data), asks for its views,
 * trains exactly the lesson's remaining steps when told to (`step n`), and says when it has
 * trained them all. lessonMode.js drives several at once; the arm knows nothing of the page.
 */

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
 *   onError: (event: ServerEvent) => void,
 *   onConnection: (state: import("../socket.js").Connection, detail: string) => void,
 * }} ArmHandlers
 * @typedef {{spec: Record<string, any>, steps: number, view: Record<string, any>,
 *            speed: number | null, tokenKey: string | null}} ArmOptions
 * `speed`: steps per second (null: as fast as the server can).
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

  const socket = createSocket({ onEvent, onFrame: h.onFrame, onConnection: h.onConnection }, { tokenKey: o.tokenKey });

  function report() {
    h.onProgress({ step, state, finished });
  }

  function start() {
    started = true;
    step = 0;
    state = "ready";
    finished = false;
    pausing = false;
    socket.send({ type: "start", spec: o.spec, paused: true });
    socket.send(o.view);
    if (o.speed !== null) socket.send({ type: "speed", steps_per_second: o.speed });
    report();
    if (wantTraining) train();
  }

  function train() {
    if (!started || finished || pausing) return;
    const n = remainingSteps(step, o.steps);
    if (n > 0) socket.send({ type: "step", n });
  }

  /** @param {ServerEvent} event */
  function onEvent(event) {
    if (event.type === "hello") {
      h.onHello(event.device);
      // A dropped socket that got its session back keeps its run; anything else starts anew.
      if (event.resumed && started && event.run) socket.send(o.view);
      else start();
    } else if (event.type === "status") {
      state = event.state;
      step = event.step; // socket.js drops the statuses of runs this arm replaced
      finished = hasFinished({ state, step }, o.steps);
      if (state === "paused" || state === "done") {
        const resume = pausing && wantTraining;
        pausing = false;
        if (resume) train();
      }
      report();
    } else if (event.type === "metrics") {
      h.onMetrics(event.points);
    } else if (event.type === "done") {
      finished = true;
      state = "done";
      report();
      h.onDone(event);
    } else if (event.type === "error") {
      h.onError(event);
    }
  }

  return {
    connect: () => socket.connect(),
    /** Trains the steps left to the lesson's budget (none when it has trained them). */
    play() {
      wantTraining = true;
      train();
    },
    pause() {
      wantTraining = false;
      if (!started || finished) return;
      pausing = true;
      socket.send({ type: "pause" });
    },
    /** The same spec again from step 0: fresh weights, the same data. */
    restart() {
      wantTraining = false;
      if (started) start();
    },
    /** @param {number | null} speed steps per second; null: as fast as the server can */
    setSpeed(speed) {
      o.speed = speed;
      if (started) socket.send({ type: "speed", steps_per_second: speed });
    },
    close: () => socket.close(),
    get finished() {
      return finished;
    },
    get step() {
      return step;
    },
  };
}
