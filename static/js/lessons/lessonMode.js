// @ts-check
/**
 * Lesson mode (`/?lesson=<id>&seed=S`): one idea of the course, shown and proved. The
 * lesson's title, concept and explanation beside its controls; its question first; then its
 * runs ("arms"), each a paused run of its own on the same seed (so the same data), which
 * Play trains together for exactly the lesson's steps, and Pause pauses together. The loss
 * and the accuracy of every arm share one pair of axes; each arm's card shows the lesson's
 * views, the highlighted one marked. When every arm has trained its steps, the server
 * retrains the runs headless and measures the lesson's check: the verdict says whether the
 * phenomenon held, with figures, and whether the student's answer was right.
 *
 * Like main.js for the playground, this module is the one that talks to the server; the
 * arms' sockets live in arm.js, the drawing in the view factories.
 */

import { checkLesson, fetchLesson, fetchPoints, validateSpec } from "../api.js";
import { specFromState } from "../state.js";
import { button, el, select } from "../views/controls.js";
import { createScaleView } from "../views/scaleView.js";
import { createArm } from "./arm.js";
import { createArmPanel, frameViews } from "./armPanel.js";
import { PALETTE } from "./compareChart.js";
import { playgroundHref } from "./lessonsMenu.js";
import { createQuestion } from "./question.js";
import { createSharedCharts, framePoint } from "./sharedCharts.js";
import { createVerdict } from "./verdict.js";
/** @typedef {ReturnType<typeof createVerdict>} Verdict */

const VIEW_FPS = 15; // per arm: up to four arms share the server and the page
const CHART_INTERVAL_MS = 100;
const CHECK_TRIES = 5; // a busy server (429) is asked again this many times in all…
const CHECK_RETRY_MS = 2000; // …this long apart (the server answers 429 at once when full)
/** @type {[string, string][]} how long the lesson's steps take, in seconds ("0": no pacing) */
const PACES = [
  ["10", "about 10 seconds"],
  ["30", "slow motion: about 30 seconds"],
  ["0", "as fast as the server can"],
];

/**
 * The steps per second that train a lesson's steps in about `seconds`; null: unpaced.
 * @param {number} steps
 * @param {number} seconds
 */
export function paceFor(steps, seconds) {
  return seconds > 0 ? Math.max(1, steps / seconds) : null;
}

/**
 * @typedef {{root: HTMLElement, id: string, seed: number, search: string,
 *            state: Record<string, any>, hide: string[], uPlot: any,
 *            onDevice: (device: string) => void,
 *            onConnection: (state: import("../socket.js").Connection, detail: string) => void,
 *            decorate: (root: HTMLElement) => void,
 *            onAnswer?: (chosen: number | null) => void}} LessonModeOptions
 * `state`: the address's playground settings (the model a lesson without runs measures);
 * `decorate`: applied to the lesson's text once drawn (the glossary's definitions);
 * `onAnswer`: the student answered (class mode tells the teacher, static/js/classLesson.js).
 */

/** @param {LessonModeOptions} o */
export async function startLessonMode(o) {
  const back = el("a", {
    href: playgroundHref(o.search),
    className: "back",
    "data-control": "back",
    textContent: "← Back to the playground",
  });
  /** @type {Record<string, any>} */
  let lesson;
  try {
    lesson = await fetchLesson(o.id);
  } catch (error) {
    o.root.replaceChildren(
      el("div", { className: "panel lesson-missing" }, [
        el("p", { className: "field-error", textContent: String(/** @type {Error} */ (error).message) }),
        back,
      ]),
    );
    return;
  }
  document.title = `${lesson.title} · NN Playground`;
  const runs = Object.entries(lesson.runs ?? {});

  const intro = el("div", { className: "panel lesson-intro" }, [
    el("p", { className: "lesson-concept", textContent: lesson.concept }),
    el("h2", { className: "lesson-title", id: "lesson-title", textContent: lesson.title }),
    el("p", { className: "lesson-explanation", textContent: lesson.explanation }),
  ]);
  const work = el("div", { className: "lesson-work" });
  o.root.replaceChildren(el("div", { className: "lesson-layout" }, [intro, work]));
  o.root.setAttribute("aria-labelledby", "lesson-title");

  /** @type {number | null | undefined} undefined: not answered yet; null: skipped */
  let chosen;
  const controls = el("div", { className: "lesson-controls" });
  const verdict = createVerdict(intro);
  const question = createQuestion(intro, lesson.question, { onAnswer: (c) => answered(c), trains: runs.length > 0 });
  intro.append(controls, verdict.node, back);

  /** @type {{answered: () => void} | null} null until the runs (or the scale) are drawn */
  let lessonRun = null;
  lessonRun = runs.length
    ? await mountArms(o, lesson, runs, { work, controls, verdict, question }, () => chosen)
    : await mountScaleOnly(o, work);
  if (chosen !== undefined) lessonRun.answered(); // answered while the runs were being set up
  o.decorate(o.root);
  for (const node of o.root.querySelectorAll("[data-control]")) {
    node.classList.toggle("classroom-hidden", o.hide.includes(/** @type {HTMLElement} */ (node).dataset.control ?? ""));
  }
  if (o.hide.includes("question")) answered(null); // hidden: as if skipped

  /** @param {number | null} c */
  function answered(c) {
    chosen = c;
    o.onAnswer?.(c);
    lessonRun?.answered();
    if (runs.length) return;
    question.setLocked(true); // a prediction: nothing to train, so the verdict comes at once
    measure(o, lesson, verdict, chosen);
  }
}

/**
 * A lesson without runs (how deep is deep): the address's playground model on a log scale
 * beside famous networks. Its depth counts the layers with weights, as AlexNet's 8 does.
 * @param {LessonModeOptions} o
 * @param {HTMLElement} work
 */
async function mountScaleOnly(o, work) {
  const box = el("section", { className: "panel lesson-scale look-here", "data-view": "scale" }, [
    el("p", { className: "look-here-label", textContent: "look here" }),
  ]);
  work.append(box);
  const answer = await validateSpec(specFromState(o.state));
  if (!answer.valid) {
    box.append(
      el("p", {
        className: "field-error",
        textContent: `The playground's model cannot be built: ${answer.errors?.[0]?.message ?? ""}`,
      }),
    );
    return { answered() {} };
  }
  createScaleView(box, { layers: weightLayers(answer.layers), params: answer.total_params });
  box.append(
    el("p", {
      className: "scale-model muted",
      textContent: "Your model is the playground's: change it there, then come back to this lesson.",
    }),
  );
  return { answered() {} };
}

/**
 * How deep a network is, as famous ones are counted: its layers with weights.
 * @param {{params: number}[]} layers the validator's layers, the output layer included
 */
export function weightLayers(layers) {
  return layers.filter((l) => l.params > 0).length;
}

/**
 * A lesson's runs on screen: its arms, the shared charts and the buttons, shared by the
 * functions below (each takes it).
 * @typedef {{name: string, arm: ReturnType<typeof createArm> | null, panel: ReturnType<typeof createArmPanel> | null}} ArmEntry
 *   `arm`, `panel`: null for a run whose spec is not valid (its card says why)
 * @typedef {{
 *   o: LessonModeOptions,
 *   lesson: Record<string, any>,
 *   verdict: Verdict,
 *   question: ReturnType<typeof createQuestion>,
 *   chosen: () => number | null | undefined,
 *   charts: ReturnType<typeof createSharedCharts>,
 *   buttons: ReturnType<typeof mountButtons>,
 *   live: ArmEntry[],
 *   playing: boolean,
 *   checked: boolean,
 *   generation: number,
 *   chartsDrawnAt: number,
 * }} Round
 * `generation`: of Start over (a check for an earlier round is not shown); `live`: the
 * arms that train.
 */

/**
 * @param {LessonModeOptions} o
 * @param {Record<string, any>} lesson
 * @param {[string, Record<string, any>][]} runs
 * @param {{work: HTMLElement, controls: HTMLElement, verdict: Verdict,
 *          question: ReturnType<typeof createQuestion>}} parts where the arms, the buttons
 *   and the verdict go, and the question (locked while the runs train)
 * @param {() => number | null | undefined} chosen
 */
async function mountArms(o, lesson, runs, { work, controls, verdict, question }, chosen) {
  /** @type {Record<string, any>[]} */
  const specs = runs.map(([, spec]) => ({ ...spec, seed: o.seed }));
  const answers = await Promise.all(specs.map((spec) => validateSpec(spec)));
  const regression = answers.some((a) => a.valid && a.data.task === "regression");
  // A GAN's summary has two networks (generator, discriminator), not `layers`.
  const gan = answers.some((a) => a.valid && a.kind === "gan");
  const chartsBox = el("div", { className: "shared-charts" });
  const armsBox = el("div", { className: "arms", "data-count": String(runs.length) });
  work.append(chartsBox, armsBox);
  /** @type {Round} */
  const round = {
    o,
    lesson,
    verdict,
    question,
    chosen,
    playing: false,
    checked: false,
    generation: 0,
    chartsDrawnAt: 0,
    live: [],
    charts: createSharedCharts(chartsBox, o.uPlot, {
      arms: runs.map(([name]) => name),
      regression,
      highlight: lesson.highlight ?? null,
      gan,
      lossAxis: lesson.loss_axis ?? "shared",
      losses: specs.map((spec) => spec.train?.loss ?? "auto"),
      lossData: lesson.loss_data ?? "train",
    }),
    buttons: /** @type {any} */ (null), // set just below: its buttons act on the round
  };
  round.buttons = mountButtons(round, controls);
  const arms = runs.map(([name], i) =>
    mountArm(round, armsBox, { name, index: i, answer: answers[i], spec: specs[i] }),
  );
  round.live = arms.filter((a) => a.arm);
  for (const a of round.live) a.arm?.connect();
  requestAnimationFrame(() => paintArms(round));

  return {
    /** The question is answered (or skipped): Play may start the runs, and locks it. */
    answered() {
      round.buttons.play.disabled = round.live.every((a) => a.arm?.finished);
      round.buttons.hint.textContent = "Play trains every run together; Pause pauses them all.";
    },
  };
}

/**
 * Play (Pause), Start over, the lesson's counter and its pace.
 * @param {Round} round
 * @param {HTMLElement} controls
 */
function mountButtons(round, controls) {
  const steps = round.lesson.steps;
  const play = button({
    label: "▶ Play",
    className: "lesson-play",
    name: "play",
    onClick: () => (round.playing ? pauseAll(round) : playAll(round)),
  });
  play.disabled = true;
  const restart = button({ label: "↺ Start over", name: "restart", onClick: () => restartAll(round) });
  const progress = el("output", { className: "lesson-progress", textContent: `step 0 of ${steps}` });
  const hint = el("p", { className: "play-hint muted", textContent: "Answer the question (or skip it) to start." });
  const speed = select({
    name: "speed",
    label: "Training takes",
    options: PACES,
    value: PACES[0][0],
    onChange: (v) => round.live.forEach((a) => a.arm?.setSpeed(paceFor(steps, Number(v)))),
  });
  controls.append(el("div", { className: "lesson-buttons" }, [play, restart, progress]), speed.node, hint);
  return { play, progress, hint, speed };
}

/**
 * One run's card and its arm (a run whose spec is not valid gets a card saying why).
 * @param {Round} round
 * @param {HTMLElement} armsBox
 * @param {{name: string, index: number, answer: any, spec: Record<string, any>}} run
 * @returns {ArmEntry}
 */
function mountArm(round, armsBox, { name, index, answer, spec }) {
  const { o, lesson, charts } = round;
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
    views: lesson.views ?? [],
    highlight: lesson.highlight ?? null,
    data: answer.data,
    layers: answer.layers ?? [],
    params: answer.total_params,
    steps: lesson.steps,
    uPlot: o.uPlot,
    gan: answer.kind === "gan" ? /** @type {any} */ (answer) : null,
  });
  if (answer.data.input_kind === "points" && answer.kind !== "gan")
    fetchPoints(spec.data, o.seed).then(panel.setPoints, (e) => panel.setNote(String(e.message)));
  const view = { type: "view", views: frameViews(panel.parts), fps: VIEW_FPS, grid: 10, boundary_grid: 60, sample: 0 };
  const pace = paceFor(lesson.steps, Number(round.buttons.speed.input.value));
  const arm = createArm(
    { spec, steps: lesson.steps, view, speed: pace, tokenKey: `nnp.session.arm${index}` },
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
  round.question.setLocked(true);
  for (const a of round.live) a.arm?.play();
  showPlaying(round);
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
  round.verdict.reset();
  round.question.setLocked(false);
  for (const a of round.live) {
    a.panel?.reset();
    a.arm?.restart();
  }
  showPlaying(round);
}

/** @param {Round} round */
function showPlaying({ buttons: { play }, playing }) {
  play.textContent = playing ? "❚❚ Pause" : "▶ Play";
  play.setAttribute("aria-label", playing ? "Pause" : "Play");
  play.classList.toggle("playing", playing);
}

/**
 * Every arm's progress: the lesson's counter; once all have trained, the verdict.
 * @param {Round} round
 */
function progressed(round) {
  const { live, lesson, buttons } = round;
  const steps = live.map((a) => a.arm?.step ?? 0);
  buttons.progress.textContent = `step ${Math.min(...steps, lesson.steps).toLocaleString("en")} of ${lesson.steps.toLocaleString("en")}`;
  const done = live.length > 0 && live.every((a) => a.arm?.finished);
  buttons.play.disabled = done || round.chosen() === undefined;
  if (!done || round.checked) return;
  round.checked = true;
  round.playing = false;
  showPlaying(round);
  buttons.hint.textContent = "Every run has trained its steps.";
  const mine = round.generation;
  measure(round.o, lesson, round.verdict, round.chosen(), () => mine === round.generation);
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

/**
 * Asks the server to retrain the lesson's runs headless and measure its check; shows the
 * verdict (or why there is none) unless `current` says the page has moved on. A server busy
 * with other students' checks (429, after a minute's wait there) is asked again.
 * @param {LessonModeOptions} o
 * @param {Record<string, any>} lesson
 * @param {Verdict} verdict
 * @param {number | null | undefined} chosen
 * @param {() => boolean} [current]
 */
function measure(o, lesson, verdict, chosen, current = () => true) {
  verdict.measuring(o.seed);
  let tries = 0;
  const ask = () =>
    checkLesson(lesson.id, o.seed).then(
      (check) => current() && verdict.show(check, { question: lesson.question, chosen: chosen ?? null, seed: o.seed }),
      (error) => {
        if (!current()) return;
        if (error.status === 429 && ++tries < CHECK_TRIES) setTimeout(ask, CHECK_RETRY_MS);
        else verdict.fail(error.message);
      },
    );
  ask();
}
