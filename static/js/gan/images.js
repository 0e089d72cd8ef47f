// @ts-check
/**
 * What an image GAN shows: a 6×6 grid of generated digits from fixed latent vectors (the
 * same vectors every frame, so each sample can be watched as it sharpens), and a walk along
 * the straight line between two latent vectors: a slider picks one of its 11 images, shown
 * large above the whole strip. Ink is dark on white, one canvas pixel per image pixel,
 * scaled up by CSS without smoothing.
 */

import { imageValues, paintImage } from "../views/gallery.js";
import { el } from "../views/controls.js";

const GAP = 1; // pixels between images in the grid and the strip

/**
 * @typedef {import("../frame.js").FrameArray} FrameArray
 * @typedef {{at: number, onSlide: (at: number) => void}} Options
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createImages(container, o) {
  const grid = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: "sample-grid", role: "img", "aria-label": "36 generated digits" })
  );
  const picked = /** @type {HTMLCanvasElement} */ (
    el("canvas", {
      className: "walk-picked",
      role: "img",
      "aria-label": "the generated image at the slider's position",
    })
  );
  const strip = /** @type {HTMLCanvasElement} */ (el("canvas", { className: "walk-strip", "aria-hidden": "true" }));
  const slider = /** @type {HTMLInputElement} */ (
    el("input", { type: "range", id: "walk", name: "at", min: "0", max: "10", step: "1", value: String(o.at) })
  );
  const where = el("output", { className: "value" });
  container.append(
    el("figure", { className: "samples" }, [
      el("figcaption", { textContent: "Generated samples (the same 36 latent vectors every frame)" }),
      grid,
    ]),
    el("figure", { className: "walk" }, [
      el("figcaption", { textContent: "A walk through the latent space, from one vector to another" }),
      picked,
      strip,
      el("div", { className: "control" }, [
        el("label", { for: "walk", textContent: "Position on the walk" }),
        slider,
        where,
      ]),
    ]),
  );
  /** @type {FrameArray | null} */
  let walk = null;
  let at = o.at;

  function showAt() {
    slider.value = String(at);
    where.textContent = `${at} of 10`;
    if (!walk) return;
    const [, , h, w] = walk.shape;
    paintImage(picked, w, h, imageValues(walk, at, h * w));
    paintTiles(strip, walk, walk.shape[0], 1, at);
  }
  slider.addEventListener("input", () => {
    at = Number(slider.value);
    showAt();
  });
  slider.addEventListener("change", () => o.onSlide(at));
  showAt();

  return {
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      const images = frame.arrays.gan_images;
      if (images) paintTiles(grid, images, 6, 6, -1);
      if (frame.arrays.gan_interpolation) {
        walk = frame.arrays.gan_interpolation;
        showAt();
      }
    },
    reset() {
      walk = null;
      for (const canvas of [grid, picked, strip]) canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
    },
    grid,
    picked,
  };
}

/**
 * Paints images (N, 1, H, W) as a cols × rows mosaic with a 1-pixel gap, the `mark`-th
 * framed in the accent colour (-1: none).
 * @param {HTMLCanvasElement} canvas
 * @param {FrameArray} images
 * @param {number} cols
 * @param {number} rows
 * @param {number} mark
 */
export function paintTiles(canvas, images, cols, rows, mark) {
  const [n, , h, w] = images.shape;
  const width = cols * (w + GAP) + GAP;
  const height = rows * (h + GAP) + GAP;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const out = ctx.createImageData(width, height);
  out.data.fill(255);
  for (let k = 0; k < Math.min(n, cols * rows); k++) {
    const value = imageValues(images, k, h * w);
    const left = GAP + (k % cols) * (w + GAP);
    const top = GAP + Math.floor(k / cols) * (h + GAP);
    for (let i = 0; i < h * w; i++) {
      const v = value(i);
      const grey = 255 - 255 * Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0));
      const p = 4 * ((top + Math.floor(i / w)) * width + left + (i % w));
      out.data[p] = out.data[p + 1] = out.data[p + 2] = grey;
    }
  }
  ctx.putImageData(out, 0, 0);
  if (mark >= 0) {
    ctx.strokeStyle = "#0877bd";
    ctx.lineWidth = 1;
    ctx.strokeRect(
      GAP + (mark % cols) * (w + GAP) - 0.5,
      GAP + Math.floor(mark / cols) * (h + GAP) - 0.5,
      w + 1,
      h + 1,
    );
  }
}
