// @ts-check
/**
 * The lesson's shared axes: one loss chart and one accuracy chart (R² for regression), each
 * with a series per arm over training steps, so the runs compare at a glance. Each chart
 * shows the training or the validation data, as its own menu says (loss on the training
 * data, what the optimizer lowers; accuracy on the validation data, what carries over to
 * data the network has not seen). A GAN's lesson has no validation data and no accuracy:
 * its charts are the discriminator's and the generator's losses over steps.
 */

import { el } from "../views/controls.js";
import { createCompareChart } from "./compareChart.js";

/**
 * @typedef {"train" | "val"} Split
 * @typedef {{name: string, key: string, title: string, split: Split | null}} Kind a chart;
 *   `split` null: the point's `key` itself (no menu of data)
 */

/**
 * The two charts a lesson shows.
 * @param {boolean} regression
 * @param {boolean} gan
 * @param {Split} [lossSplit] the data the loss chart shows first (the lesson's `loss_data`:
 *   "val" where the point is the validation loss, e.g. rising while the training loss falls)
 * @returns {Kind[]}
 */
export function chartKinds(regression, gan, lossSplit = "train") {
  if (gan) {
    return [
      { name: "d_loss", key: "d_loss", title: "Discriminator loss", split: null },
      { name: "g_loss", key: "g_loss", title: "Generator loss", split: null },
    ];
  }
  return [
    { name: "loss", key: "loss", title: "Loss", split: lossSplit },
    { name: "accuracy", key: "score", title: regression ? "R² (1 is perfect)" : "Accuracy", split: "val" },
  ];
}

/**
 * How one chart draws its y values: the lesson's `loss_axis` shapes the loss chart only
 * ("log": one log axis, so a run whose loss grows a million times does not flatten the
 * others; "per_loss": an axis per loss function, so squared error and cross-entropy both
 * show their shape); accuracy stays on 0 to 1.
 * @param {string} name the chart's kind name
 * @param {string} lossAxis "shared", "log" or "per_loss"
 * @param {boolean} regression
 * @param {string[]} [losses] each arm's loss function, for "per_loss"
 * @returns {{logY?: boolean, axes?: {of: number[], labels: string[]}, range?: [number, number]}}
 */
export function chartAxis(name, lossAxis, regression, losses = []) {
  if (name === "accuracy") return regression ? {} : { range: [0, 1] };
  if (name !== "loss") return {};
  if (lossAxis === "log") return { logY: true };
  if (lossAxis === "per_loss") {
    const labels = [...new Set(losses)];
    return { axes: { of: losses.map((loss) => labels.indexOf(loss)), labels } };
  }
  return {};
}

/**
 * @param {HTMLElement} container
 * @param {any} uPlot
 * @param {{arms: string[], regression: boolean, highlight: string | null, gan?: boolean, lossAxis?: string, losses?: string[], lossData?: string}} o
 */
export function createSharedCharts(container, uPlot, o) {
  const kinds = chartKinds(o.regression, Boolean(o.gan), o.lossData === "val" ? "val" : "train");
  const valueOf = (/** @type {Kind} */ kind, /** @type {Record<string, any>} */ p) =>
    (kind.split ? p[`${kind.split}_${kind.key}`] : p[kind.key]) ?? null;
  /** @type {{x: number, values: Record<string, any>}[][]} every arm's metric points */
  let history = o.arms.map(() => []);
  const charts = kinds.map((kind) => {
    const section = el("section", { className: "shared-chart", "data-view": kind.name });
    if (o.highlight === kind.name) {
      section.classList.add("look-here");
      section.append(el("p", { className: "look-here-label", textContent: "look here" }));
    }
    container.append(section);
    const axis = chartAxis(kind.name, o.lossAxis ?? "shared", o.regression, o.losses);
    const chart = createCompareChart(section, uPlot, { title: title(kind.title, kind.split, axis), ...axis });
    chart.reset(o.arms);
    if (kind.split === null) return { kind, chart };
    const menu = /** @type {HTMLSelectElement} */ (
      el("select", { "aria-label": `${kind.title}: which data` }, [
        el("option", { value: "train", textContent: "on the training data" }),
        el("option", { value: "val", textContent: "on the validation data" }),
      ])
    );
    menu.value = kind.split;
    menu.addEventListener("change", () => {
      kind.split = /** @type {Split} */ (menu.value);
      chart.setTitle(title(kind.title, kind.split, axis));
      chart.reset(o.arms);
      history.forEach((points, arm) => points.forEach((p) => chart.push(arm, p.x, valueOf(kind, p.values))));
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
        history[arm].push({ x: p.step, values: p });
        for (const { kind, chart } of charts) chart.push(arm, p.step, valueOf(kind, p));
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
    if (key.startsWith("metrics/grad_norms/"))
      grads[key.slice("metrics/grad_norms/".length)] = /** @type {number | null} */ (value);
  }
  const at = (/** @type {string} */ name) => values[`metrics/${name}`] ?? null;
  /** @type {Record<string, any>} */
  const point = {
    step: values["metrics/step"],
    train_loss: at("train_loss"),
    val_loss: at("val_loss"),
    train_score: at("train_score"),
    val_score: at("val_score"),
    grad_norms: grads,
  };
  // A GAN's metrics: each network's loss and D's mean P(real) on real and fake samples.
  for (const name of ["d_loss", "g_loss", "d_real", "d_fake"]) if (`metrics/${name}` in values) point[name] = at(name);
  return point;
}

/**
 * @param {string} name
 * @param {Split | null} split
 * @param {{logY?: boolean, axes?: object}} [axis]
 */
export function title(name, split, axis = {}) {
  const scale = axis.logY ? " (log scale)" : axis.axes ? " (each loss on its own axis)" : "";
  if (split === null) return `${name} over the steps${scale}`;
  return `${name} on the ${split === "train" ? "training" : "validation"} data${scale}`;
}
