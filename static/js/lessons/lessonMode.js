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
 * runs side by side are armGroup.js's (a playground race shares them), the arms' sockets
 * live in arm.js, the drawing in the view factories.
 */

import { checkLesson, fetchLesson, validateSpec } from "../api.js";
import { specFromState } from "../state.js";
import { el } from "../views/controls.js";
import { createScaleView } from "../views/scaleView.js";
import { mountArmGroup } from "./armGroup.js";
import { playgroundHref } from "./lessonsMenu.js";
import { createQuestion } from "./question.js";
import { createVerdict } from "./verdict.js";
/** @typedef {ReturnType<typeof createVerdict>} Verdict */

const CHECK_TRIES = 5; // a busy server (429) is asked again this many times in all…
const CHECK_RETRY_MS = 2000; // …this long apart (the server answers 429 at once when full)

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
 * The lesson's runs side by side (armGroup.js): Play waits for the answer and locks the
 * question; once every run has trained, the verdict is measured.
 * @param {LessonModeOptions} o
 * @param {Record<string, any>} lesson
 * @param {[string, Record<string, any>][]} runs
 * @param {{work: HTMLElement, controls: HTMLElement, verdict: Verdict,
 *          question: ReturnType<typeof createQuestion>}} parts where the arms, the buttons
 *   and the verdict go, and the question (locked while the runs train)
 * @param {() => number | null | undefined} chosen
 */
async function mountArms(o, lesson, runs, { work, controls, verdict, question }, chosen) {
  const group = await mountArmGroup(
    {
      work,
      controls,
      uPlot: o.uPlot,
      steps: lesson.steps,
      views: lesson.views ?? [],
      highlight: lesson.highlight ?? null,
      lossAxis: lesson.loss_axis ?? "shared",
      lossData: lesson.loss_data ?? "train",
      tokenPrefix: "nnp.session.arm",
      onDevice: o.onDevice,
      onConnection: o.onConnection,
      canPlay: () => chosen() !== undefined,
      onPlay: () => question.setLocked(true),
      onRestart: () => {
        verdict.reset();
        question.setLocked(false);
      },
      onFinished: (current) => measure(o, lesson, verdict, chosen(), current),
    },
    runs.map(([name, spec]) => ({ name, spec: { ...spec, seed: o.seed } })),
  );
  group.refresh("Answer the question (or skip it) to start.");
  return {
    /** The question is answered (or skipped): Play may start the runs, and locks it. */
    answered: () => group.refresh("Play trains every run together; Pause pauses them all."),
  };
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
