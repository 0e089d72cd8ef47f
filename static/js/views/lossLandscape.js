// @ts-check
/**
 * The loss landscape around the current weights (the `loss_landscape` view, docs/protocol.md):
 * a heatmap of the validation loss over a 2-D slice of weight space, two random
 * filter-normalised directions across and up, the weights at the centre. The loss is
 * coloured in bands on a log scale (each band a contour: equal loss), from the lowest loss
 * in the slice (blue) to the highest (orange), so a narrow valley reads as bands packed
 * close around the centre and a wide one as bands far apart. The path the weights took,
 * projected onto the slice, is drawn over it, ending at the centre.
 */

import { NEGATIVE, NEUTRAL, POSITIVE, css, mix } from "../colors.js";
import { el } from "./controls.js";

/** Colour bands (contours) between the lowest and the highest loss of the slice. */
export const BANDS = 10;
const SIZE = 220; // canvas pixels per side

/**
 * Each loss's band, 0 (lowest) to BANDS - 1 (highest), on a log scale over the slice's
 * finite range; a loss that is not finite (diverged) takes the top band.
 * @param {ArrayLike<number>} losses
 * @returns {{bands: Uint8Array, low: number, high: number}}
 */
export function lossBands(losses) {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i];
    if (Number.isFinite(v)) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  const bands = new Uint8Array(losses.length);
  if (!(high > low)) return { bands, low: Number.isFinite(low) ? low : NaN, high: Number.isFinite(high) ? high : NaN };
  const floor = Math.max(low, 1e-6); // a log scale needs a positive floor
  const span = Math.log(Math.max(high, floor * (1 + 1e-6)) / floor);
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i];
    const t = Number.isFinite(v) ? Math.log(Math.max(v, floor) / floor) / span : 1;
    bands[i] = Math.min(BANDS - 1, Math.floor(t * BANDS));
  }
  return { bands, low, high };
}

/**
 * A band's colour: blue (low loss) through grey to orange (high loss).
 * @param {number} band 0 to BANDS - 1
 */
export function bandColor(band) {
  const t = (2 * band) / (BANDS - 1) - 1; // -1 .. 1
  return t < 0 ? mix(NEUTRAL, POSITIVE, -t) : mix(NEUTRAL, NEGATIVE, t);
}

/**
 * Where a point (a, b) of the slice lands on the canvas: a across, b up, the axis's ends at
 * the canvas's edges.
 * @param {number} a
 * @param {number} b
 * @param {number} radius the slice spans [-radius, radius] on each axis
 * @param {number} size canvas pixels per side
 */
export function toCanvas(a, b, radius, size) {
  return [((a + radius) / (2 * radius)) * size, ((radius - b) / (2 * radius)) * size];
}

/** @param {HTMLElement} container */
export function createLossLandscape(container) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    el("canvas", {
      width: SIZE,
      height: SIZE,
      className: "loss-landscape-map",
      role: "img",
      "aria-label": "the validation loss around the current weights, and the path the weights took",
    })
  );
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const readout = el("p", { className: "loss-landscape-readout muted", textContent: "loss here –" });
  const low = el("span");
  const high = el("span");
  const scale = el("span", { className: "legend-bar" });
  scale.style.background = `linear-gradient(to right, ${css(POSITIVE)}, ${css(NEUTRAL)}, ${css(NEGATIVE)})`;
  const node = el("figure", { className: "loss-landscape" }, [
    el("figcaption", { textContent: "Loss around the weights (two random directions)" }),
    canvas,
    el("p", { className: "legend" }, [low, scale, high]),
    readout,
  ]);
  container.append(node);
  const cells = document.createElement("canvas");

  /**
   * @param {import("../frame.js").FrameArray} grid (G, G) losses, row i at b = axis[i]
   * @param {number[]} axis
   * @param {number[][]} path (a, b) per snapshot, oldest first
   */
  function draw(grid, axis, path) {
    const [rows, cols] = grid.shape;
    const { bands, low: lo, high: hi } = lossBands(grid.data);
    cells.width = cols;
    cells.height = rows;
    const cellCtx = /** @type {CanvasRenderingContext2D} */ (cells.getContext("2d"));
    const image = cellCtx.createImageData(cols, rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const rgb = bandColor(bands[i * cols + j]);
        const p = ((rows - 1 - i) * cols + j) * 4; // row 0 is the lowest b: the bottom
        image.data.set([rgb[0], rgb[1], rgb[2], 255], p);
      }
    }
    cellCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, 0, 0, SIZE, SIZE);
    const radius = axis.length ? Math.abs(axis[axis.length - 1]) : 1;
    drawPath(path, radius);
    low.textContent = Number.isFinite(lo) ? lo.toPrecision(3) : "–";
    high.textContent = Number.isFinite(hi) ? hi.toPrecision(3) : "–";
  }

  /**
   * @param {number[][]} path
   * @param {number} radius
   */
  function drawPath(path, radius) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, SIZE, SIZE);
    ctx.clip();
    ctx.strokeStyle = "#222";
    ctx.fillStyle = "#222";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    path.forEach(([a, b], k) => {
      const [x, y] = toCanvas(a, b, radius, SIZE);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    for (const [a, b] of path) {
      const [x, y] = toCanvas(a, b, radius, SIZE);
      ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
    const [cx, cy] = toCanvas(0, 0, radius, SIZE); // the current weights
    ctx.beginPath();
    ctx.arc(cx, cy, 4, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff";
    ctx.fill();
    ctx.stroke();
    ctx.restore();
  }

  return {
    node,
    /** @param {import("../frame.js").Frame} frame a frame with the `loss_landscape` view */
    update(frame) {
      const grid = frame.arrays["loss_landscape/loss"];
      if (!grid) return;
      const values = /** @type {Record<string, any>} */ (frame.header.values);
      const path = /** @type {number[][]} */ (values["loss_landscape/path"] ?? []);
      draw(grid, values["loss_landscape/axis"] ?? [], path);
      const here = values["loss_landscape/centre_loss"];
      const steps = /** @type {number[]} */ (values["loss_landscape/path_steps"] ?? []);
      node.dataset.step = String(frame.header.step);
      readout.textContent =
        `loss here ${typeof here === "number" ? here.toFixed(3) : "–"} · ` +
        `path: ${path.length} point${path.length === 1 ? "" : "s"} from step ${steps[0] ?? frame.header.step} to ${frame.header.step}`;
    },
    reset() {
      ctx.clearRect(0, 0, SIZE, SIZE);
      low.textContent = "";
      high.textContent = "";
      readout.textContent = "loss here –";
      delete node.dataset.step;
    },
  };
}
