// @ts-check
/**
 * A recurrent layer's hidden state over one example: a time × units heatmap (time on x,
 * units on y), one canvas pixel per cell scaled up by CSS. Colours diverge around 0
 * (orange negative, grey 0, blue positive) on a symmetric range, so 0 is always grey.
 */

import { NEGATIVE, NEUTRAL, POSITIVE, byteScale, css } from "../colors.js";
import { mapRange } from "../frame.js";
import { el } from "./controls.js";

/** Units drawn at most: more rows than this are too thin to read. */
export const MAX_UNITS = 64;

/**
 * The half-width of a symmetric colour range covering [min, max]; 1 when both are 0.
 * @param {number} min
 * @param {number} max
 */
export function symmetricRange(min, max) {
  const m = Math.max(Math.abs(min), Math.abs(max));
  return Number.isFinite(m) && m > 0 ? m : 1;
}

/**
 * Writes a (T, units) byte map transposed into RGBA pixels, time along x, unit along y,
 * only the first `rows` units.
 * @param {Uint8ClampedArray} px RGBA, T * rows pixels
 * @param {Uint8Array} bytes (T, units), row-major
 * @param {number} steps T
 * @param {number} units
 * @param {number} rows units drawn
 * @param {Uint8ClampedArray} lut byte -> RGB
 */
export function paintTransposed(px, bytes, steps, units, rows, lut) {
  for (let u = 0; u < rows; u++) {
    for (let t = 0; t < steps; t++) {
      const c = bytes[t * units + u] * 3;
      const p = (u * steps + t) * 4;
      px[p] = lut[c];
      px[p + 1] = lut[c + 1];
      px[p + 2] = lut[c + 2];
      px[p + 3] = 255;
    }
  }
}

/** @param {HTMLElement} container */
export function createTimeHeatmap(container) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: "time-map", role: "img", "aria-label": "hidden state: time step across, unit down" })
  );
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const low = el("span");
  const high = el("span");
  const last = el("span", { className: "axis-end" });
  const rowsNote = el("span", { className: "muted" });
  const scale = el("span", { className: "legend-bar" });
  scale.style.background = `linear-gradient(to right, ${css(NEGATIVE)}, ${css(NEUTRAL)}, ${css(POSITIVE)})`;
  const node = el("figure", { className: "time-heatmap" }, [
    el("figcaption", { textContent: "Hidden state over time (one example)" }),
    el("div", { className: "time-grid" }, [
      el("span", { className: "axis-y", textContent: "unit" }),
      canvas,
      el("div", { className: "axis-x" }, [
        el("span", { textContent: "0" }),
        el("span", { textContent: "time step →" }),
        last,
      ]),
    ]),
    el("p", { className: "legend" }, [low, scale, high, rowsNote]),
  ]);
  container.append(node);
  /** @type {ImageData | null} */
  let image = null;

  return {
    node,
    /** @param {import("../frame.js").FrameArray} array uint8 (T, units) over [min, max] */
    update(array) {
      const [steps, units] = array.shape;
      const rows = Math.min(units, MAX_UNITS);
      if (!image || image.width !== steps || image.height !== rows) {
        canvas.width = steps;
        canvas.height = rows;
        canvas.style.setProperty("--rows", String(rows));
        image = ctx.createImageData(steps, rows);
      }
      const [min, max] = mapRange(array);
      const half = symmetricRange(min, max);
      const lut = byteScale(min, max, (v) => v / half);
      paintTransposed(image.data, /** @type {Uint8Array} */ (array.data), steps, units, rows, lut);
      ctx.putImageData(image, 0, 0);
      low.textContent = `−${formatValue(half)}`;
      high.textContent = `+${formatValue(half)}`;
      last.textContent = String(steps - 1);
      rowsNote.textContent = units > rows ? `first ${rows} of ${units} units` : `${units} units`;
    },
    reset() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      image = null;
    },
  };
}

/** @param {number} v */
function formatValue(v) {
  return v >= 0.01 && v < 1000 ? String(+v.toPrecision(2)) : v.toExponential(1);
}
