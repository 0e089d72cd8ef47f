// @ts-check
/**
 * Self-attention weights for one example: one small heatmap per layer and head, row = query
 * step, column = key step. Weights are ≥ 0 (each row sums to 1), so the scale is
 * sequential, white (0) to blue (the layer's largest weight), not diverging.
 */

import { POSITIVE, css, mix, paintBytes } from "../colors.js";
import { mapRange } from "../frame.js";
import { el } from "./controls.js";

/** @type {import("../colors.js").RGB} */
const WHITE = [255, 255, 255];

/**
 * A 256-entry lookup, byte -> RGB, for a map quantized over [min, max] (byte b stands for
 * min + b / 255 * (max - min)): 0 white, `max` full blue, negative values white.
 * @param {number} min
 * @param {number} max
 */
export function sequentialScale(min, max) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const value = min + (b / 255) * (max - min);
    const t = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
    lut.set(mix(WHITE, POSITIVE, t).map(Math.round), b * 3);
  }
  return lut;
}

/**
 * The layer names and their arrays among a frame's arrays (`attention/<layer>`).
 * @param {Record<string, import("../frame.js").FrameArray>} arrays
 * @returns {[string, import("../frame.js").FrameArray][]}
 */
export function attentionLayers(arrays) {
  return Object.entries(arrays)
    .filter(([name, a]) => name.startsWith("attention/") && a.shape.length === 3)
    .map(([name, a]) => [name.slice("attention/".length), a]);
}

/** @param {HTMLElement} container */
export function createAttentionMaps(container) {
  const tiles = el("div", { className: "attention-tiles" });
  const scale = el("span", { className: "legend-bar" });
  scale.style.background = `linear-gradient(to right, ${css(WHITE)}, ${css(POSITIVE)})`;
  const high = el("span");
  const node = el("figure", { className: "attention-maps" }, [
    el("figcaption", { textContent: "Attention (one example)" }),
    el("p", { className: "chart-note", textContent: "row: query step (who looks) · column: key step (looked at)" }),
    tiles,
    el("p", { className: "legend" }, [el("span", { textContent: "0" }), scale, high]),
  ]);
  container.append(node);
  /** @type {Map<string, HTMLCanvasElement>} */
  let canvases = new Map();
  let layout = "";

  /** @param {[string, import("../frame.js").FrameArray][]} layers */
  function build(layers) {
    tiles.replaceChildren();
    canvases = new Map();
    for (const [layer, a] of layers) {
      const [heads, steps] = a.shape;
      for (let h = 0; h < heads; h++) {
        const label = `${layer} · head ${h + 1}`;
        const canvas = /** @type {HTMLCanvasElement} */ (
          el("canvas", { width: steps, height: steps, role: "img", "aria-label": `attention weights, ${label}` })
        );
        tiles.append(el("figure", { className: "attention-tile" }, [canvas, el("figcaption", { textContent: label })]));
        canvases.set(`${layer}/${h}`, canvas);
      }
    }
  }

  return {
    node,
    /**
     * @param {Record<string, import("../frame.js").FrameArray>} arrays a frame's arrays
     * @returns {boolean} whether the frame carried attention
     */
    update(arrays) {
      const layers = attentionLayers(arrays);
      if (!layers.length) return false;
      const shape = JSON.stringify(layers.map(([n, a]) => [n, a.shape]));
      if (shape !== layout) build(layers);
      layout = shape;
      for (const [layer, a] of layers) {
        const [heads, steps] = a.shape;
        const lut = sequentialScale(...mapRange(a));
        for (let h = 0; h < heads; h++) {
          const canvas = /** @type {HTMLCanvasElement} */ (canvases.get(`${layer}/${h}`));
          const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
          const image = ctx.createImageData(steps, steps);
          paintBytes(image, /** @type {Uint8Array} */ (a.data), h * steps * steps, lut);
          ctx.putImageData(image, 0, 0);
        }
      }
      const tops = layers.map(([n, a]) => `${layers.length > 1 ? `${n} ` : ""}${+mapRange(a)[1].toPrecision(2)}`);
      high.textContent = `${tops.join(" · ")} (largest weight)`;
      return true;
    },
    reset() {
      tiles.replaceChildren();
      canvases = new Map();
      layout = "";
    },
  };
}
