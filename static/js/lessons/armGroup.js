// @ts-check
/**
 * Runs side by side ("arms"): each a paused run of its own on its own socket (arm.js), on
 * the same seed (so the same data), which one Play trains together for the same steps and
 * Pause pauses together. The loss and the accuracy of every arm share one pair of axes
 * (sharedCharts.js); each arm's card (armPanel.js) shows the chosen views. Lesson mode
 * (lessonMode.js) and a playground race (race/raceMode.js) both mount one: what happens
 * around it (a question to lock, a verdict to measure) is theirs, through the hooks.
 */

import { fetchPoints, validateSpec } from "../api.js";
import { button, el, select } from "../views/controls.js";
import { createArm } from "./arm.js";
import { createArmPanel, frameViews } from "./armPanel.js";
import { PALETTE } from "./compareChart.js";
import { createSharedCharts, framePoint } from "./sharedCharts.js";

const VIEW_FPS = 15; // per arm: up to four arms share the server and the page
const CHART_INTERVAL_MS = 100;
/** @type {[string, string][]} how long the steps take, in seconds ("0": no pacing) */
const PACES = [
  ["10", "about 10 seconds"],
  ["30", "slow motion: about 30 seconds"],
  ["0", "as fast as the server can"],
];

/**
 * The steps per second that train `steps` in about `seconds`; null: unpaced.
 * @param {number} steps
 * @param {number} seconds
 */
export function paceFor(steps, seconds) {
  return seconds > 0 ? Math.max(1, steps / seconds) : null;
}

/**
 * @typedef {{
 *   work: HTMLElement, controls: HTMLElement, uPlot: any, steps: number, views: string[],
 *   highlight: string | null, tokenPrefix: string,
 *   lossAxis?: string, lossData?: string,
 *   onDevice: (device: string) => void,
 *   onConnection: (state: import("../socket.js").Connection, detail: string) => void,
 *   canPlay?: () => boolean, onPlay?: () => void, onRestart?: () => void,
 *   onFinished?: (current: () => boolean) => void,
 * }} GroupOptions
 * `work`: where the charts and the cards go; `controls`: where the buttons go; `steps`: what
 * every arm trains; `views`, `highlight`: what each card shows and marks; `lossAxis`,
 * `lossData`: the loss chart's axis ("shared", "log", "per_loss") and the data it opens on
 * (sharedCharts.js; by default shared, training); `tokenPrefix`:
 * the arms' resume tokens (sessionStorage keys). `canPlay`: whether Play may start now (a
 * lesson waits for the answer; by default it may); `onFinished`: every arm has trained its steps (`current`:
 * whether no Start over has come since).
 * @typedef {{name: string, spec: Record<string, any>}} GroupRun a run and its name, seed set
 * @typedef {{name: string, arm: ReturnType<typeof createArm> | null, panel: ReturnType<typeof createArmPanel> | null}} ArmEntry
 *   `arm`, `panel`: null for a run whose spec is not valid (its card says why)
 * @typedef {{
 *   o: GroupOptions,
 *   charts: ReturnType<typeof createSharedCharts>,
 *   buttons: ReturnType<typeof mountButtons>,
 *   live: ArmEntry[],
 *   playing: boolean,
 *   checked: boolean,
 *   generation: number,
 *   chartsDrawnAt: number,
 * }} Round
 * `generation`: of Start over (what finished in an earlier round is not reported); `live`:
 * the arms that train.
 */

/**
 * Validates the runs, then draws the shared charts, a card per run and the buttons, and
 * connects every arm. Play stays off until `refresh` says otherwise.
 * @param {GroupOptions} o
 * @param {GroupRun[]} runs
 */
export async function mountArmGroup(o, runs) {
  const answers = await Promise.all(runs.map((run) => validateSpec(run.spec)));
  const regression = answers.some((a) => a.valid && a.data.task === "regression");
  // A GAN's summary has two networks (generator, discriminator), not `layers`.
  const gan = answers.some((a) => a.valid && a.kind === "gan");
  const chartsBox = el("div", { className: "shared-charts" });
  const armsBox = el("div", { className: "arms", "data-count": String(runs.length) });
  o.work.append(chartsBox, armsBox);
  /** @type {Round} */
  const round = {
    o,
    playing: false,
    checked: false,
    generation: 0,
    chartsDrawnAt: 0,
    live: [],
    charts: createSharedCharts(chartsBox, o.uPlot, {
      arms: runs.map((run) => run.name),
      regression,
      highlight: o.highlight,
      gan,
      lossAxis: o.lossAxis ?? "shared",
      losses: runs.map((run) => run.spec.train?.loss ?? "auto"),
      lossData: o.lossData ?? "train",
    }),
    buttons: /** @type {any} */ (null), // set just below: its buttons act on the round
  };
  round.buttons = mountButtons(round);
  const arms = runs.map((run, i) => mountArm(round, armsBox, { ...run, index: i, answer: answers[i] }));
  round.live = arms.filter((a) => a.arm);
  for (const a of round.live) a.arm?.connect();
  requestAnimationFrame(() => paintArms(round));

  return {
    /**
     * Play may start the runs (if `canPlay` says so and any has steps left).
     * @param {string} hint what Play does, in words
     */
    refresh(hint) {
      round.buttons.play.disabled = round.live.every((a) => a.arm?.finished) || !(o.canPlay?.() ?? true);
      round.buttons.once.disabled = round.playing || round.buttons.play.disabled;
      round.buttons.hint.textContent = hint;
    },
  };
}

/**
 * Play (Pause), Start over, the shared step counter and the pace.
 * @param {Round} round
 */
function mountButtons(round) {
  const { steps } = round.o;
  const play = button({
    label: "▶ Play",
    className: "lesson-play",
    name: "play",
    onClick: () => (round.playing ? pauseAll(round) : playAll(round)),
  });
  play.disabled = true;
  // One step of every arm, paused: slow enough to follow what a single step changes. It is
  // part of the "play" control: a classroom link that hides Play hides it too.
  const once = button({ label: "+1 step", name: "play", onClick: () => stepAll(round) });
  once.disabled = true;
  const restart = button({ label: "↺ Start over", name: "restart", onClick: () => restartAll(round) });
  const progress = el("output", { className: "lesson-progress", textContent: `step 0 of ${steps}` });
  const hint = el("p", { className: "play-hint muted" });
  const speed = select({
    name: "speed",
    label: "Training takes",
    options: PACES,
    value: PACES[0][0],
    onChange: (v) => round.live.forEach((a) => a.arm?.setSpeed(paceFor(steps, Number(v)))),
  });
  round.o.controls.append(
    el("div", { className: "lesson-buttons" }, [play, once, restart, progress]),
    speed.node,
    hint,
  );
  return { play, once, progress, hint, speed };
}

/**
 * One run's card and its arm (a run whose spec is not valid gets a card saying why).
 * @param {Round} round
 * @param {HTMLElement} armsBox
 * @param {GroupRun & {index: number, answer: any}} run
 * @returns {ArmEntry}
 */
function mountArm(round, armsBox, { name, index, answer, spec }) {
  const { o, charts } = round;
  if (!answer.valid) {
    const message = (answer.errors ?? []).map((/** @type {any} */ e) => `${e.field}: ${e.message}`).join("; ");
    armsBox.append(
      el("article", { className: "arm" }, [
        el("h3", { textContent: name }),
        el("p", { className: "field-error", textContent: `This run cannot start: ${message}` }),
      ]),
    );
    return { name, arm: null, panel: null };
  }
  const panel = createArmPanel(armsBox, {
    name,
    color: PALETTE[index % PALETTE.length],
    views: o.views,
    highlight: o.highlight,
    data: answer.data,
    layers: answer.layers ?? [],
    params: answer.total_params,
    steps: o.steps,
    uPlot: o.uPlot,
    gan: answer.kind === "gan" ? /** @type {any} */ (answer) : null,
  });
  if (answer.data.input_kind === "points" && answer.kind !== "gan")
    fetchPoints(spec.data, spec.seed).then(panel.setPoints, (e) => panel.setNote(String(e.message)));
  const view = { type: "view", views: frameViews(panel.parts), fps: VIEW_FPS, grid: 10, boundary_grid: 60, sample: 0 };
  const pace = paceFor(o.steps, Number(round.buttons.speed.input.value));
  const arm = createArm(
    { spec, steps: o.steps, view, speed: pace, tokenKey: `${o.tokenPrefix}${index}` },
    {
      onHello: o.onDevice,
      onProgress: (p) => {
        panel.setProgress(p.step, p.state, p.finished);
        progressed(round);
      },
      onMetrics: (points) => {
        charts.push(index, points);
        panel.pushMetrics(points);
      },
      onFrame: (frame) => {
        const point = framePoint(frame.header.values);
        if (!point) return;
        charts.push(index, [point]);
        panel.pushMetrics([point]);
      },
      onDone: (event) => event.reason !== "max_epochs" && panel.setNote(event.detail),
      onNote: (message) => panel.setNote(message),
      onConnection: (state, detail) => o.onConnection(state, state === "open" ? detail : `${name}: ${detail}`),
    },
  );
  return { name, arm, panel };
}

/** @param {Round} round */
function playAll(round) {
  round.playing = true;
  round.o.onPlay?.();
  for (const a of round.live) a.arm?.play();
  showPlaying(round);
}

/** @param {Round} round */
function stepAll(round) {
  if (round.playing) return;
  round.o.onPlay?.();
  for (const a of round.live) a.arm?.stepOnce();
}

/** @param {Round} round */
function pauseAll(round) {
  round.playing = false;
  for (const a of round.live) a.arm?.pause();
  showPlaying(round);
}

/** @param {Round} round */
function restartAll(round) {
  round.generation += 1;
  round.playing = false;
  round.checked = false;
  round.charts.reset();
  round.o.onRestart?.();
  for (const a of round.live) {
    a.panel?.reset();
    a.arm?.restart();
  }
  showPlaying(round);
}

/** @param {Round} round */
function showPlaying({ buttons: { play, once }, playing }) {
  once.disabled = playing || play.disabled;
  play.textContent = playing ? "❚❚ Pause" : "▶ Play";
  play.setAttribute("aria-label", playing ? "Pause" : "Play");
  play.classList.toggle("playing", playing);
}

/**
 * Every arm's progress: the shared counter; once all have trained, `onFinished`.
 * @param {Round} round
 */
function progressed(round) {
  const { live, o, buttons } = round;
  const steps = live.map((a) => a.arm?.step ?? 0);
  buttons.progress.textContent = `step ${Math.min(...steps, o.steps).toLocaleString("en")} of ${o.steps.toLocaleString("en")}`;
  const done = live.length > 0 && live.every((a) => a.arm?.finished);
  buttons.play.disabled = done || !(o.canPlay?.() ?? true);
  buttons.once.disabled = round.playing || buttons.play.disabled;
  if (!done || round.checked) return;
  round.checked = true;
  round.playing = false;
  showPlaying(round);
  buttons.hint.textContent = "Every run has trained its steps.";
  const mine = round.generation;
  o.onFinished?.(() => mine === round.generation);
}

/**
 * Every arm's newest frame, on the browser's animation clock; the charts a few times a second.
 * @param {Round} round
 */
function paintArms(round) {
  for (const a of round.live) {
    const frame = a.arm?.takeFrame(); // the newest, a replaced frame's slow views kept
    if (frame) a.panel?.update(frame);
  }
  const now = performance.now();
  if (now - round.chartsDrawnAt >= CHART_INTERVAL_MS) {
    round.chartsDrawnAt = now;
    round.charts.flush();
    for (const a of round.live) a.panel?.flush();
  }
  requestAnimationFrame(() => paintArms(round));
}
