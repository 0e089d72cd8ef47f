// @ts-check
/**
 * The network for images, sequences, text and tables: a row of columns, input → one per
 * hidden layer → output, as CNN Explainer lays out a CNN. Each hidden layer's column holds
 * its builder card and, for convolution and pooling layers, the feature maps of the chosen
 * example (the first convolution also shows its filters). The 2-D points keep the neuron
 * diagram of views/network.js instead.
 *
 * Feature maps arrive quantized per map (each map over its own [min, max], frame.sliceRange),
 * so the page can normalize them three ways without losing precision: per map (each map
 * uses its whole colour range: shapes stand out), per layer (maps of one layer compare),
 * global (all layers on one scale: how activations grow or shrink with depth).
 */

import { byteScale, paintBytes } from "../colors.js";
import { sliceRange } from "../frame.js";
import { el } from "./controls.js";

/**
 * @typedef {import("../frame.js").Frame} Frame
 * @typedef {import("../frame.js").FrameArray} FrameArray
 * @typedef {"map" | "layer" | "global"} Norm
 * @typedef {{name: string, type: string, output_shape: number[], params: number}} LayerInfo
 */

/**
 * @param {HTMLElement} container
 */
export function createLayerStack(container) {
  /** @type {Map<string, HTMLElement>} layer name -> where its maps go */
  const mapSlots = new Map();
  /** @type {HTMLCanvasElement | null} */
  let inputCanvas = null;
  /** @type {Norm} */
  let norm = "map";
  /** @type {Frame | null} */
  let last = null;

  /**
   * @param {HTMLElement[]} cards the builder's card per hidden layer
   * @param {string} kind the data's input kind
   * @param {{input: string, output: string}} ends what the input and output columns say
   */
  function render(cards, kind, ends) {
    mapSlots.clear();
    inputCanvas =
      kind === "image"
        ? /** @type {HTMLCanvasElement} */ (
            el("canvas", {
              className: "example-input",
              width: 1,
              height: 1,
              "aria-label": "the example the network sees",
            })
          )
        : null;
    const input = el("div", { className: "stack-column stack-end" }, [
      el("h3", { textContent: "Input" }),
      el("p", { className: "muted", textContent: ends.input }),
    ]);
    if (inputCanvas) input.append(inputCanvas);
    const columns = cards.map((card, i) => {
      const maps = el("div", { className: "maps", "data-maps-for": String(i) });
      return el("div", { className: "stack-column" }, [card, maps]);
    });
    const output = el("div", { className: "stack-column stack-end" }, [
      el("h3", { textContent: "Output" }),
      el("p", { className: "muted", textContent: ends.output }),
    ]);
    container.replaceChildren(input, ...columns, output);
    last = null;
  }

  /**
   * Names the columns' map slots after the validator's layer names (`conv2d0`…).
   * @param {LayerInfo[]} layers the validator's layers (the output layer last)
   */
  function name(layers) {
    mapSlots.clear();
    layers.forEach((layer, i) => {
      const slot = /** @type {HTMLElement | null} */ (container.querySelector(`[data-maps-for="${i}"]`));
      if (slot) mapSlots.set(layer.name, slot);
    });
  }

  /** @param {Frame} frame */
  function update(frame) {
    const example = frame.arrays["example/input"];
    if (inputCanvas && example?.dtype === "uint8") paintGrey(inputCanvas, example, 0);
    const layers = Object.keys(frame.arrays).filter((k) => k.startsWith("feature_maps/"));
    if (!layers.length && !frame.arrays.filters) return;
    last = frame;
    draw();
  }

  function draw() {
    if (!last) return;
    const frame = last;
    const names = Object.keys(frame.arrays).filter((k) => k.startsWith("feature_maps/"));
    const global = Math.max(1e-12, ...names.map((k) => layerAbsMax(frame.arrays[k])));
    for (const key of names) {
      const layer = key.slice("feature_maps/".length);
      const slot = mapSlots.get(layer);
      if (!slot) continue;
      const array = frame.arrays[key];
      const channels = frame.header.values[`feature_maps_channels/${layer}`];
      const scale = norm === "global" ? global : layerAbsMax(array);
      drawMaps(
        slot,
        "maps",
        array,
        norm === "map" ? null : scale,
        typeof channels === "number" ? channels : array.shape[0],
      );
    }
    const filters = frame.arrays.filters;
    const first = [...mapSlots.entries()].find(([n]) => n.startsWith("conv2d"));
    if (filters && first) drawMaps(first[1], "filters", filters, null, filters.shape[0]);
  }

  return {
    render,
    name,
    update,
    /** @param {Norm} next */
    setNorm(next) {
      norm = next;
      draw();
    },
    /** Empties the stack (the 2-D points draw their own diagram). */
    clear() {
      container.replaceChildren();
      mapSlots.clear();
      inputCanvas = null;
      last = null;
    },
    reset() {
      last = null;
      for (const slot of mapSlots.values()) slot.replaceChildren();
      inputCanvas?.getContext("2d")?.clearRect(0, 0, inputCanvas.width, inputCanvas.height);
    },
  };
}

/**
 * What the input and output columns say about the data (before validation: nothing yet).
 * @param {{input_kind: string, input_shape: number[], task: string, classes: string[]} | null} data
 *   the validator's summary of the data
 */
export function stackEnds(data) {
  if (!data) return { input: "", output: "" };
  const shape = data.input_shape.join("×");
  const words = {
    image: `${shape} image`,
    sequence: `${data.input_shape[0]} steps × ${data.input_shape[1]} values`,
    tokens: `${shape} characters`,
    table: `${shape} columns`,
  };
  const input = /** @type {Record<string, string>} */ (words)[data.input_kind] ?? shape;
  const output = data.task === "regression" ? "a number (regression)" : `${data.classes.length} classes (softmax)`;
  return { input, output };
}

/**
 * The largest |value| in a per-slice quantized array.
 * @param {FrameArray} array
 */
function layerAbsMax(array) {
  let m = 0;
  for (let i = 0; i < array.shape[0]; i++) {
    const [lo, hi] = sliceRange(array, i);
    m = Math.max(m, Math.abs(lo), Math.abs(hi));
  }
  return m;
}

/**
 * One small canvas per map (or per filter's first input channel), coloured on the diverging
 * scale around 0: per map over its own largest |value|, else over `scale`.
 * @param {HTMLElement} slot
 * @param {"maps" | "filters"} group
 * @param {FrameArray} array (C, H, W) maps, or (F, Cin, k, k) filters
 * @param {number | null} scale
 * @param {number} total how many the layer has (more than are sent, when capped)
 */
function drawMaps(slot, group, array, scale, total) {
  const [count, ...rest] = array.shape;
  const [h, w] = rest.slice(-2);
  const step = rest.reduce((a, b) => a * b, 1); // one map, or one filter's every channel
  let grid = /** @type {HTMLElement | null} */ (slot.querySelector(`[data-group="${group}"]`));
  if (!grid || grid.childElementCount !== count + 1) {
    const title =
      group === "maps"
        ? `${total} feature map${total === 1 ? "" : "s"}${total > count ? ` (first ${count} shown)` : ""}`
        : `${total} filters`;
    grid = el("figure", { className: `map-grid ${group}`, "data-group": group }, [
      el("figcaption", { textContent: title }),
    ]);
    for (let i = 0; i < count; i++)
      grid.append(
        el("canvas", { width: w, height: h, "aria-label": `${group === "maps" ? "map" : "filter"} ${i + 1}` }),
      );
    slot.querySelector(`[data-group="${group}"]`)?.remove();
    if (group === "filters") slot.append(grid);
    else slot.prepend(grid);
  }
  const canvases = grid.querySelectorAll("canvas");
  for (let i = 0; i < count; i++) {
    const canvas = /** @type {HTMLCanvasElement} */ (canvases[i]);
    const [lo, hi] = sliceRange(array, i);
    const abs = scale ?? Math.max(1e-12, Math.abs(lo), Math.abs(hi));
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    const image = ctx.createImageData(w, h);
    paintBytes(
      image,
      /** @type {Uint8Array} */ (array.data),
      i * step,
      byteScale(lo, hi, (v) => v / abs),
    );
    ctx.putImageData(image, 0, 0);
  }
}

/**
 * An image the way the data holds it: ink dark on white, like the digit on paper.
 * @param {HTMLCanvasElement} canvas
 * @param {FrameArray} array uint8 (C, H, W)
 * @param {number} index
 */
export function paintGrey(canvas, array, index) {
  const [h, w] = array.shape.slice(-2);
  canvas.width = w;
  canvas.height = h;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const image = ctx.createImageData(w, h);
  const [lo, hi] = sliceRange(array, index);
  const bytes = /** @type {Uint8Array} */ (array.data);
  for (let i = 0; i < w * h; i++) {
    const value = lo + (bytes[index * w * h + i] / 255) * (hi - lo); // 0 paper .. 1 ink
    const shade = 255 - Math.round(255 * Math.max(0, Math.min(1, value)));
    image.data.set([shade, shade, shade, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}
