// @ts-check
/**
 * The validation images the network gets wrong right now, each captioned "truth→predicted";
 * clicking one picks it as the sample the network is shown. Also the painter every small
 * greyscale image of the image panel shares (ink dark on white, one canvas pixel per image
 * pixel, scaled up by CSS without smoothing).
 */

import { sliceRange } from "../frame.js";
import { el } from "./controls.js";

/**
 * Images from a frame: uint8 quantized (value = min + byte / 255 * (max - min), with one
 * range for the whole array or one per image), or float16 values.
 * @typedef {import("../frame.js").FrameArray} ImageArray
 */

/**
 * The values of image k (of `pixels` pixels) of an image array, dequantized.
 * @param {ImageArray} array
 * @param {number} k
 * @param {number} pixels
 * @returns {(i: number) => number}
 */
export function imageValues(array, k, pixels) {
  const offset = k * pixels;
  const data = array.data;
  if (array.dtype !== "uint8") return (i) => data[offset + i];
  const [min, max] = sliceRange(array, k);
  const step = (max - min) / 255;
  return (i) => min + data[offset + i] * step;
}

/**
 * Paints a width x height image of values 0..1 (ink = 1) as dark ink on white.
 * @param {HTMLCanvasElement} canvas resized to width x height if it is not
 * @param {number} width
 * @param {number} height
 * @param {(i: number) => number} value pixel i (row-major) -> 0..1; outside is clamped
 */
export function paintImage(canvas, width, height, value) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const image = ctx.createImageData(width, height);
  const px = image.data;
  for (let i = 0; i < width * height; i++) {
    const v = value(i);
    const grey = 255 - 255 * Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0));
    px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = grey;
    px[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * @typedef {{index: number[], truth: number[], predicted: number[], count: number,
 *            total?: number}} Misclassified index: val indices of the images sent;
 *   count: how many val images are wrong in all; total: how many there are
 */

/**
 * @param {HTMLElement} container
 * @param {{labels: string[], onPick: (valIndex: number) => void}} handlers
 */
export function createGallery(container, { labels, onPick }) {
  const count = el("p", { className: "gallery-count", textContent: "–" });
  const grid = el("div", { className: "gallery-grid" });
  container.append(el("div", { className: "gallery" }, [count, grid]));
  /** @type {{node: HTMLButtonElement, canvas: HTMLCanvasElement, caption: HTMLElement}[]} */
  const items = [];
  /** @type {number[]} */
  let shown = [];
  const name = (/** @type {number} */ c) => labels[c] ?? String(c);

  /** @param {number} k */
  function item(k) {
    while (items.length <= k) {
      const canvas = /** @type {HTMLCanvasElement} */ (el("canvas", { width: 1, height: 1 }));
      const caption = el("span");
      const node = /** @type {HTMLButtonElement} */ (
        el("button", { type: "button", className: "gallery-item" }, [canvas, caption])
      );
      const at = items.length;
      node.addEventListener("click", () => onPick(shown[at]));
      items.push({ node, canvas, caption });
      grid.append(node);
    }
    return items[k];
  }

  return {
    /**
     * @param {ImageArray} images (K, H, W)
     * @param {Misclassified} values
     */
    update(images, values) {
      const [k0, height, width] = images.shape;
      const k = Math.min(k0, values.index.length);
      shown = values.index.slice(0, k);
      for (let i = 0; i < k; i++) {
        const { node, canvas, caption } = item(i);
        const truth = name(values.truth[i]);
        const predicted = name(values.predicted[i]);
        paintImage(canvas, width, height, imageValues(images, i, width * height));
        caption.textContent = `${truth}→${predicted}`;
        node.setAttribute("aria-label", `validation image ${shown[i]}: ${truth}, taken for ${predicted}`);
        node.title = `validation image ${shown[i]}: true ${truth}, predicted ${predicted}`;
        node.hidden = false;
      }
      for (let i = k; i < items.length; i++) items[i].node.hidden = true;
      count.textContent = countText(values.count, values.total, k);
    },
    reset() {
      shown = [];
      for (const { node } of items) node.hidden = true;
      count.textContent = "–";
    },
  };
}

/**
 * "23 of 360 wrong (16 shown)".
 * @param {number} wrong
 * @param {number | undefined} total
 * @param {number} shown
 */
export function countText(wrong, total, shown) {
  if (wrong === 0) return total ? `none of ${total} wrong` : "none wrong";
  const of = total ? ` of ${total}` : "";
  return `${wrong}${of} wrong${shown < wrong ? ` (${shown} shown)` : ""}`;
}
