// @ts-check
/**
 * The lesson's shared axes: one loss chart and one accuracy chart (R² for regression), each
 * with a series per arm over training steps, so the runs compare at a glance. Each chart
 * shows the training or the validation data, as its own menu says (loss on the training
 * data, what the optimizer lowers; accuracy on the validation data, what carries over to
 * data the network has not seen).
 */

import { el } from "../views/controls.js";
import { createCompareChart } from "./compareChart.js";

/**
 * @typedef {"train" | "val"} Split
 */

/**
 * @param {HTMLElement} container
 * @param {any} uPlot
 * @param {{arms: string[], regression: boolean, highlight: string | null}} o
 */
export function createSharedCharts(container, uPlot, o) {
  /** @type {{name: "loss" | "accuracy", key: string, title: string, split: Split}[]} */
  const kinds = [
    { name: "loss", key: "loss", title: "Loss", split: "train" },
    { name: "accuracy", key: "score", title: o.regression ? "R² (1 is perfect)" : "Accuracy", split: "val" },
  ];
  /** @type {{x: number, values: Record<string, number | null>}[][]} every arm's metric points */
  let history = o.arms.map(() => []);
  const charts = kinds.map((kind) => {
    const section = el("section", { className: "shared-chart", "data-view": kind.name });
    if (o.highlight === kind.name) {
      section.classList.add("look-here");
      section.append(el("p", { className: "look-here-label", textContent: "look here" }));
    }
    container.append(section);
    const chart = createCompareChart(section, uPlot, { title: title(kind.title, kind.split), range: kind.name === "accuracy" && !o.regression ? [0, 1] : undefined });
    chart.reset(o.arms);
    const menu = /** @type {HTMLSelectElement} */ (el("select", { "aria-label": `${kind.title}: which data` }, [
      el("option", { value: "train", textContent: "on the training data" }),
      el("option", { value: "val", textContent: "on the validation data" }),
    ]));
    menu.value = kind.split;
    menu.addEventListener("change", () => {
      kind.split = /** @type {Split} */ (menu.value);
      chart.setTitle(title(kind.title, kind.split));
      chart.reset(o.arms);
      history.forEach((points, arm) => points.forEach((p) => chart.push(arm, p.x, p.values[`${kind.split}_${kind.key}`])));
      chart.flush();
    });
    section.append(el("label", { className: "chart-split" }, ["Show ", menu]));
    return { kind, chart };
  });

  return {
    /**
     * @param {number} arm the arm's index
     * @param {Record<string, any>[]} points a metrics event's points (x: their step)
     */
    push(arm, points) {
      for (const p of points) {
        history[arm].push({ x: p.step, values: { train_loss: p.train_loss, val_loss: p.val_loss, train_score: p.train_score, val_score: p.val_score } });
        for (const { kind, chart } of charts) chart.push(arm, p.step, p[`${kind.split}_${kind.key}`]);
      }
    },
    flush() {
      for (const { chart } of charts) chart.flush();
    },
    reset() {
      history = o.arms.map(() => []);
      for (const { chart } of charts) chart.reset(o.arms);
    },
  };
}

/**
 * The metric point a frame's `metrics` view carries (the same `Run.evaluate()` as a
 * metrics event's points, at the frame's step), or null when the frame has none. Frames
 * come many times an epoch, so they fill the curves between the epochs' points.
 * @param {Record<string, any>} values a frame header's values
 * @returns {Record<string, any> | null}
 */
export function framePoint(values) {
  if (typeof values["metrics/step"] !== "number") return null;
  /** @type {Record<string, number | null>} */
  const grads = {};
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith("metrics/grad_norms/")) grads[key.slice("metrics/grad_norms/".length)] = /** @type {number | null} */ (value);
  }
  const at = (/** @type {string} */ name) => values[`metrics/${name}`] ?? null;
  return { step: values["metrics/step"], train_loss: at("train_loss"), val_loss: at("val_loss"), train_score: at("train_score"), val_score: at("val_score"), grad_norms: grads };
}

/**
 * @param {string} name
 * @param {Split} split
 */
function title(name, split) {
  return `${name} on the ${split === "train" ? "training" : "validation"} data`;
}
