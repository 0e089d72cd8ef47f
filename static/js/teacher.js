// @ts-check
/**
 * The teacher's page (/teacher): a live grid of every student of the class (classGrid.js),
 * read from GET /api/class every POLL_MS (each read also keeps the runs' thumbnails coming:
 * docs/classroom.md); clicking a student opens their run large, read-only, below the grid.
 */

import { createClassGrid } from "./classGrid.js";

const POLL_MS = 500;

/** @typedef {import("./classGrid.js").StudentEntry} StudentEntry */

/**
 * The large view of one student's run: the playground page in watch mode, in a frame.
 * @param {HTMLElement} section
 */
export function createStudentView(section) {
  const title = /** @type {HTMLElement} */ (section.querySelector("h2"));
  const frame = /** @type {HTMLIFrameElement} */ (section.querySelector("iframe"));
  const close = /** @type {HTMLButtonElement} */ (section.querySelector("button"));
  /** @param {StudentEntry} student */
  function update(student) {
    title.textContent = `${student.name}'s run (read-only)`;
    frame.src = `/?watch=${student.number}`;
    section.hidden = false;
    section.scrollIntoView({ block: "start" });
  }
  function reset() {
    section.hidden = true;
    frame.src = "about:blank";
  }
  close.addEventListener("click", reset);
  return { update, reset };
}

function main() {
  const summary = /** @type {HTMLElement} */ (document.getElementById("class-summary"));
  const view = createStudentView(/** @type {HTMLElement} */ (document.getElementById("student-view")));
  const grid = createClassGrid(/** @type {HTMLElement} */ (document.getElementById("class-grid")), view.update);

  async function refresh() {
    try {
      const response = await fetch("/api/class");
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.detail ?? `HTTP ${response.status}`);
      /** @type {StudentEntry[]} */
      const students = answer.students;
      const training = students.filter((s) => s.run?.status === "running").length;
      summary.textContent = `${students.length} student${students.length === 1 ? "" : "s"} in the class, ${training} training now.`;
      grid.update(students);
    } catch (error) {
      summary.textContent = `The class could not be read: ${error instanceof Error ? error.message : error}`;
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }
  refresh();
}

main();
