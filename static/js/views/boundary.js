// @ts-check
/**
 * The output panel's big map: the model's answer over the plane (P(class 1), the winning
 * class, or the regressed value), with the training points on top (white rims) and,
 * optionally, the validation points (dark rims), as in TensorFlow Playground.
 */

import { CLASS_COLORS, NEUTRAL, byteScale, css, diverging, mix, paintBytes } from "../colors.js";
import { mapRange } from "../frame.js";

/**
 * @typedef {{x: number[][], y: number[]}} PointSet
 * @typedef {{domain: [number, number], task: string, n_classes: number,
 *            train: PointSet, val: PointSet}} Points
 */

/**
 * @param {HTMLCanvasElement} mapCanvas one pixel per map cell, scaled up by CSS
 * @param {HTMLCanvasElement} pointsCanvas drawn at the displayed resolution
 */
export function createBoundary(mapCanvas, pointsCanvas) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (mapCanvas.getContext("2d"));
  const dots = /** @type {CanvasRenderingContext2D} */ (pointsCanvas.getContext("2d"));
  /** @type {ImageData | null} */
  let image = null;
  /** @type {Points | null} */
  let points = null;
  let showVal = false;
  let discretize = false;

  /** @param {import("../frame.js").FrameArray} map */
  function update(map) {
    const size = map.shape[map.shape.length - 1];
    if (!image || image.width !== size) {
      mapCanvas.width = mapCanvas.height = size;
      image = ctx.createImageData(size, size);
    }
    const bytes = /** @type {Uint8Array} */ (map.data);
    const [min, max] = mapRange(map);
    const task = points?.task ?? "binary";
    if (task === "multiclass" || (map.shape.length === 3 && map.shape[0] > 1 && task !== "regression")) {
      paintClasses(image, bytes, map.shape[0], size, min, max, discretize);
    } else {
      const toUnit = task === "regression" ? (/** @type {number} */ v) => v : (/** @type {number} */ p) => 2 * p - 1;
      paintBytes(image, bytes, 0, byteScale(min, max, toUnit, discretize));
    }
    ctx.putImageData(image, 0, 0);
  }

  function drawPoints() {
    const side = pointsCanvas.clientWidth || 300;
    const ratio = devicePixelRatio || 1;
    pointsCanvas.width = pointsCanvas.height = Math.round(side * ratio);
    dots.setTransform(ratio, 0, 0, ratio, 0, 0);
    dots.clearRect(0, 0, side, side);
    if (!points) return;
    const [lo, hi] = points.domain;
    const at = (/** @type {number} */ v) => ((v - lo) / (hi - lo)) * side;
    const sets = showVal
      ? [
          [points.train, "#fff"],
          [points.val, "#222"],
        ]
      : [[points.train, "#fff"]];
    for (const [set, rim] of /** @type {[PointSet, string][]} */ (sets)) {
      set.x.forEach(([x1, x2], i) => {
        dots.beginPath();
        dots.arc(at(x1), side - at(x2), 3, 0, 2 * Math.PI);
        dots.fillStyle = css(pointColor(points?.task ?? "binary", set.y[i]));
        dots.fill();
        dots.lineWidth = 1;
        dots.strokeStyle = rim;
        dots.stroke();
      });
    }
  }

  new ResizeObserver(drawPoints).observe(pointsCanvas);

  return {
    update,
    /** @param {Points | null} next */
    setPoints(next) {
      points = next;
      drawPoints();
    },
    /** @param {{showVal?: boolean, discretize?: boolean}} o */
    setOptions(o) {
      showVal = o.showVal ?? showVal;
      discretize = o.discretize ?? discretize;
      drawPoints();
    },
    reset() {
      ctx.clearRect(0, 0, mapCanvas.width, mapCanvas.height);
    },
  };
}

/**
 * @param {string} task
 * @param {number} y the label (class index) or regression target
 */
export function pointColor(task, y) {
  if (task === "regression") return diverging(y);
  return CLASS_COLORS[y] ?? NEUTRAL;
}

/**
 * Multiclass: each pixel takes its most probable class's colour, paler where it is unsure.
 * @param {ImageData} image
 * @param {Uint8Array} bytes (classes, size, size)
 * @param {number} classes
 * @param {number} size
 * @param {number} min the maps' shared quantization range
 * @param {number} max
 * @param {boolean} discretize
 */
function paintClasses(image, bytes, classes, size, min, max, discretize) {
  const cells = size * size;
  for (let i = 0; i < cells; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (bytes[k * cells + i] > bytes[best * cells + i]) best = k;
    const p = min + (bytes[best * cells + i] / 255) * (max - min);
    const sure = discretize ? 1 : Math.max(0, (p - 1 / classes) / (1 - 1 / classes));
    const [r, g, b] = mix(NEUTRAL, CLASS_COLORS[best], 0.25 + 0.75 * sure);
    image.data.set([r, g, b, 255], i * 4);
  }
}
