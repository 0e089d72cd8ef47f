// @ts-check
/**
 * A uPlot line chart whose data is replaced wholesale (`set`), for views that arrive whole
 * in each frame: prediction vs truth over the val window, the gradient reaching each time
 * step, accuracy by sequence length. (charts.js is the other kind: points pushed over
 * epochs.) `set` draws at once, so call it from the page's paint loop, not per message.
 */

import { logTicks, missingNote, yScale } from "./charts.js";
import { el } from "./controls.js";

const HEIGHT = 170;

/**
 * @typedef {{label: string, stroke: string, dash?: number[], points?: boolean}} Series
 * @typedef {{title: string, xLabel: string, yLabel?: string, series: Series[],
 *            logY?: boolean, range?: [number, number], note?: string}} SeriesChartOptions
 */

/**
 * @param {HTMLElement} container
 * @param {any} uPlot the library's default export, or null when it is not installed
 * @param {SeriesChartOptions} options
 */
export function createSeriesChart(container, uPlot, options) {
  const caption = el("figcaption", { textContent: options.title });
  const note = el("p", { className: "chart-note", textContent: options.note ?? "" });
  const box = el("div", { className: "chart-plot" });
  const node = el("figure", { className: "chart series-chart" }, [caption, box, note]);
  container.append(node);
  let series = options.series;
  /** @type {(number | null)[][]} x, then one column per series; null is a gap */
  let data = [[], ...series.map(() => [])];
  /** @type {any} */
  let plot = null;

  if (!uPlot) box.append(missingNote());

  const width = () => Math.max(200, box.clientWidth || 300);

  function build() {
    if (!uPlot) return;
    plot?.destroy();
    plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        legend: { show: series.length > 1, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false },
          y: yScale(options),
        },
        axes: [
          { label: options.xLabel, size: 30, labelSize: 14 },
          { label: options.yLabel ?? "", size: 50, values: options.logY ? logTicks : undefined },
        ],
        series: [
          { label: options.xLabel },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            dash: s.dash,
            width: 1.5,
            spanGaps: false,
            points: { show: s.points ?? false, size: 4, fill: s.stroke },
          })),
        ],
      },
      data,
      box,
    );
  }

  new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT })).observe(box);
  build();

  return {
    node,
    /**
     * Replaces what is drawn.
     * @param {ArrayLike<number>} xs
     * @param {ArrayLike<number>[]} columns one per series, as long as xs
     */
    set(xs, columns) {
      data = [Array.from(xs), ...columns.map((c) => Array.from(c, (v) => drawable(v, options.logY)))];
      plot?.setData(data);
      node.dataset.points = String(xs.length); // what is drawn, for tests and scripts
    },
    /** @param {string} text a line under the chart (a reading, or what the chart means) */
    setNote(text) {
      note.textContent = text;
    },
    /** @param {string} text */
    setTitle(text) {
      caption.textContent = text;
    },
    /** Empties the chart; different series (labels, colours) rebuild it. */
    reset(/** @type {Series[]} */ next = series) {
      const rebuild = JSON.stringify(next) !== JSON.stringify(series);
      series = next;
      data = [[], ...series.map(() => [])];
      node.dataset.points = "0";
      if (rebuild) build();
      else plot?.setData(data);
    },
  };
}

/**
 * A value uPlot can draw, or null for a gap: not finite, or not positive on a log scale.
 * @param {number} v
 * @param {boolean} [logY]
 * @returns {number | null}
 */
export function drawable(v, logY = false) {
  return Number.isFinite(v) && !(logY && v <= 0) ? v : null;
}
