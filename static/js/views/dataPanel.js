// @ts-check
/**
 * The data panel, as in TensorFlow Playground: the kind of problem, dataset tiles drawn from
 * the real data, classes, the train/validation split, noise, batch size and a button that
 * draws a new sample of the data (a new seed). Beyond 2-D points: digit images, sequences
 * and text (tiles drawn from their first validation example), the sequence length, and the
 * user's own CSV file (uploaded, then its target column and task chosen here).
 */

import { css } from "../colors.js";
import { pointColor } from "./boundary.js";
import { button, checkbox, el, select, slider } from "./controls.js";

/**
 * @typedef {import("./boundary.js").Points} Points
 * @typedef {{x: any, y: any}} Example
 * @typedef {{catalog: any, state: Record<string, any>,
 *            loadPoints: (dataset: string) => Promise<Points>,
 *            loadExamples: (dataset: string) => Promise<{examples: Example[]}>,
 *            upload: (file: File) => Promise<{file: string, rows: number, columns: string[], target: string, task: string}>,
 *            onChange: (changes: Record<string, any>) => void, onOpenGan?: () => void}} Options
 * `onOpenGan`: "GANs" in the problem menu leaves for the GAN page (/gan).
 */

/** The problem menu: each entry gathers the datasets of one kind. */
const GROUPS = [
  ["classification", "Classification (2-D points)"],
  ["regression", "Regression (2-D points)"],
  ["image", "Images (digits)"],
  ["sequence", "Sequences"],
  ["tokens", "Text"],
  ["table", "Your own CSV"],
  ["gan", "GANs (generate data) →"],
];

/**
 * @param {any} catalog
 * @param {string} name a dataset
 */
export function groupOf(catalog, name) {
  const info = catalog.datasets[name];
  if (!info || info.input_kind === "points") return info?.task === "regression" ? "regression" : "classification";
  return info.input_kind;
}

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createDataPanel(container, o) {
  const datasets = Object.entries(o.catalog.datasets);
  let group = groupOf(o.catalog, o.state.dataset);
  /** @type {string[]} the uploaded file's columns, for the target menu */
  let columns = [];

  const tiles = el("div", { className: "tiles", role: "group", "aria-label": "dataset", "data-control": "dataset" });
  const problemSelect = select({
    name: "problem",
    label: "Problem type",
    options: /** @type {[string, string][]} */ (GROUPS),
    value: group,
    onChange: (g) => {
      if (g === "gan") {
        problemSelect.set(group); // the page is left; if it stays (a new tab), the menu is as it was
        o.onOpenGan?.();
        return;
      }
      group = g;
      const first = datasets.find(([name]) => groupOf(o.catalog, name) === g);
      if (first) o.onChange({ dataset: first[0] });
    },
  });
  const classes = select({
    name: "n_classes",
    label: "Classes",
    options: classCounts(o.catalog.data_params.n_classes),
    value: String(o.state.n_classes),
    onChange: (v) => o.onChange({ n_classes: Number(v) }),
  });
  const ratio = slider({
    name: "val_fraction",
    label: "Training data",
    min: 10,
    max: 90,
    step: 5,
    value: Math.round((1 - o.state.val_fraction) * 100),
    format: (v) => `${v}%`,
    onChange: (v) => o.onChange({ val_fraction: Math.round(100 - v) / 100 }),
  });
  const noise = slider({
    name: "noise",
    label: "Noise",
    min: o.catalog.data_params.noise.min,
    max: o.catalog.data_params.noise.max,
    step: 0.05,
    value: o.state.noise,
    format: (v) => `${Math.round(v * 100)}%`,
    onChange: (v) => o.onChange({ noise: v }),
  });
  const flip = slider({
    name: "flip",
    label: "Wrong labels",
    min: o.catalog.data_params.flip.min,
    max: o.catalog.data_params.flip.max,
    step: 0.05,
    value: o.state.flip,
    format: (v) => `${Math.round(v * 100)}%`,
    onChange: (v) => o.onChange({ flip: v }),
  });
  // null follows the dataset's default (the catalog's default_normalize)
  const normalize = checkbox({
    name: "normalize",
    label: "Standardise inputs",
    value: false,
    onChange: (v) => o.onChange({ normalize: v }),
  });
  normalize.node.title = o.catalog.data_params.normalize.description;
  const seqLen = slider({
    name: "seq_len",
    label: "Sequence length",
    min: 2,
    max: 100,
    step: 1,
    value: o.state.seq_len ?? 20,
    format: (v) => `${v} steps`,
    onChange: (v) => o.onChange({ seq_len: v }),
  });
  const batch = slider({
    name: "batch_size",
    label: "Batch size",
    min: 1,
    max: 100,
    step: 1,
    value: o.state.batch_size,
    onChange: (v) => o.onChange({ batch_size: v }),
  });
  const regenerate = button({
    label: "Regenerate",
    name: "regenerate",
    title: "Draw a new sample of the data (a new seed)",
    onClick: () => o.onChange({ seed: Math.floor(Math.random() * 1_000_000) }),
  });
  const csv = csvControls();
  container.append(
    problemSelect.node,
    tiles,
    csv.node,
    classes.node,
    seqLen.node,
    ratio.node,
    noise.node,
    flip.node,
    normalize.node,
    batch.node,
    regenerate,
  );

  /** @type {Map<string, HTMLButtonElement>} */
  const tileButtons = new Map();
  for (const [name, info] of datasets) {
    if (/** @type {any} */ (info).input_kind === "table") continue; // the upload stands in for it
    const canvas = /** @type {HTMLCanvasElement} */ (el("canvas", { width: 64, height: 64 }));
    const tile = /** @type {HTMLButtonElement} */ (
      el(
        "button",
        {
          type: "button",
          className: "tile",
          title: /** @type {any} */ (info).description,
          "aria-label": `dataset ${name}`,
          "data-dataset": name,
        },
        [canvas, el("span", { textContent: name.replaceAll("_", " ") })],
      )
    );
    tile.addEventListener("click", () => o.onChange({ dataset: name }));
    tileButtons.set(name, tile);
    tiles.append(tile);
    const kind = /** @type {any} */ (info).input_kind;
    if (kind === "points")
      o.loadPoints(name).then(
        (points) => drawThumb(canvas, points),
        () => undefined,
      );
    else
      o.loadExamples(name).then(
        (answer) => drawExample(canvas, kind, answer.examples[0]),
        () => undefined,
      );
  }

  /** The CSV upload: a file picker, what the server made of the file, target and task. */
  function csvControls() {
    const input = /** @type {HTMLInputElement} */ (
      el("input", { type: "file", id: "csv-file", accept: ".csv,text/csv" })
    );
    const summary = el("p", { className: "csv-summary muted", "aria-live": "polite" });
    const target = select({
      name: "target",
      label: "Target column",
      options: [],
      value: "",
      onChange: (t) => o.onChange({ target: t }),
    });
    const task = select({
      name: "task",
      label: "Task",
      value: o.state.task,
      options: [
        ["auto", "auto (from the target)"],
        ["binary", "binary classification"],
        ["multiclass", "classes"],
        ["regression", "regression"],
      ],
      onChange: (t) => o.onChange({ task: t }),
    });
    const node = el("div", { className: "csv", "data-control": "file" }, [
      el("label", { for: input.id, textContent: "CSV file (numbers; first row names the columns)" }),
      input,
      el("span", { className: "field-error", role: "alert", "data-error-for": "file" }),
      summary,
      target.node,
      task.node,
    ]);
    input.addEventListener("change", async () => {
      const file = input.files?.[0];
      if (!file) return;
      summary.textContent = `Uploading ${file.name}…`;
      const slot = /** @type {HTMLElement} */ (node.querySelector('[data-error-for="file"]'));
      slot.textContent = "";
      try {
        const answer = await o.upload(file);
        columns = answer.columns;
        summary.textContent = `${file.name}: ${answer.rows.toLocaleString("en")} rows, ${answer.columns.length} columns, ${answer.task}`;
        o.onChange({ dataset: "csv", file: answer.file, target: answer.target, task: "auto" });
      } catch (error) {
        summary.textContent = "";
        slot.textContent = /** @type {Error} */ (error).message;
      }
    });
    return { node, target, task };
  }

  /** @param {Record<string, any>} state */
  function update(state) {
    group = groupOf(o.catalog, state.dataset);
    problemSelect.set(group);
    const info = o.catalog.datasets[state.dataset] ?? {};
    const uses = new Set(info.uses ?? []);
    for (const [name, tile] of tileButtons) {
      tile.hidden = groupOf(o.catalog, name) !== group;
      tile.setAttribute("aria-pressed", String(name === state.dataset));
    }
    tiles.hidden = group === "table";
    csv.node.hidden = group !== "table";
    const names = [...new Set([...columns, ...(state.target ? [state.target] : [])])];
    csv.target.input.replaceChildren(...names.map((c) => el("option", { value: c, textContent: c })));
    csv.target.set(state.target ?? "");
    csv.task.set(state.task);
    classes.node.hidden = info.input_kind !== "points";
    classes.input.disabled = (info.max_classes ?? 2) < 3;
    classes.set(String(state.n_classes));
    seqLen.node.hidden = !uses.has("seq_len");
    seqLen.set(state.seq_len ?? info.default_seq_len ?? 20);
    noise.node.hidden = !uses.has("noise");
    flip.node.hidden = !uses.has("flip");
    flip.set(state.flip);
    normalize.node.hidden = !uses.has("normalize");
    normalize.set(state.normalize ?? info.default_normalize ?? false);
    ratio.set(Math.round((1 - state.val_fraction) * 100));
    noise.set(state.noise);
    batch.set(Math.min(100, state.batch_size));
  }

  update(o.state);
  return {
    update,
    /**
     * The columns of the CSV in use, when the page opens on one (from the validator).
     * @param {string[]} names
     */
    setColumns(names) {
      columns = names;
    },
  };
}

/**
 * A tile for data that is not points: the first validation example, as the model sees it.
 * @param {HTMLCanvasElement} canvas
 * @param {string} kind
 * @param {Example | undefined} example
 */
function drawExample(canvas, kind, example) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  if (!example) return;
  const size = canvas.width;
  ctx.clearRect(0, 0, size, size);
  if (kind === "image") {
    const rows = /** @type {number[][]} */ (example.x);
    const cell = size / rows.length;
    rows.forEach((row, r) =>
      row.forEach((v, c) => {
        const shade = 255 - Math.round(255 * Math.max(0, Math.min(1, v)));
        ctx.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
        ctx.fillRect(c * cell, r * cell, cell + 0.5, cell + 0.5);
      }),
    );
  } else if (kind === "sequence") {
    const steps = /** @type {number[][]} */ (example.x);
    const values = steps.map((s) => s[0]);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    ctx.strokeStyle = css([8, 119, 189]);
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((v, t) =>
      ctx.lineTo((t / Math.max(1, values.length - 1)) * size, size - 6 - ((v - lo) / (hi - lo || 1)) * (size - 12)),
    );
    ctx.stroke();
  } else {
    ctx.fillStyle = css([8, 119, 189]);
    ctx.font = `bold ${size / 4}px sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(String(example.x).replaceAll(".", " ").trim().slice(-6) || "abc", size / 2, size * 0.6);
  }
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

/**
 * The class counts 2-D data may have (the catalog's bounds): more than 2 use a softmax.
 * @param {{min: number, max: number}} bounds
 * @returns {[string, string][]}
 */
function classCounts(bounds) {
  const counts = Array.from({ length: bounds.max - bounds.min + 1 }, (_, i) => bounds.min + i);
  return counts.map((n) => [String(n), n > 2 ? `${n} (softmax)` : String(n)]);
}
