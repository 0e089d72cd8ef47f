// @ts-check
/**
 * A line chart over training steps with one series per arm (or per layer), drawn by uPlot:
 * the lesson's runs on the same axes. Each series keeps its own points (step -> value); they
 * need not share steps (arms with different batch sizes report at different steps), so the
 * x column is the union of every series' steps and a series is a gap where it has no point,
 * drawn across (spanGaps). Points are buffered and drawn at most once per `flush`.
 */

import { logTicks, missingNote, yScale } from "../views/charts.js";
import { el } from "../views/controls.js";

const HEIGHT = 170;

/** Colours for arms and layers, told apart also by people with colour-blindness (Okabe–Ito). */
export const PALETTE = ["#0877bd", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000", "#f0e442"];

/**
 * @typedef {{title: string, yLabel?: string, logY?: boolean, range?: [number, number], axes?: {of: number[], labels: string[]}}} CompareOptions
 *   `axes`: series on separate y scales: series i on scale `of[i]`, whose axis is named
 *   `labels[of[i]]` (at most two: the first on the left, the second on the right), so two
 *   losses of different sizes both show their shape
 */

/**
 * uPlot's scales, axes and series for these series' labels: one y scale for all, or the
 * scales `options.axes` assigns (each with its axis, coloured as its first series).
 * @param {string[]} labels
 * @param {CompareOptions} options
 */
export function plotLayout(labels, options) {
  const stroke = (/** @type {number} */ i) => PALETTE[i % PALETTE.length];
  const own = options.axes;
  const scaleOf = (/** @type {number} */ i) => (own ? `y${own.of[i] ?? 0}` : "y");
  /** @type {Record<string, any>} */
  const scales = { x: { time: false } };
  const yNames = own ? own.labels.map((_, k) => `y${k}`) : ["y"];
  for (const name of yNames) scales[name] = yScale(options);
  const yAxis = (/** @type {number} */ k) => ({
    scale: yNames[k],
    label: own ? own.labels[k] : (options.yLabel ?? ""),
    size: 50,
    values: options.logY ? logTicks : undefined,
    ...(own ? { side: k === 0 ? 3 : 1, stroke: stroke(Math.max(0, own.of.indexOf(k))), grid: { show: k === 0 } } : {}),
  });
  const axes = [{ label: "step", size: 30, labelSize: 14 }, ...yNames.map((_, k) => yAxis(k))];
  const series = [
    { label: "step" },
    ...labels.map((label, i) => ({ label, scale: scaleOf(i), stroke: stroke(i), width: 2, spanGaps: true })),
  ];
  return { scales, axes, series };
}

/**
 * The table uPlot draws: the sorted union of the series' x values, then one column per
 * series with null where it has no point there.
 * @param {Map<number, number | null>[]} series x -> y, one map per series
 * @returns {(number | null)[][]}
 */
export function mergeSeries(series) {
  const xs = [...new Set(series.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
  return [xs, ...series.map((s) => xs.map((x) => s.get(x) ?? null))];
}

/**
 * A value a chart can draw: finite, and positive on a log scale; null otherwise (a gap).
 * @param {number | null | undefined} v
 * @param {boolean} [logY]
 */
export function plottable(v, logY = false) {
  return typeof v === "number" && Number.isFinite(v) && !(logY && v <= 0) ? v : null;
}

/**
 * @param {HTMLElement} container
 * @param {any} uPlot the library's default export, or null when it is not installed
 * @param {CompareOptions} options
 */
export function createCompareChart(container, uPlot, options) {
  const caption = el("figcaption", { textContent: options.title });
  const box = el("div", { className: "chart-plot" });
  const node = el("figure", { className: "chart compare-chart" }, [caption, box]);
  // How the y values are drawn, for tests and scripts: one axis (linear or log) or one per loss.
  node.dataset.yAxis = options.axes ? "per-loss" : options.logY ? "log" : "linear";
  container.append(node);
  /** @type {string[]} */
  let labels = [];
  /** @type {Map<number, number | null>[]} */
  let points = [];
  /** @type {any} */
  let plot = null;
  let dirty = false;

  if (!uPlot) box.append(missingNote());

  const width = () => Math.max(200, box.clientWidth || 300);

  function build() {
    if (!uPlot) return;
    plot?.destroy();
    plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        ...plotLayout(labels, options),
      },
      mergeSeries(points),
      box,
    );
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT })).observe(box);

  return {
    node,
    /**
     * Empties the chart and names its series (rebuilding it when the names change).
     * @param {string[]} names
     */
    reset(names) {
      const rebuild = !plot || JSON.stringify(names) !== JSON.stringify(labels);
      labels = names;
      points = names.map(() => new Map());
      node.dataset.series = String(names.length);
      node.dataset.points = "0";
      if (rebuild) build();
      else plot?.setData(mergeSeries(points));
    },
    /**
     * @param {number} series its index in `reset`'s names
     * @param {number} x the step
     * @param {number | null | undefined} y null or not finite: a gap
     */
    push(series, x, y) {
      points[series]?.set(x, plottable(y, options.logY));
      dirty = true;
    },
    flush() {
      if (!dirty) return;
      dirty = false;
      const data = mergeSeries(points);
      plot?.setData(data);
      node.dataset.points = String(data[0].length); // what is drawn, for tests and scripts
    },
    /** @param {string} text */
    setTitle(text) {
      caption.textContent = text;
    },
  };
}
