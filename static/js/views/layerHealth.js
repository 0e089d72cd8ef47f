// @ts-check
/**
 * Per layer: a histogram of its weights, and the share of dead ReLU units and of saturated
 * sigmoid/tanh outputs, the two ways a layer stops learning.
 */

import { layerTitle } from "../layerNames.js";
import { el } from "./controls.js";

const W = 160;
const H = 48;

/** @param {HTMLElement} container */
export function createLayerHealth(container) {
  const list = el("div", { className: "health" });
  container.append(list);
  /** @type {Map<string, {canvas: HTMLCanvasElement, text: HTMLElement, range: HTMLElement}>} */
  let rows = new Map();

  /** @param {string} layer */
  function row(layer) {
    let r = rows.get(layer);
    if (!r) {
      const canvas = /** @type {HTMLCanvasElement} */ (
        el("canvas", { width: W, height: H, "aria-label": `weights of ${layerTitle(layer)}` })
      );
      r = { canvas, text: el("span", { className: "stat" }), range: el("span", { className: "range" }) };
      list.append(
        el("div", { className: "health-row", "data-layer": layer }, [
          el("strong", { textContent: layerTitle(layer) }),
          canvas,
          r.range,
          r.text,
        ]),
      );
      rows.set(layer, r);
    }
    return r;
  }

  return {
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      for (const [name, array] of Object.entries(frame.arrays)) {
        const match = /^histograms\/(.+)\/counts$/.exec(name);
        if (!match) continue;
        const edges = frame.arrays[`histograms/${match[1]}/edges`];
        const r = row(match[1]);
        drawBars(r.canvas, /** @type {Float32Array} */ (array.data));
        if (edges)
          r.range.textContent = `${edges.data[0].toFixed(2)} … ${edges.data[edges.data.length - 1].toFixed(2)}`;
      }
      const values = frame.header.values;
      for (const [layer, r] of rows) {
        const dead = values[`activation_stats/${layer}/dead`];
        const saturated = values[`activation_stats/${layer}/saturated`];
        const parts = [];
        if (typeof dead === "number") parts.push(`dead ${(dead * 100).toFixed(0)}%`);
        if (typeof saturated === "number") parts.push(`saturated ${(saturated * 100).toFixed(0)}%`);
        r.text.textContent = parts.join(" · ");
        r.text.classList.toggle(
          "warn",
          [dead, saturated].some((v) => typeof v === "number" && v > 0.5),
        );
      }
    },
    reset() {
      list.replaceChildren();
      rows = new Map();
    },
  };
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} counts
 */
function drawBars(canvas, counts) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.clearRect(0, 0, W, H);
  const top = Math.max(1, ...counts);
  const w = W / counts.length;
  ctx.fillStyle = "#0877bd";
  counts.forEach((c, i) => {
    const h = (c / top) * (H - 2);
    ctx.fillRect(i * w + 0.5, H - h, w - 1, h);
  });
}
