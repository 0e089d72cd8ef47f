// @ts-check
/**
 * The lesson's verdict, once every arm has trained: whether the phenomenon held (the
 * server's check, retrained headless on the same seed), the lesson's verdict lines with
 * their figures, and whether the student's answer to the question was right.
 */

import { el } from "../views/controls.js";

/**
 * @typedef {{text: string, choices: string[], answer: number}} Question
 * @typedef {import("../api.js").LessonCheck} LessonCheck
 */

/**
 * What to tell the student about their answer.
 * @param {Question} question
 * @param {number | null} chosen the choice's index; null: skipped
 * @returns {{right: boolean | null, text: string}}
 */
export function judgeAnswer(question, chosen) {
  const correct = question.choices[question.answer];
  if (chosen === null) return { right: null, text: `You skipped the question. The answer: “${correct}”.` };
  if (chosen === question.answer) return { right: true, text: `Your answer, “${correct}”, was right.` };
  return { right: false, text: `You answered “${question.choices[chosen]}”; the answer is “${correct}”.` };
}

/**
 * A measure as the verdict's "every figure" list shows it: 4 significant digits, tiny and
 * huge numbers in exponent form, null (not finite) as ∞.
 * @param {number | null | undefined} v
 */
export function formatMeasure(v) {
  if (v === null || v === undefined) return "∞";
  if (v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5)) return String(+v.toPrecision(4));
  return v.toExponential(2);
}

/** @param {HTMLElement} container */
export function createVerdict(container) {
  const node = el("section", { className: "verdict", "aria-live": "polite", "aria-labelledby": "verdict-title" });
  node.hidden = true;
  container.append(node);

  return {
    node,
    /** @param {number} seed */
    measuring(seed) {
      node.hidden = false;
      node.dataset.state = "measuring";
      node.replaceChildren(
        el("h3", { id: "verdict-title", textContent: "Verdict" }),
        el("p", {
          className: "measuring",
          textContent: `measuring… (the server trains the same runs on seed ${seed} and measures them; most lessons take 10 to 20 seconds, the GAN lesson one to two minutes)`,
        }),
      );
    },
    /**
     * @param {LessonCheck} check the server's answer
     * @param {{question: Question, chosen: number | null, seed: number}} o
     */
    show(check, o) {
      node.hidden = false;
      node.dataset.state = check.holds ? "holds" : "fails";
      const answer = judgeAnswer(o.question, o.chosen);
      const measured = Object.entries(check.measured ?? {});
      node.replaceChildren(
        el("h3", { id: "verdict-title", textContent: "Verdict" }),
        el("p", {
          className: "verdict-holds",
          textContent: check.holds
            ? `✓ It held: on seed ${o.seed} the runs showed what the lesson says.`
            : `✗ It did not hold on seed ${o.seed} this time: the measures below missed the lesson's thresholds.`,
        }),
        el(
          "ul",
          { className: "verdict-lines" },
          check.lines.map((line) => el("li", { textContent: line })),
        ),
        el("p", {
          className: `verdict-answer ${answer.right === true ? "right" : answer.right === false ? "wrong" : "skipped"}`,
          textContent: answer.text,
        }),
        ...(measured.length
          ? [
              el("details", { className: "verdict-measures" }, [
                el("summary", { textContent: "Every figure measured" }),
                el(
                  "dl",
                  {},
                  measured.map(([k, v]) =>
                    el("div", {}, [el("dt", { textContent: k }), el("dd", { textContent: formatMeasure(v) })]),
                  ),
                ),
              ]),
            ]
          : []),
      );
    },
    /** @param {string} message why there is no verdict */
    fail(message) {
      node.hidden = false;
      node.dataset.state = "error";
      node.replaceChildren(
        el("h3", { id: "verdict-title", textContent: "Verdict" }),
        el("p", { className: "field-error", textContent: `The check could not run: ${message}` }),
      );
    },
    reset() {
      node.hidden = true;
      node.dataset.state = "";
      node.replaceChildren();
    },
  };
}
