// @ts-check
/**
 * The teacher's page (/teacher): every student of the class and their live run, read from
 * GET /api/class every POLL_MS. Names come from students: they are set as text, never as HTML.
 */

import { createChallengePanel } from "./classChallenge.js";
import { createClassLessonPanel } from "./classLesson.js";
import { createClassActions } from "./classSend.js";

const POLL_MS = 1500;

/**
 * @typedef {{kind: string, dataset: string | null, layers: string[], step: number, epoch: number,
 *            train_loss: number | null, val_loss: number | null, status: string}} RunSummary
 * @typedef {{name: string, run: RunSummary | null}} StudentEntry
 */

/** @param {number | null} x */
function loss(x) {
  return x === null || x === undefined ? "–" : x.toPrecision(3);
}

/**
 * The class as a table body: one row per student.
 * @param {HTMLElement} body
 */
export function createClassTable(body) {
  /** @param {StudentEntry[]} students */
  function update(students) {
    const rows = students.map((student) => {
      const row = document.createElement("tr");
      const run = student.run;
      const cells = [
        student.name,
        run ? `${run.dataset ?? "?"}${run.kind === "gan" ? " (GAN)" : ""}` : "no run",
        run ? run.layers.join(" → ") || "no hidden layer" : "",
        run ? run.status : "",
        run ? String(run.step) : "",
        run ? String(run.epoch) : "",
        run ? loss(run.train_loss) : "",
        run ? loss(run.val_loss) : "",
      ];
      cells.forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i >= 4) cell.className = "number";
        row.append(cell);
      });
      return row;
    });
    body.replaceChildren(...rows);
  }
  return { update, reset: () => body.replaceChildren() };
}

function main() {
  createClassActions(/** @type {HTMLElement} */ (document.getElementById("class-actions")));
  createChallengePanel(/** @type {HTMLElement} */ (document.getElementById("class-challenge"))).start();
  createClassLessonPanel(/** @type {HTMLElement} */ (document.getElementById("class-lesson"))).start();
  const summary = /** @type {HTMLElement} */ (document.getElementById("class-summary"));
  const table = createClassTable(/** @type {HTMLElement} */ (document.getElementById("class-rows")));

  async function refresh() {
    try {
      const response = await fetch("/api/class");
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.detail ?? `HTTP ${response.status}`);
      /** @type {StudentEntry[]} */
      const students = answer.students;
      const training = students.filter((s) => s.run?.status === "running").length;
      summary.textContent = `${students.length} student${students.length === 1 ? "" : "s"} in the class, ${training} training now.`;
      table.update(students);
    } catch (error) {
      summary.textContent = `The class could not be read: ${error instanceof Error ? error.message : error}`;
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }
  refresh();
}

main();
