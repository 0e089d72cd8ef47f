// @ts-check
/**
 * The data panel, as in TensorFlow Playground: the problem type, dataset tiles drawn from
 * the real data, classes, the train/validation split, noise, batch size and a button that
 * draws a new sample of the data (a new seed).
 */

import { css } from "../colors.js";
import { pointColor } from "./boundary.js";
import { button, el, select, slider } from "./controls.js";

/**
 * @typedef {import("./boundary.js").Points} Points
 * @typedef {{catalog: any, state: Record<string, any>,
 *            loadPoints: (dataset: string) => Promise<Points>,
 *            onChange: (changes: Record<string, any>) => void}} Options
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createDataPanel(container, o) {
  const datasets = Object.entries(o.catalog.datasets).filter(([, d]) => /** @type {any} */ (d).input_kind === "points");
  const problemOf = (/** @type {string} */ name) => (o.catalog.datasets[name]?.task === "regression" ? "regression" : "classification");
  let problem = problemOf(o.state.dataset);

  const tiles = el("div", { className: "tiles", role: "group", "aria-label": "dataset", "data-control": "dataset" });
  const problemSelect = select({
    name: "problem", label: "Problem type",
    options: [["classification", "Classification"], ["regression", "Regression"]], value: problem,
    onChange: (p) => {
      problem = p;
      const first = datasets.find(([name]) => problemOf(name) === p);
      if (first) o.onChange({ dataset: first[0] });
    },
  });
  const classes = select({
    name: "n_classes", label: "Classes",
    options: [["2", "2"], ["3", "3 (softmax)"], ["4", "4 (softmax)"]], value: String(o.state.n_classes),
    onChange: (v) => o.onChange({ n_classes: Number(v) }),
  });
  const ratio = slider({
    name: "val_fraction", label: "Training data", min: 10, max: 90, step: 5,
    value: Math.round((1 - o.state.val_fraction) * 100), format: (v) => `${v}%`,
    onChange: (v) => o.onChange({ val_fraction: Math.round(100 - v) / 100 }),
  });
  const noise = slider({
    name: "noise", label: "Noise", min: 0, max: 1, step: 0.05, value: o.state.noise,
    format: (v) => `${Math.round(v * 100)}%`, onChange: (v) => o.onChange({ noise: v }),
  });
  const batch = slider({
    name: "batch_size", label: "Batch size", min: 1, max: 100, step: 1, value: o.state.batch_size,
    onChange: (v) => o.onChange({ batch_size: v }),
  });
  const regenerate = button({
    label: "Regenerate", name: "regenerate", title: "Draw a new sample of the data (a new seed)",
    onClick: () => o.onChange({ seed: Math.floor(Math.random() * 1_000_000) }),
  });
  container.append(problemSelect.node, tiles, classes.node, ratio.node, noise.node, batch.node, regenerate);

  /** @type {Map<string, HTMLButtonElement>} */
  const tileButtons = new Map();
  for (const [name, info] of datasets) {
    const canvas = /** @type {HTMLCanvasElement} */ (el("canvas", { width: 64, height: 64 }));
    const tile = /** @type {HTMLButtonElement} */ (
      el("button", { type: "button", className: "tile", title: /** @type {any} */ (info).description, "aria-label": `dataset ${name}`, "data-dataset": name }, [canvas, el("span", { textContent: name.replace("_", " ") })])
    );
    tile.addEventListener("click", () => o.onChange({ dataset: name }));
    tileButtons.set(name, tile);
    tiles.append(tile);
    o.loadPoints(name).then((points) => drawThumb(canvas, points), () => undefined);
  }

  /** @param {Record<string, any>} state */
  function update(state) {
    problem = problemOf(state.dataset);
    problemSelect.set(problem);
    for (const [name, tile] of tileButtons) {
      tile.hidden = problemOf(name) !== problem;
      tile.setAttribute("aria-pressed", String(name === state.dataset));
    }
    const maxClasses = o.catalog.datasets[state.dataset]?.max_classes ?? 2;
    classes.input.disabled = maxClasses < 3;
    classes.set(String(state.n_classes));
    ratio.set(Math.round((1 - state.val_fraction) * 100));
    noise.set(state.noise);
    batch.set(Math.min(100, state.batch_size));
  }

  update(o.state);
  return { update };
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Points} points
 */
function drawThumb(canvas, points) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const [lo, hi] = points.domain;
  const at = (/** @type {number} */ v) => ((v - lo) / (hi - lo)) * canvas.width;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  points.train.x.forEach(([x1, x2], i) => {
    ctx.fillStyle = css(pointColor(points.task, points.train.y[i]));
    ctx.fillRect(at(x1) - 1, canvas.height - at(x2) - 1, 2.5, 2.5);
  });
}
