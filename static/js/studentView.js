// @ts-check
/**
 * The teacher's large, read-only view of one student's run (docs/classroom.md, "Opening a
 * student's run large"): the output map of 2-D data as the student's page shows it (the
 * frames of the student's own views), the loss curves, and where the run is. It is fed by the teacher's
 * page (teacher.js), which holds the watching socket; it controls nothing.
 */

import { createBoundary } from "./views/boundary.js";
import { createChart } from "./views/charts.js";
import { lossText } from "./classGrid.js";

/**
 * @typedef {import("./classGrid.js").StudentEntry} StudentEntry
 * @typedef {import("./socket.js").ServerEvent} ServerEvent
 */

/**
 * @param {HTMLElement} section holds h2, .student-view-status, .student-view-map (two
 *   canvases) and .student-view-charts
 * @param {any} uPlot the chart library (null: the charts say it is missing)
 */
export function createStudentView(section, uPlot) {
  const title = /** @type {HTMLElement} */ (section.querySelector("h2"));
  const status = /** @type {HTMLElement} */ (section.querySelector(".student-view-status"));
  const [mapCanvas, pointsCanvas] = /** @type {HTMLCanvasElement[]} */ ([
    ...section.querySelectorAll(".student-view-map canvas"),
  ]);
  const mapBox = /** @type {HTMLElement} */ (section.querySelector(".student-view-map"));
  const boundary = createBoundary(mapCanvas, pointsCanvas);
  const loss = createChart(/** @type {HTMLElement} */ (section.querySelector(".student-view-charts")), uPlot, {
    title: "Loss",
    series: [
      { label: "train", stroke: "#0877bd" },
      { label: "val", stroke: "#f59322", dash: [5, 3] },
    ],
  });
  let frames = 0;
  let painting = false;

  function paintSoon() {
    if (painting) return;
    painting = true;
    requestAnimationFrame(() => {
      painting = false;
      loss.flush();
    });
  }

  return {
    /** @param {StudentEntry} student the one now shown */
    open(student) {
      title.textContent = `${student.name}'s run (read-only)`;
      status.textContent = "Connecting…";
      section.hidden = false;
      frames = 0;
      section.dataset.frames = "0";
      boundary.reset();
      loss.reset();
    },
    /** @param {import("./frame.js").Frame} frame */
    frame(frame) {
      const map = frame.arrays.boundary;
      if (map) boundary.update(map);
      mapBox.hidden = !map; // images and sequences: the loss curves and status only, so far
      section.dataset.frames = String(++frames);
      section.dataset.step = String(frame.header.step);
    },
    /** @param {ServerEvent} event */
    event(event) {
      if (event.type === "status") {
        status.textContent = `${event.state}: step ${event.step ?? "?"}, epoch ${event.epoch ?? "?"}`;
      } else if (event.type === "metrics") {
        for (const p of event.points) loss.push(p.epoch, [p.train_loss, p.val_loss]);
        const last = event.points[event.points.length - 1];
        if (last) status.dataset.loss = `${lossText(last.train_loss)} / ${lossText(last.val_loss)}`;
        paintSoon();
      } else if (event.type === "error") {
        status.textContent = event.message;
      }
    },
    reset() {
      section.hidden = true;
      boundary.reset();
      loss.reset();
    },
  };
}
