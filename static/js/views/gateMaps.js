// @ts-check
/**
 * A gated recurrent layer's gates over one example (the `gates` view): one time × units
 * heatmap per gate, time across, unit down. An LSTM sends input, forget and output gates,
 * a GRU reset and update. Every gate is a fraction from 0 (shut) to 1 (open), so all maps
 * share one fixed scale, white 0 to blue 1: two maps, or two frames, compare at a glance.
 */

import { POSITIVE, css, mix } from "../colors.js";
import { mapRange } from "../frame.js";
import { el } from "./controls.js";
import { MAX_UNITS, paintTransposed } from "./timeHeatmap.js";

/** @type {import("../colors.js").RGB} */
const WHITE = [255, 255, 255];

/** What each gate does, under its map. */
const MEANINGS = /** @type {Record<string, string>} */ ({
  input: "how much of the new input is written into the cell",
  forget: "how much of the cell is kept",
  output: "how much of the cell is shown as the state",
  reset: "how much of the old state the new candidate reads",
  update: "how much of the old state is kept (1 − update is written)",
});

/** The order gates are drawn in: the LSTM's, then the GRU's. */
const ORDER = ["input", "forget", "output", "reset", "update"];

/**
 * A 256-entry lookup, byte -> RGB, for a map quantized over [min, max], on the fixed gate
 * scale: 0 white, 1 full blue.
 * @param {number} min
 * @param {number} max
 */
export function gateScale(min, max) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const value = min + (b / 255) * (max - min);
    lut.set(mix(WHITE, POSITIVE, Math.max(0, Math.min(1, value))).map(Math.round), b * 3);
  }
  return lut;
}

/**
 * The gates among a frame's arrays (`gates/<gate>`), in drawing order.
 * @param {Record<string, import("../frame.js").FrameArray>} arrays
 * @returns {[string, import("../frame.js").FrameArray][]}
 */
export function gateArrays(arrays) {
  const found = Object.entries(arrays)
    .filter(([name, a]) => name.startsWith("gates/") && a.shape.length === 2)
    .map(([name, a]) => /** @type {[string, import("../frame.js").FrameArray]} */ ([name.slice(6), a]));
  const rank = (/** @type {string} */ g) => (ORDER.includes(g) ? ORDER.indexOf(g) : ORDER.length);
  return found.sort(([a], [b]) => rank(a) - rank(b));
}

/**
 * The mean of a gate's map at each time step (over units), for the readout under it.
 * @param {import("../frame.js").FrameArray} a uint8 (T, units) over [min, max]
 * @returns {number[]}
 */
export function meanPerStep(a) {
  const [steps, units] = a.shape;
  const [min, max] = mapRange(a);
  const means = [];
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (let u = 0; u < units; u++) sum += a.data[t * units + u];
    means.push(min + (sum / units / 255) * (max - min));
  }
  return means;
}

/** @param {HTMLElement} container */
export function createGateMaps(container) {
  const maps = el("div", { className: "gate-maps" });
  const scale = el("span", { className: "legend-bar" });
  scale.style.background = `linear-gradient(to right, ${css(WHITE)}, ${css(POSITIVE)})`;
  const node = el("figure", { className: "gate-view" }, [
    el("figcaption", { textContent: "Gates over time (one example)" }),
    maps,
    el("p", { className: "legend" }, [
      el("span", { textContent: "0 shut" }),
      scale,
      el("span", { textContent: "1 open" }),
    ]),
  ]);
  container.append(node);
  /** @type {Map<string, {canvas: HTMLCanvasElement, mean: HTMLElement, image: ImageData | null}>} */
  let tiles = new Map();
  let layout = "";

  /** @param {[string, import("../frame.js").FrameArray][]} gates */
  function build(gates) {
    maps.replaceChildren();
    tiles = new Map();
    for (const [gate, a] of gates) {
      const canvas = /** @type {HTMLCanvasElement} */ (
        el("canvas", { className: "time-map", role: "img", "aria-label": `${gate} gate: time step across, unit down` })
      );
      canvas.style.setProperty("--rows", String(Math.min(a.shape[1], MAX_UNITS)));
      const mean = el("p", { className: "gate-mean muted" });
      // the hidden state's layout (timeHeatmap.js): "unit" up the left, steps underneath
      const grid = el("div", { className: "time-grid" }, [
        el("span", { className: "axis-y", textContent: "unit" }),
        canvas,
        el("div", { className: "axis-x" }, [
          el("span", { textContent: "0" }),
          el("span", { textContent: "time step →" }),
          el("span", { textContent: String(a.shape[0] - 1) }),
        ]),
      ]);
      maps.append(
        el("section", { className: "gate-map", "data-gate": gate }, [
          el("h5", { textContent: `${gate} gate` }),
          el("p", { className: "chart-note", textContent: MEANINGS[gate] ?? "" }),
          grid,
          mean,
        ]),
      );
      tiles.set(gate, { canvas, mean, image: null });
    }
  }

  return {
    node,
    /**
     * @param {Record<string, import("../frame.js").FrameArray>} arrays a frame's arrays
     * @returns {boolean} whether the frame carried gates
     */
    update(arrays) {
      const gates = gateArrays(arrays);
      if (!gates.length) return false;
      const shape = JSON.stringify(gates.map(([g, a]) => [g, a.shape]));
      if (shape !== layout) build(gates);
      layout = shape;
      for (const [gate, a] of gates) {
        const tile = /** @type {{canvas: HTMLCanvasElement, mean: HTMLElement, image: ImageData | null}} */ (
          tiles.get(gate)
        );
        const [steps, units] = a.shape;
        const rows = Math.min(units, MAX_UNITS);
        const ctx = /** @type {CanvasRenderingContext2D} */ (tile.canvas.getContext("2d"));
        if (!tile.image) {
          tile.canvas.width = steps;
          tile.canvas.height = rows;
          tile.image = ctx.createImageData(steps, rows);
        }
        paintTransposed(
          tile.image.data,
          /** @type {Uint8Array} */ (a.data),
          steps,
          units,
          rows,
          gateScale(...mapRange(a)),
        );
        ctx.putImageData(tile.image, 0, 0);
        const means = meanPerStep(a);
        tile.mean.textContent = `mean over units: ${means[0].toFixed(2)} at step 0, ${average(means.slice(1)).toFixed(2)} after`;
      }
      return true;
    },
    reset() {
      maps.replaceChildren();
      tiles = new Map();
      layout = "";
    },
  };
}

/** @param {number[]} values */
function average(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}
