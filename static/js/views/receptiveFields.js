// @ts-check
/**
 * What each conv layer looks at (the `receptive_fields` view, docs/protocol.md): one digit
 * with each layer's receptive field drawn on it as a box (the input pixels one unit of that
 * layer can see: 3×3 for a first 3×3 convolution, wider after each pooling), and for each
 * layer the validation digits that excite that unit most, cropped to its box, with their
 * classes and how often the most exciting digits are of one class (`purity`, over every
 * unit of the layer).
 */

import { css } from "../colors.js";
import { classColor } from "./confusion.js";
import { el } from "./controls.js";
import { paintGrey } from "./layerStack.js";

const SCALE = 6; // canvas pixels per input pixel for the digit with its boxes
const PREFIX = "receptive_fields/";

/**
 * The conv layers a frame's `receptive_fields` view has, in the frame's order.
 * @param {string[]} names the frame's array names
 */
export function fieldLayers(names) {
  return names
    .filter((n) => n.startsWith(PREFIX) && n.endsWith("/crops"))
    .map((n) => n.slice(PREFIX.length, -"/crops".length));
}

/**
 * A box [top, left, bottom, right] (inclusive input pixels) as a canvas rectangle
 * [x, y, width, height] at `scale` pixels per input pixel.
 * @param {number[]} box
 * @param {number} scale
 */
export function boxRect(box, scale) {
  const [top, left, bottom, right] = box;
  return [left * scale, top * scale, (right - left + 1) * scale, (bottom - top + 1) * scale];
}

/** @param {HTMLElement} container */
export function createReceptiveFields(container) {
  const digit = /** @type {HTMLCanvasElement} */ (el("canvas", { className: "rf-digit-pixels" }));
  const boxes = /** @type {HTMLCanvasElement} */ (
    el("canvas", {
      className: "rf-boxes",
      role: "img",
      "aria-label": "a digit with each layer's receptive field drawn on it as a box",
    })
  );
  const rows = el("div", { className: "rf-layers" });
  const node = el("figure", { className: "receptive-fields" }, [
    el("figcaption", { textContent: "What one unit of each layer sees, and what excites it most" }),
    el("div", { className: "rf-digit" }, [digit, boxes]),
    rows,
  ]);
  container.append(node);
  /** @type {Map<string, {caption: HTMLElement, crops: HTMLElement, classes: HTMLElement}>} */
  const shown = new Map();

  /** @param {string[]} layers */
  function layout(layers) {
    if (layers.join() === [...shown.keys()].join()) return;
    rows.replaceChildren();
    shown.clear();
    layers.forEach((layer, i) => {
      const swatch = el("span", { className: "swatch", "aria-hidden": "true" });
      swatch.style.background = css(classColor(i));
      const caption = el("span");
      const crops = el("div", { className: "rf-crops" });
      const classes = el("p", { className: "rf-classes muted" });
      rows.append(
        el("div", { className: "rf-layer", "data-layer": layer }, [el("p", {}, [swatch, caption]), crops, classes]),
      );
      shown.set(layer, { caption, crops, classes });
    });
  }

  return {
    node,
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      const layers = fieldLayers(frame.names);
      const input = frame.arrays[`${PREFIX}input`];
      if (!layers.length || !input) return;
      layout(layers);
      const values = /** @type {Record<string, any>} */ (frame.header.values);
      paintGrey(digit, input, 0);
      const [h, w] = input.shape.slice(-2);
      boxes.width = w * SCALE;
      boxes.height = h * SCALE;
      const ctx = /** @type {CanvasRenderingContext2D} */ (boxes.getContext("2d"));
      ctx.clearRect(0, 0, boxes.width, boxes.height);
      layers.forEach((layer, i) => {
        const at = (/** @type {string} */ key) => values[`${PREFIX}${layer}/${key}`];
        const box = at("box") ?? [0, 0, 0, 0];
        ctx.strokeStyle = css(classColor(i));
        ctx.lineWidth = 2;
        const [x, y, bw, bh] = boxRect(box, SCALE);
        ctx.strokeRect(x + 1 + i, y + 1 + i, bw - 2 - 2 * i, bh - 2 - 2 * i); // nested boxes stay apart
        const row = /** @type {{caption: HTMLElement, crops: HTMLElement, classes: HTMLElement}} */ (shown.get(layer));
        const [sh, sw] = at("size") ?? [0, 0];
        const [u, v] = at("unit") ?? [0, 0];
        row.caption.textContent = ` ${layer}: unit (${u}, ${v}) of filter ${at("channel")} sees ${sh}×${sw} pixels`;
        const crops = frame.arrays[`${PREFIX}${layer}/crops`];
        const count = crops.shape[0];
        while (row.crops.children.length > count) row.crops.lastChild?.remove();
        while (row.crops.children.length < count) row.crops.append(el("canvas", { className: "rf-crop" }));
        [...row.crops.children].forEach((c, k) => paintGrey(/** @type {HTMLCanvasElement} */ (c), crops, k));
        const purity = at("purity");
        row.classes.textContent =
          `classes ${(at("classes") ?? []).join(" ")} · ` +
          `one class among a unit's top ${at("purity_top")}: ${typeof purity === "number" ? Math.round(100 * purity) : "–"}%`;
      });
      node.dataset.step = String(frame.header.step);
    },
    reset() {
      rows.replaceChildren();
      shown.clear();
      boxes.getContext("2d")?.clearRect(0, 0, boxes.width, boxes.height);
      delete node.dataset.step;
    },
  };
}
