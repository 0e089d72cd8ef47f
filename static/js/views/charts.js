// @ts-check
/**
 * Line charts over epochs, drawn by uPlot (served from our own /vendor/uplot, installed by
 * `npm ci`). Points are buffered and drawn at most once per animation frame (`flush`), so a
 * run reporting hundreds of epochs a second costs one redraw per painted frame. A chart
 * keeps at most MAX_POINTS points: beyond that it halves its resolution, keeping the shape.
 */

import { el } from "./controls.js";

const MAX_POINTS = 4000;
// Where our server serves uPlot's ES module: a URL, not a path TypeScript could resolve.
const UPLOT_MODULE = "/vendor/uplot/uPlot.esm.js";

/**
 * @typedef {{label: string, stroke: string, dash?: number[]}} Series
 * @typedef {{title: string, series: Series[], logY?: boolean, yLabel?: string, xLabel?: string,
 *            range?: [number, number]}} ChartOptions `xLabel`: "epoch" unless given
 */

/**
 * @param {HTMLElement} container
 * @param {any} uPlot the library's default export, or null when it is not installed
 * @param {ChartOptions} options
 */
export function createChart(container, uPlot, options) {
  const caption = el("figcaption", { textContent: options.title });
  const box = el("figure", { className: "chart" }, [caption]);
  container.append(box);
  /** @type {number[][]} */
  let data = [[], ...options.series.map(() => [])];
  /** @type {any} */
  let plot = null;
  let dirty = false;
  /** @type {number | null} */
  let marker = null;
  let series = options.series;

  if (!uPlot) box.append(missingNote());

  function build() {
    if (!uPlot) return;
    plot?.destroy();
    const width = Math.max(200, box.clientWidth || 300);
    plot = new uPlot(
      {
        width,
        height: 150,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false },
          y: yScale(options),
        },
        axes: [
          { label: options.xLabel ?? "epoch", size: 30, labelSize: 14 },
          { label: options.yLabel ?? "", size: 50, values: options.logY ? logTicks : undefined },
        ],
        series: [
          { label: options.xLabel ?? "epoch" },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            dash: s.dash,
            width: 1.5,
            spanGaps: true,
            points: { show: false },
          })),
        ],
        hooks: { draw: [drawMarker] },
      },
      data,
      box,
    );
  }

  /** @param {any} u */
  function drawMarker(u) {
    if (marker === null) return;
    const x = u.valToPos(marker, "x", true);
    const { ctx, bbox } = u;
    ctx.save();
    ctx.strokeStyle = "#b3261e";
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  function halve() {
    data = data.map((column) => column.filter((_, i) => i % 2 === 0));
  }

  new ResizeObserver(() => plot?.setSize({ width: Math.max(200, box.clientWidth), height: 150 })).observe(box);
  build();

  return {
    /**
     * @param {number} x the epoch
     * @param {(number | null)[]} values one per series; null leaves a gap
     */
    push(x, values) {
      data[0].push(x);
      values.forEach((v, i) =>
        data[i + 1].push(v === null || !Number.isFinite(v) || (options.logY && v <= 0) ? /** @type {any} */ (null) : v),
      );
      if (data[0].length > MAX_POINTS) halve();
      dirty = true;
    },
    /** @param {number | null} x an epoch to mark (early stopping's best epoch), or null */
    mark(x) {
      marker = x;
      box.dataset.marker = x === null ? "" : String(x); // readable by tests and scripts
      dirty = true;
    },
    flush() {
      if (!dirty || !plot) return;
      dirty = false;
      plot.setData(data);
      box.dataset.points = String(data[0].length); // what is drawn, for tests and scripts
    },
    /** Empties the chart; new series labels rebuild it (the layers changed). */
    reset(/** @type {Series[]} */ next = series) {
      const rebuild = JSON.stringify(next) !== JSON.stringify(series);
      series = next;
      data = [[], ...series.map(() => [])];
      marker = null;
      box.dataset.marker = "";
      box.dataset.points = "0";
      if (rebuild) build();
      else plot?.setData(data);
    },
    /** @param {string} text */
    setTitle(text) {
      caption.textContent = text;
    },
  };
}

/**
 * uPlot's default export, or null when it is not installed (the charts then say so).
 * @returns {Promise<typeof import("uplot") | null>}
 */
export function loadUPlot() {
  return import(UPLOT_MODULE).then(
    (m) => m.default,
    () => null,
  );
}

/** What a chart says in place of itself when uPlot is not installed. */
export function missingNote() {
  return el("p", {
    className: "chart-missing",
    textContent: "Charts need the uPlot library: run `npm ci` in the project folder, then restart the server.",
  });
}

/**
 * The y scale every chart takes from its options: log, a fixed range, or automatic.
 * @param {{logY?: boolean, range?: [number, number]}} options
 */
export function yScale(options) {
  return options.logY ? { distr: 3 } : options.range ? { range: options.range } : {};
}

/**
 * Tick labels for a log axis: 0.001 and 1e-5 rather than uPlot's rounded "0".
 * @param {any} _u
 * @param {(number | null)[]} values
 */
export function logTicks(_u, values) {
  return values.map((v) => (v == null ? "" : v >= 0.01 && v < 1e4 ? String(+v.toPrecision(2)) : v.toExponential(0)));
}
