// @ts-check
/**
 * A student's thumbnail on the teacher's page (docs/classroom.md, "Thumbnails"): the bytes
 * the server sends (base64 uint8 over [lo, hi]) painted on a small canvas, in the
 * playground's own colours: the boundary as its output map is, the winning class per cell,
 * the class probabilities of one example as bars, or a regression's prediction (blue) over
 * its truth (grey). "My runs" shows the same pictures of a recorded run at its last
 * checkpoint (docs/runs.md), and for data without a plane its loss per epoch ("loss").
 */

import { CLASS_COLORS, byteScale, css, paintBytes, POSITIVE } from "./colors.js";

/**
 * @typedef {{view: "boundary" | "classes" | "probabilities" | "prediction" | "loss",
 *            shape: number[], lo: number, hi: number, data: string}} Picture
 * @typedef {Picture & {step: number}} Thumbnail a live run's, at that step
 */

/**
 * The thumbnail's values as bytes.
 * @param {Picture} thumb
 */
export function thumbnailBytes(thumb) {
  const text = atob(thumb.data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Paints `thumb` on `canvas` (one pixel per cell for maps, scaled up by CSS).
 * @param {HTMLCanvasElement} canvas
 * @param {Picture} thumb
 */
export function paintThumbnail(canvas, thumb) {
  const bytes = thumbnailBytes(thumb);
  if (thumb.view === "probabilities") {
    paintBars(canvas, bytes);
    return;
  }
  if (thumb.view === "prediction") {
    paintLines(canvas, bytes, thumb.shape[1]);
    return;
  }
  if (thumb.view === "loss") {
    paintCurve(canvas, bytes);
    return;
  }
  const [rows, cols] = thumb.shape;
  if (canvas.width !== cols || canvas.height !== rows) [canvas.width, canvas.height] = [cols, rows];
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const image = ctx.createImageData(cols, rows);
  if (thumb.view === "classes") {
    const step = thumb.hi > thumb.lo ? (thumb.hi - thumb.lo) / 255 : 0;
    for (let i = 0; i < rows * cols; i++) {
      const color = CLASS_COLORS[Math.round(thumb.lo + bytes[i] * step) % CLASS_COLORS.length];
      image.data.set([...color.map(Math.round), 255], i * 4);
    }
  } else {
    const binary = thumb.lo === 0 && thumb.hi === 1;
    const toUnit = binary ? (/** @type {number} */ p) => 2 * p - 1 : scaleTo(thumb.lo, thumb.hi);
    paintBytes(image, bytes, 0, byteScale(thumb.lo, thumb.hi, toUnit));
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * @param {number} lo
 * @param {number} hi
 */
function scaleTo(lo, hi) {
  const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return (/** @type {number} */ v) => v / span;
}

/**
 * Row 0 (the prediction) in the positive colour over row 1 (the truth) in grey.
 * @param {HTMLCanvasElement} canvas
 * @param {Uint8Array} bytes (2, points)
 * @param {number} points
 */
function paintLines(canvas, bytes, points) {
  const side = 48;
  if (canvas.width !== side || canvas.height !== side) canvas.width = canvas.height = side;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.clearRect(0, 0, side, side);
  for (const [row, color] of /** @type {[number, string][]} */ ([
    [1, "#999"],
    [0, css(POSITIVE)],
  ])) {
    ctx.beginPath();
    for (let i = 0; i < points; i++) {
      const x = (i / Math.max(1, points - 1)) * (side - 1);
      const y = side - 1 - (bytes[row * points + i] / 255) * (side - 1);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.strokeStyle = color;
    ctx.stroke();
  }
}

/**
 * A loss curve: one value per picked epoch, the highest loss at the top, the lowest at the
 * bottom (its own range: the shape of the descent, not its scale).
 * @param {HTMLCanvasElement} canvas
 * @param {Uint8Array} bytes
 */
function paintCurve(canvas, bytes) {
  const side = 48;
  if (canvas.width !== side || canvas.height !== side) canvas.width = canvas.height = side;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.clearRect(0, 0, side, side);
  ctx.beginPath();
  bytes.forEach((b, i) => {
    const x = bytes.length > 1 ? (i / (bytes.length - 1)) * (side - 1) : side / 2;
    const y = 2 + (1 - b / 255) * (side - 5);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (bytes.length === 1) ctx.lineTo(side / 2 + 1, 2 + (1 - bytes[0] / 255) * (side - 5));
  ctx.strokeStyle = css(POSITIVE);
  ctx.lineWidth = 2;
  ctx.stroke();
}

/**
 * One bar per class, its height the probability (a byte of 255 is 1).
 * @param {HTMLCanvasElement} canvas
 * @param {Uint8Array} bytes
 */
function paintBars(canvas, bytes) {
  const side = 48;
  if (canvas.width !== side || canvas.height !== side) canvas.width = canvas.height = side;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.clearRect(0, 0, side, side);
  const width = side / Math.max(1, bytes.length);
  ctx.fillStyle = css(POSITIVE);
  bytes.forEach((b, i) => {
    const height = (b / 255) * side;
    ctx.fillRect(i * width + 0.5, side - height, Math.max(1, width - 1), height);
  });
}
