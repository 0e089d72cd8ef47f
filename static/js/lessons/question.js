// @ts-check
/**
 * The lesson's multiple-choice question, asked before anything trains: radio buttons, one
 * per choice, and "Skip". The student's answer is a prediction, so it is locked once the
 * runs start; the verdict says whether it was right.
 */

import { button, el } from "../views/controls.js";

/** @typedef {import("./verdict.js").Question} Question */

/**
 * @param {HTMLElement} container
 * @param {Question} question
 * @param {{onAnswer: (chosen: number | null) => void, trains: boolean}} o chosen: a choice's
 *   index, null when skipped; `trains`: whether the lesson has runs to Play
 */
export function createQuestion(container, question, o) {
  const next = o.trains ? "Press Play." : "The verdict follows.";
  const status = el("p", {
    className: "question-status muted",
    "aria-live": "polite",
    textContent: o.trains ? "Answer first, then press Play to see who is right." : "Answer, and the verdict follows.",
  });
  const radios = question.choices.map((choice, i) => {
    const input = /** @type {HTMLInputElement} */ (
      el("input", { type: "radio", name: "lesson-answer", value: String(i), id: `answer-${i}` })
    );
    input.addEventListener("change", () => {
      if (!input.checked) return;
      status.textContent = `Your answer is in. ${next}`;
      o.onAnswer(i);
    });
    return {
      input,
      row: el("div", { className: "choice" }, [input, el("label", { for: input.id, textContent: choice })]),
    };
  });
  const skip = button({
    label: "Skip the question",
    className: "skip",
    onClick: () => {
      for (const r of radios) r.input.checked = false;
      status.textContent = `Skipped. ${next}`;
      o.onAnswer(null);
    },
  });
  const node = el("fieldset", { className: "question", "data-control": "question" }, [
    el("legend", { textContent: question.text }),
    ...radios.map((r) => r.row),
    el("div", { className: "question-tools" }, [skip]),
    status,
  ]);
  container.append(node);

  return {
    node,
    /** @param {boolean} locked once training started: the answer stays what it was */
    setLocked(locked) {
      for (const r of radios) r.input.disabled = locked;
      skip.disabled = locked;
      node.classList.toggle("locked", locked);
    },
  };
}
