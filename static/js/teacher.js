// @ts-check
/**
 * The teacher's page (/teacher): a live grid of every student of the class (classGrid.js),
 * read from GET /api/class every POLL_MS (each read also keeps the runs' thumbnails coming:
 * docs/classroom.md); clicking a student opens their run large, read-only, below the grid
 * as the playground page shows it, in a frame: `/?watch=N` (main.js, watchSocket.js), fed by
 * the teacher's read-only socket `WS /ws?watch=N`.
 */

import { createChallengePanel } from "./classChallenge.js";
import { createClassGrid } from "./classGrid.js";
import { createClassLessonPanel } from "./classLesson.js";
import { createClassActions } from "./classSend.js";

const POLL_MS = 500;

/** @typedef {import("./classGrid.js").StudentEntry} StudentEntry */

function main() {
  createClassActions(/** @type {HTMLElement} */ (document.getElementById("class-actions")));
  createChallengePanel(/** @type {HTMLElement} */ (document.getElementById("class-challenge"))).start();
  createClassLessonPanel(/** @type {HTMLElement} */ (document.getElementById("class-lesson"))).start();
  const summary = /** @type {HTMLElement} */ (document.getElementById("class-summary"));
  const section = /** @type {HTMLElement} */ (document.getElementById("student-view"));
  const frame = /** @type {HTMLIFrameElement} */ (document.getElementById("student-view-frame"));
  const tab = /** @type {HTMLAnchorElement} */ (document.getElementById("student-view-tab"));

  /** @param {StudentEntry} student */
  function open(student) {
    const address = `/?watch=${student.number}`;
    /** @type {HTMLElement} */ (document.getElementById("student-view-title")).textContent =
      `${student.name}'s run (read-only)`;
    frame.src = tab.href = address;
    section.hidden = false;
    section.scrollIntoView({ block: "start" });
  }
  /** @type {HTMLButtonElement} */ (document.getElementById("student-view-close")).addEventListener("click", () => {
    frame.src = "about:blank"; // its socket closes: the student's run is watched no more
    section.hidden = true;
  });
  const grid = createClassGrid(/** @type {HTMLElement} */ (document.getElementById("class-grid")), open);

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
