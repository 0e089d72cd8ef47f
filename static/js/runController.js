// @ts-check
/**
 * One run's control on a page (docs/protocol.md, "Runs"): the playground, the GAN page and
 * each lesson arm wire their views to one of these. It owns what is hard to get right and
 * the same on every page, and no DOM:
 *
 * - **Start and restart.** `restartSoon()` after a structural change (a burst of clicks
 *   starts one run, 120 ms after the last); `restart()` at once. Each bumps a generation
 *   counter, so a restart overtaken while the page validated its spec starts nothing: only
 *   the last one's `start` is sent. From the first change until the new run is started the
 *   run is not `live`: the old run's frames and statuses are not what the page shows.
 * - **Reset.** `reset()` asks for fresh weights; until the server answers (the first event
 *   from step 0, or below the step the reset came at) events of the old weights still in
 *   flight are dropped, and the frame waiting to be painted is thrown away.
 * - **Play, pause, step, speed, retune.** Play or Step on a run that ended (diverged,
 *   failed, done) starts the page's spec afresh; a page with no live run only remembers
 *   whether to start its next run playing.
 * - **Progress.** The step and epoch shown never move back (statuses and frames both carry
 *   them, a late frame must not undo a status), and start again from 0 on a reset or run.
 * - **Painting.** Frames of the live run are kept latest-wins (`frame.supersede`: what only
 *   a replaced frame carried passes on) and painted at most once per animation frame; the
 *   optional frame pacer asks for frames at the rate the page paints them.
 * - **Errors.** An `error` goes to `onError(field, message)` for the page to put next to
 *   the control that field belongs to; one about `views` is a note (`onNote`), not a fault;
 *   `no_run` (the session's run is gone) ends the run.
 * - **A reload.** A resumed session's run that shows what the page shows (`adopts`) goes on
 *   as the page's own: its first status says whether it plays. `adopt()` does the same for
 *   a run the page only watches (the teacher's read-only view, watchSocket.js).
 *
 * The socket (socket.js) stays the page's: it drops events of runs a `start` replaced; the
 * page hands what arrives to `receive` and `receiveFrame`.
 */

import { supersede } from "./frame.js";

export const RESTART_DELAY_MS = 120; // a burst of clicks (+ + +) starts one run

/**
 * @typedef {import("./socket.js").ServerEvent} ServerEvent
 * @typedef {import("./frame.js").Frame} Frame
 * @typedef {{send: (message: Record<string, any>) => boolean, readonly run: string | null}} RunSocket
 *   what the controller needs of socket.js (a test's fake records what is sent)
 * @typedef {{step: number, epoch: number}} Progress
 * @typedef {{spec: Record<string, any>}} Ready a validated spec to start
 * @typedef {{
 *   validate?: () => Promise<any>,
 *   prepare: (answer: any, current: () => boolean) => Ready | null,
 *   view: () => Record<string, any> | null,
 *   adopts?: (hello: ServerEvent) => boolean,
 *   onHello?: (hello: ServerEvent) => void,
 *   onStarted?: (spec: Record<string, any>) => void,
 *   onPlaying?: (playing: boolean) => void,
 *   onProgress?: (progress: Progress) => void,
 *   onStatus?: (status: ServerEvent) => void,
 *   onMetrics?: (points: Record<string, any>[]) => void,
 *   onDone?: (done: ServerEvent) => void,
 *   onEnded?: (reason: string, message?: string) => void,
 *   onReset?: () => void,
 *   onError?: (field: string, message: string) => void,
 *   onNote?: (message: string) => void,
 *   onEvent?: (event: ServerEvent) => void,
 *   onFrame?: (frame: Frame) => void,
 *   paint?: (frame: Frame) => void,
 *   onAnimationFrame?: (now: number) => void,
 * }} RunHooks
 * `validate`: checks the page's spec (POST /api/validate; it may answer null: nothing to
 *   check); left out, a restart is synchronous. `prepare`: shows that answer (shapes or
 *   errors) and says what to start, or null when nothing can train (the page said why; the
 *   old run is paused); `current()` stays true while this restart is the latest.
 *   `onStarted`: the page's `start` (and `view`) went out.
 * `view`: the `view` message for the live run (null: none). `adopts`: whether a resumed
 *   session's run shows what this page shows. `onStatus`, `onMetrics`: the live run's,
 *   after a reset's answer. `onEnded`: the run trains no more (`ended` says why; `message`:
 *   the server's words when the session's run was lost).
 *   `onReset`: the page clears its views for fresh weights. `onFrame`: each frame of the
 *   live run as it arrives (before it is painted, or replaced). `paint`: the newest frame,
 *   once, on an animation frame; `onAnimationFrame`: every animation frame, after it.
 * @typedef {{
 *   socket: RunSocket,
 *   hooks: RunHooks,
 *   speed?: number | null,
 *   pacer?: ReturnType<typeof import("./framePacer.js").createFramePacer> | null,
 *   requestFrame?: (callback: () => void) => void,
 *   now?: () => number,
 *   setTimer?: (callback: () => void, ms: number) => any,
 *   clearTimer?: (timer: any) => void,
 *   restartDelayMs?: number,
 * }} RunControllerOptions
 * `speed`: steps per second (null: as fast as the server can). `requestFrame`, `now` and
 * the timers default to the browser's (a test passes its own).
 */

/** @param {RunControllerOptions} o */
export function createRunController(o) {
  const { socket, hooks } = o;
  const requestFrame = o.requestFrame ?? ((/** @type {() => void} */ f) => void requestAnimationFrame(f));
  const now = o.now ?? (() => performance.now());
  const setTimer = o.setTimer ?? ((/** @type {() => void} */ f, /** @type {number} */ ms) => setTimeout(f, ms));
  const clearTimer = o.clearTimer ?? ((/** @type {any} */ t) => clearTimeout(t));
  const pacer = o.pacer ?? null;
  let speed = o.speed ?? null;

  let generation = 0; // of restarts: one that sees it move was overtaken
  /** @type {any} */
  let timer = null;
  let live = false; // a run of what the page shows is the session's (until then, frames are someone else's)
  let started = false; // this page has a run at all (speed messages need one)
  let playing = false;
  let ended = ""; // why the live run trains no more ("diverged", "failed"…), "" while it can
  /** @type {number | null} the step a reset was asked at, until the server answers it */
  let resetFrom = null;
  let adopting = false; // a run resumed after a reload: its first status says if it plays
  /** @type {ServerEvent | null} */
  let resumedStatus = null;
  /** @type {Frame | null} */
  let pending = null;
  let step = 0;
  let epoch = 0;
  let statusStep = 0; // the last status's step: statuses arrive in order, frames may lag

  /** @param {boolean} on */
  function setPlaying(on) {
    playing = on;
    hooks.onPlaying?.(on);
  }

  /** Progress starts again from 0: a new run, a reset, or none to show. */
  function zeroProgress() {
    step = epoch = statusStep = 0;
    hooks.onProgress?.({ step, epoch });
  }

  /**
   * Statuses and frames both carry the progress; a frame painted late must not move the
   * counter back, so the step orders them.
   * @param {unknown} s null in a failed run's status
   * @param {unknown} e
   */
  function showProgress(s, e) {
    if (typeof s !== "number" || s < step) return;
    step = s;
    if (typeof e === "number") epoch = e;
    hooks.onProgress?.({ step, epoch });
  }

  /**
   * After a reset, events of the old weights may still arrive: the first event from step 0
   * (or below the step the reset came at) is the reset's answer.
   * @param {number} s
   */
  function resetDone(s) {
    if (resetFrom !== null && (s === 0 || s < resetFrom)) resetFrom = null;
    return resetFrom === null;
  }

  /** A structural change: the run shown is no longer the session's; one starts soon. */
  function restartSoon() {
    clearTimer(timer);
    generation += 1;
    live = false;
    pending = null; // the replaced network's last frame is not painted either
    timer = setTimer(() => void restart(), o.restartDelayMs ?? RESTART_DELAY_MS);
  }

  /**
   * Validates the page's spec and starts it as a new run, unless a newer restart overtook it.
   * @param {{stepAfter?: number | (() => number), resume?: boolean, reopen?: string}} [options]
   *   `stepAfter`: train this many steps of the new run (Step on an ended run; a function:
   *   counted for the new run); `resume`: adopt the session's resumed run; `reopen`: the
   *   recorded run of this id continues, paused, in place of a new run of the spec
   * @returns {Promise<void>}
   */
  function restart(options = {}) {
    clearTimer(timer);
    const mine = ++generation;
    live = false;
    pending = null;
    if (!hooks.validate) {
      begin(mine, null, options);
      return Promise.resolve();
    }
    return hooks.validate().then((answer) => {
      if (mine === generation) begin(mine, answer, options);
    });
  }

  /**
   * @param {number} mine
   * @param {any} answer
   * @param {{stepAfter?: number | (() => number), resume?: boolean, reopen?: string}} options
   */
  function begin(mine, answer, { stepAfter, resume = false, reopen }) {
    const ready = hooks.prepare(answer, () => mine === generation);
    pending = null;
    if (!ready) {
      block();
      return;
    }
    pacer?.reset();
    resetFrom = null;
    ended = "";
    zeroProgress();
    live = started = true;
    if (resume && adopting) {
      adoptStatus();
      sendView();
      return;
    }
    adopting = false; // a run of this page's own: nothing resumed to adopt
    if (reopen) {
      setPlaying(false); // a recorded run comes back paused: Play continues it
      socket.send({ type: "reopen", id: reopen, paused: true });
      sendView();
      hooks.onStarted?.(ready.spec);
      return;
    }
    socket.send({ type: "start", spec: ready.spec, paused: !playing });
    if (stepAfter) socket.send({ type: "step", n: typeof stepAfter === "function" ? stepAfter() : stepAfter });
    sendView();
    hooks.onStarted?.(ready.spec);
  }

  /** Nothing shown can train: the old run (still the session's) is paused, never trained by Play. */
  function block() {
    adopting = false;
    socket.send({ type: "pause" });
    setPlaying(false);
    zeroProgress();
  }

  /** The `view` message for the live run, then its speed (the server keeps both per run). */
  function sendView() {
    if (!live) return;
    const view = hooks.view();
    if (!view) return;
    socket.send(view);
    if (speed !== null) socket.send({ type: "speed", steps_per_second: speed });
  }

  /**
   * @param {string} reason
   * @param {string} [message] the server's words when the run was lost (`no_run`)
   */
  function end(reason, message) {
    ended = reason;
    setPlaying(false);
    hooks.onEnded?.(reason, message);
  }

  /** @param {ServerEvent} hello */
  function onHello(hello) {
    hooks.onHello?.(hello);
    if (hello.resumed && hello.run && live && socket.run === hello.run) sendView();
    else if (hello.resumed && hello.run && hooks.adopts?.(hello)) {
      void adopt(); // a reload (or this tab reopened): the run showing this very spec goes on
    } else void restart();
  }

  /**
   * Makes the socket's run the page's live run without starting one: once the page's spec
   * is prepared, the run's first status says whether it plays.
   */
  function adopt() {
    adopting = true;
    resumedStatus = null;
    return restart({ resume: true });
  }

  /** The resumed run's state becomes the page's: playing or not, its counter, its end. */
  function adoptStatus() {
    const status = resumedStatus;
    if (!status) return; // the first status is still on its way
    adopting = false;
    resumedStatus = null;
    setPlaying(status.state === "running");
    showStatus(status);
  }

  /** @param {ServerEvent} status */
  function onStatus(status) {
    if (adopting) {
      resumedStatus = status;
      if (live) adoptStatus();
      return;
    }
    if (live) showStatus(status);
  }

  /** @param {ServerEvent} status of the live run */
  function showStatus(status) {
    if (typeof status.step === "number" && !resetDone(status.step)) return; // from before a reset
    if (typeof status.step === "number") {
      // A status behind the last one: the server reset the run unasked (the teacher's "Reset
      // all"), whenever the class event saying so arrives. The views start over.
      if (status.step < statusStep) {
        pending = null;
        zeroProgress();
        hooks.onReset?.();
      }
      statusStep = status.step;
    }
    showProgress(status.step, status.epoch);
    hooks.onStatus?.(status);
    if (status.state === "done" || status.state === "paused") setPlaying(false);
    if (status.state === "done") end(status.reason ?? "done");
    else ended = ""; // revived (a reset, a larger epoch budget): Play resumes it again
  }

  /** @param {ServerEvent} error */
  function onError(error) {
    // A view this network cannot show: the server stopped sending it; a note, not a mistake.
    if (error.field === "views") hooks.onNote?.(error.message);
    else if (error.code === "no_run")
      end("failed", error.message); // its worker died: the next command needs a new run
    else hooks.onError?.(error.field ?? "", error.message);
  }

  /** The newest frame not yet painted (its progress counts as shown), or null. */
  function takeFrame() {
    const frame = pending;
    pending = null;
    if (!frame) return null;
    showProgress(frame.header.step, frame.header.epoch);
    return frame;
  }

  function paintLoop() {
    const frame = takeFrame();
    if (frame) {
      pacer?.painted();
      hooks.paint?.(frame);
    }
    const t = now();
    if (pacer && pacer.tick(t) !== null) sendView(); // frames at the rate this browser paints them
    hooks.onAnimationFrame?.(t);
    requestFrame(paintLoop);
  }

  return {
    /** @param {ServerEvent} event one from the page's socket */
    receive(event) {
      if (event.type === "hello") onHello(event);
      else if (event.type === "status") onStatus(event);
      else if (event.type === "metrics")
        hooks.onMetrics?.(event.points.filter((/** @type {any} */ p) => resetDone(p.step)));
      else if (event.type === "done") {
        hooks.onDone?.(event);
        end(event.reason ?? "done");
      } else if (event.type === "error") onError(event);
      else hooks.onEvent?.(event);
    },
    /**
     * @param {Frame} frame one from the page's socket, kept until painted (or replaced); a
     *   reset throws away the one waiting, so frames are checked against it as they arrive
     */
    receiveFrame(frame) {
      if (!live || !resetDone(frame.header.step)) return;
      hooks.onFrame?.(frame);
      pending = supersede(pending, frame);
      pacer?.received();
    },
    /** Paints on every animation frame from now on (`paint`, `onAnimationFrame`). */
    startPainting() {
      requestFrame(paintLoop);
    },
    /** The frame to paint now, for a page that paints several runs in one loop (lessons). */
    takeFrame,
    restartSoon,
    restart,
    /**
     * Continues the recorded run `id` (docs/protocol.md, `reopen`) from its last checkpoint,
     * paused, once the page's spec (the run's, loaded by the page) is prepared.
     * @param {string} id
     */
    reopen(id) {
      return restart({ reopen: id });
    },
    /** Adopts the socket's run (a resumed one, or the run a teacher watches) as the page's. */
    adopt,
    sendView,
    play() {
      if (ended) {
        setPlaying(true); // a finished run trains no more: Play starts the spec shown afresh
        void restart();
        return;
      }
      if (live) socket.send({ type: "resume" });
      setPlaying(true);
    },
    pause() {
      if (live) socket.send({ type: "pause" });
      setPlaying(false);
    },
    /** @param {number | (() => number)} n steps to train, then pause (a function: counted when sent) */
    step(n) {
      setPlaying(false);
      if (ended) void restart({ stepAfter: n });
      else if (live) socket.send({ type: "step", n: typeof n === "function" ? n() : n });
    },
    /** Fresh weights, the same settings; Play stays as it was. */
    reset() {
      if (!live) return; // a new run is on its way: fresh weights anyway
      resetFrom = step;
      pending = null; // a frame of the old weights waiting for its paint
      zeroProgress();
      hooks.onReset?.();
      socket.send({ type: "reset", seed: null });
      if (playing) socket.send({ type: "resume" });
    },
    /**
     * The server reset the run unasked (the teacher's "Reset all"): the frame waiting, of the
     * old weights, is not painted. The views start over at the reset's first status, which
     * may come before or after this notice.
     */
    resetShown() {
      pending = null;
    },
    /** @param {number | null} stepsPerSecond null: as fast as the server can */
    setSpeed(stepsPerSecond) {
      speed = stepsPerSecond;
      if (started) socket.send({ type: "speed", steps_per_second: speed });
    },
    /** @param {Record<string, any>} params hot settings for the live run (weights kept) */
    retune(params) {
      socket.send({ type: "set", params });
    },
    /** Whether a run of what the page shows is the session's (frames are painted). */
    get live() {
      return live;
    },
    get playing() {
      return playing;
    },
    /** Why the run trains no more ("" while it can). */
    get ended() {
      return ended;
    },
    /** @returns {Progress} the step and epoch shown */
    get progress() {
      return { step, epoch };
    },
  };
}
