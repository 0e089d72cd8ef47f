// @ts-check
/**
 * The teacher's page (/teacher): a live grid of every student of the class (classGrid.js),
 * read from GET /api/class every POLL_MS (each read also keeps the runs' thumbnails coming:
 * docs/classroom.md); clicking a student opens their run large, read-only, below the grid
 * (studentView.js), fed by the teacher's watching socket, `WS /ws?watch=N`.
 */

import { createChallengePanel } from "./classChallenge.js";
import { createClassGrid } from "./classGrid.js";
import { createClassLessonPanel } from "./classLesson.js";
import { createClassActions } from "./classSend.js";
import { decodeFrame } from "./frame.js";
import { createStudentView } from "./studentView.js";
import { loadUPlot } from "./views/charts.js";

const POLL_MS = 500;

/**
 * @typedef {import("./classGrid.js").StudentEntry} StudentEntry
 * @typedef {import("./socket.js").ServerEvent} ServerEvent
 */

/**
 * Opens the read-only socket on student `number`'s run; the server refuses anything it
 * sends, so it sends nothing.
 * @param {number} number
 * @param {{onEvent: (event: ServerEvent) => void, onFrame: (frame: import("./frame.js").Frame) => void}} handlers
 * @returns {() => void} closes it
 */
export function watchStudent(number, { onEvent, onFrame }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws?watch=${number}`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (message) => {
    if (typeof message.data === "string") onEvent(JSON.parse(message.data));
    else onFrame(decodeFrame(message.data));
  };
  ws.onclose = (event) => {
    if (event.code !== 1000)
      onEvent({ type: "error", message: `The view closed (${event.code}): open the student again.` });
  };
  return () => {
    ws.onclose = null;
    ws.close(1000);
  };
}

async function main() {
  createClassActions(/** @type {HTMLElement} */ (document.getElementById("class-actions")));
  createChallengePanel(/** @type {HTMLElement} */ (document.getElementById("class-challenge"))).start();
  createClassLessonPanel(/** @type {HTMLElement} */ (document.getElementById("class-lesson"))).start();
  const summary = /** @type {HTMLElement} */ (document.getElementById("class-summary"));
  const section = /** @type {HTMLElement} */ (document.getElementById("student-view"));
  const view = createStudentView(section, await loadUPlot());
  /** @type {(() => void) | null} */
  let stopWatching = null;

  /** @param {StudentEntry} student */
  function open(student) {
    stopWatching?.();
    view.open(student);
    stopWatching = watchStudent(student.number, { onEvent: view.event, onFrame: view.frame });
    section.scrollIntoView({ block: "start" });
  }
  /** @type {HTMLButtonElement} */ (document.getElementById("student-view-close")).addEventListener("click", () => {
    stopWatching?.();
    stopWatching = null;
    view.reset();
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
