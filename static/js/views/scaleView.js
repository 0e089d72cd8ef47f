// @ts-check
/**
 * "How deep is deep": the student's model as a point beside famous networks, layers across
 * and parameters up, both on log scales (a 3-parameter network and GPT-3's 175 billion fit
 * one picture only that way), with one sentence comparing it with the largest. An SVG drawn
 * once; `update` moves the student's point and rewrites the sentence. Screen readers get the
 * whole picture as the SVG's label.
 */

import { el } from "./controls.js";

const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {{name: string, year: number, layers: number, params: number}} ReferenceModel
 * @typedef {{layers: number, params: number}} ModelSize
 */

/**
 * Famous networks: layers as their papers count them (AlexNet 5 convolutions + 3 dense;
 * transformer blocks for the others), parameters rounded as they are usually quoted.
 * @type {readonly ReferenceModel[]}
 */
export const REFERENCE_MODELS = Object.freeze([
  { name: "AlexNet", year: 2012, layers: 8, params: 60e6 },
  { name: "BERT-large", year: 2018, layers: 24, params: 340e6 },
  { name: "GPT-2", year: 2019, layers: 48, params: 1.5e9 },
  { name: "GPT-3", year: 2020, layers: 96, params: 175e9 },
]);

/** @type {[number, number]} the layers axis: 1 to 128 (powers of two) */
export const LAYER_DOMAIN = [1, 128];
/** @type {[number, number]} the parameters axis: 1 to a trillion */
export const PARAM_DOMAIN = [1, 1e12];

/**
 * Maps a value onto [r0, r1] on a log scale over [d0, d1]; values outside the domain (zero
 * and below included) are clamped to its ends, so every model stays on the chart.
 * @param {number} value
 * @param {[number, number]} domain both > 0
 * @param {[number, number]} range
 */
export function logScale(value, [d0, d1], [r0, r1]) {
  const v = Number.isFinite(value) ? Math.min(d1, Math.max(d0, value)) : d0;
  const t = Math.log(v / d0) / Math.log(d1 / d0);
  return r0 + t * (r1 - r0);
}

/** @param {number} n a count, with thousands separators */
function withCommas(n) {
  return Math.round(n).toLocaleString("en-US");
}

/**
 * A parameter count for a label: exact below a million ("1,234"), then millions,
 * billions, trillions to three digits ("60 M", "1.5 B", "175 B").
 * @param {number} n
 */
export function formatParams(n) {
  if (!Number.isFinite(n)) return "–";
  if (n < 1e6) return withCommas(n);
  const [scale, unit] = n < 1e9 ? [1e6, "M"] : n < 1e12 ? [1e9, "B"] : [1e12, "T"];
  return `${+(n / scale).toPrecision(3)} ${unit}`;
}

/**
 * A ratio in words: two significant digits from 10 on ("140,000,000"), one decimal below
 * ("2.5").
 * @param {number} ratio ≥ 1
 */
export function formatRatio(ratio) {
  if (ratio >= 10) return withCommas(Number(ratio.toPrecision(2)));
  return String(Math.round(ratio * 10) / 10);
}

/**
 * The caption: how the largest reference model compares with the student's.
 * "GPT-3 has 140,000,000 times as many parameters as your model".
 * @param {number} params the student's model's parameter count
 * @param {string} [name] how the student's model is called
 */
export function ratioSentence(params, name = "your model") {
  const largest = REFERENCE_MODELS[REFERENCE_MODELS.length - 1];
  if (!(params > 0)) return `Build a model to compare it with ${largest.name}.`;
  const ratio = largest.params / params;
  if (Math.abs(ratio - 1) < 0.05) return `${capitalize(name)} has about as many parameters as ${largest.name}.`;
  if (ratio > 1) return `${largest.name} has ${formatRatio(ratio)} times as many parameters as ${name}.`;
  return `${capitalize(name)} has ${formatRatio(1 / ratio)} times as many parameters as ${largest.name}.`;
}

/** @param {string} text */
function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * "your model: 3 layers, 1,234 parameters"
 * @param {string} name
 * @param {ModelSize} size
 */
export function describeModel(name, { layers, params }) {
  const count = (/** @type {number} */ n, /** @type {string} */ word) =>
    `${withCommas(n)} ${word}${n === 1 ? "" : "s"}`;
  return `${name}: ${count(layers, "layer")}, ${count(params, "parameter")}`;
}

/**
 * The chart in one sentence, for screen readers.
 * @param {string} name
 * @param {ModelSize} size
 */
export function summaryText(name, size) {
  const others = REFERENCE_MODELS.map(
    (m) => `${m.name} (${m.year}), ${m.layers} layers, ${formatParams(m.params)} parameters`,
  );
  return `How deep is deep: ${describeModel(name, size)}; ${others.join("; ")}.`;
}

// --- drawing ---

const WIDTH = 420;
const HEIGHT = 270;
const PLOT = { left: 56, right: 380, top: 16, bottom: 222 };
const LAYER_TICKS = [1, 2, 4, 8, 16, 32, 64, 128];
/** @type {[number, string][]} */
const PARAM_TICKS = [
  [1, "1"],
  [1e3, "1 k"],
  [1e6, "1 M"],
  [1e9, "1 B"],
  [1e12, "1 T"],
];
/**
 * @typedef {{dx: number, dy: number, anchor: "start" | "middle" | "end"}} LabelPlace
 *   a label's first line relative to its point
 */
/** @type {Record<string, LabelPlace>} where each reference model's label sits, so that none overlap */
const LABEL_PLACES = {
  AlexNet: { dx: -9, dy: -3, anchor: "end" },
  "BERT-large": { dx: 0, dy: 18, anchor: "middle" },
  "GPT-2": { dx: 9, dy: -3, anchor: "start" },
  "GPT-3": { dx: -9, dy: 1, anchor: "end" },
};

/** @param {number} layers */
const xOf = (layers) => logScale(layers, LAYER_DOMAIN, [PLOT.left, PLOT.right]);
/** @param {number} params */
const yOf = (params) => logScale(params, PARAM_DOMAIN, [PLOT.bottom, PLOT.top]);

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 */
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The axes, their grid lines and titles. */
function drawAxes() {
  const group = svg("g", { class: "scale-axes", "aria-hidden": "true" });
  for (const n of LAYER_TICKS) {
    const x = xOf(n);
    group.append(svg("line", { class: "scale-grid", x1: x, x2: x, y1: PLOT.top, y2: PLOT.bottom }));
    group.append(svg("text", { x, y: PLOT.bottom + 15, "text-anchor": "middle" }, String(n)));
  }
  for (const [n, label] of PARAM_TICKS) {
    const y = yOf(n);
    group.append(svg("line", { class: "scale-grid", x1: PLOT.left, x2: PLOT.right, y1: y, y2: y }));
    group.append(svg("text", { x: PLOT.left - 6, y: y + 4, "text-anchor": "end" }, label));
  }
  group.append(
    svg(
      "text",
      { class: "scale-axis-title", x: (PLOT.left + PLOT.right) / 2, y: HEIGHT - 6, "text-anchor": "middle" },
      "layers (log scale)",
    ),
  );
  const mid = (PLOT.top + PLOT.bottom) / 2;
  group.append(
    svg(
      "text",
      { class: "scale-axis-title", x: 14, y: mid, "text-anchor": "middle", transform: `rotate(-90 14 ${mid})` },
      "parameters (log scale)",
    ),
  );
  return group;
}

/**
 * A point's label: its name in bold, then a second line of detail. `place` moves it.
 * @returns {{node: SVGElement, place: (x: number, y: number, at: LabelPlace) => void, write: (name: string, detail: string) => void}}
 */
function pointLabel() {
  const node = svg("text");
  const name = svg("tspan", { class: "scale-name" });
  const detail = svg("tspan", { class: "scale-detail", dy: "1.15em" });
  node.append(name, detail);
  return {
    node,
    place(x, y, at) {
      const left = String(x + at.dx);
      for (const line of [node, name, detail]) line.setAttribute("x", left);
      node.setAttribute("y", String(y + at.dy));
      node.setAttribute("text-anchor", at.anchor);
    },
    write(nameText, detailText) {
      name.textContent = nameText;
      detail.textContent = detailText;
    },
  };
}

/**
 * @param {HTMLElement} container
 * @param {ModelSize & {name?: string}} options the student's model; `name` defaults to "your model"
 * @returns {{update: (size: ModelSize) => void}}
 */
export function createScaleView(container, { layers, params, name = "your model" }) {
  const chart = svg("svg", { class: "scale-chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img" });
  chart.append(drawAxes());
  for (const model of REFERENCE_MODELS) {
    const x = xOf(model.layers);
    const y = yOf(model.params);
    const label = pointLabel();
    label.place(x, y, LABEL_PLACES[model.name] ?? { dx: 9, dy: -3, anchor: "start" });
    label.write(model.name, `${model.year} · ${formatParams(model.params)}`);
    const group = svg("g", { class: "scale-point", "aria-hidden": "true" });
    group.append(svg("circle", { cx: x, cy: y, r: 4.5 }), label.node);
    chart.append(group);
  }
  const dot = svg("circle", { r: 6 });
  const label = pointLabel();
  const mine = svg("g", { class: "scale-point scale-yours", "aria-hidden": "true" });
  mine.append(dot, label.node);
  chart.append(mine);

  const caption = el("figcaption", { className: "scale-caption" });
  const figure = el("figure", { className: "scale-view" }, [
    el("h3", { className: "scale-title", textContent: "How deep is deep?" }),
    /** @type {any} */ (chart),
    caption,
  ]);
  container.append(figure);

  /** @param {ModelSize} size */
  function update(size) {
    const known = size.params > 0 && size.layers >= 0;
    mine.toggleAttribute("hidden", !known);
    const x = xOf(size.layers);
    const y = yOf(size.params);
    dot.setAttribute("cx", String(x));
    dot.setAttribute("cy", String(y));
    // the label goes where there is room: right of the point, or below it on the right,
    // under the reference models' labels
    const leftHalf = x < (PLOT.left + PLOT.right) / 2;
    const low = y > PLOT.bottom - 24; // keep clear of the tick labels
    label.place(x, y, leftHalf ? { dx: 10, dy: low ? -18 : -2, anchor: "start" } : { dx: 4, dy: 20, anchor: "end" });
    label.write(name, `${size.layers} ${size.layers === 1 ? "layer" : "layers"} · ${formatParams(size.params)}`);
    chart.setAttribute(
      "aria-label",
      known ? summaryText(name, size) : `How deep is deep: ${REFERENCE_MODELS.map((m) => m.name).join(", ")}.`,
    );
    caption.textContent = ratioSentence(size.params, name);
  }

  update({ layers, params });
  return { update };
}
