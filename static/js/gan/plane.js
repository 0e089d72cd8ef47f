// @ts-check
/**
 * The 2-D plane, as GAN Lab draws it: the discriminator's verdict as a heatmap (P(real):
 * green where it says real, purple where it says fake), the generator's manifold (the image
 * of a grid over the latent space, neighbours joined by lines), the real and the fake
 * samples, and for each fake the way the generator's loss pushes it (arrows). Each layer is
 * a checkbox in the legend. The heatmap is one canvas pixel per cell, smoothed by CSS; the
 * rest is drawn at the screen's resolution on a canvas above it, from the latest frame.
 *
 * For drawn data the plane takes the pen: press and drag to add points, which the page
 * sends as the real data's anchors (`data.points`) when the stroke ends.
 */

import { mix } from "../colors.js";
import { el } from "../views/controls.js";
import { addPoint, PLANE_LAYERS } from "./state.js";

/** @typedef {import("../colors.js").RGB} RGB */

/** Okabe–Ito's bluish green and reddish purple: GAN Lab's green and purple, for every reader. */
/** @type {RGB} */ export const REAL = [0, 158, 115];
/** @type {RGB} */ export const FAKE = [204, 121, 167];
/** @type {RGB} */ const PAPER = [246, 246, 246];
const REAL_INK = "rgb(0, 122, 89)";
const FAKE_INK = "rgb(170, 68, 136)";
const DOT = 2.2; // px: a sample's radius
const ARROW = 0.06; // the longest arrow, as a share of the plane's side
const DRAW_GAP = 0.06; // plane units between the points a stroke leaves

const LEGEND = {
  heat: ["discriminator: P(real)", "heat"],
  manifold: ["generator's manifold", "manifold"],
  real: ["real data", "real"],
  fake: ["generated (fake) data", "fake"],
  arrows: ["where G pushes each fake", "arrows"],
};

/**
 * @typedef {{onToggle: (show: string[]) => void, onDraw: (points: number[][]) => void}} Handlers
 * @typedef {{real?: Float32Array, fake?: Float32Array, manifold?: Float32Array,
 *            manifoldShape?: number[], arrows?: Float32Array,
 *            heat?: import("../frame.js").FrameArray}} Layers
 */

/**
 * @param {HTMLElement} container
 * @param {Handlers} o
 */
export function createPlane(container, o) {
  const heat = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: "plane-heat", width: 1, height: 1, "aria-hidden": "true" })
  );
  const overlay = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: "plane-overlay", role: "img", "aria-label": "real and generated samples on the plane" })
  );
  const prompt = el("p", {
    className: "plane-prompt",
    hidden: true,
    textContent: "Press and drag on the plane to draw the real data (at least 3 points).",
  });
  const box = el("div", { className: "plane" }, [heat, overlay, prompt]);
  // No glossary terms in the legend: a focusable term inside a checkbox's label splits its name.
  const legend = el("fieldset", { className: "plane-legend", "data-no-glossary": "" }, [
    el("legend", { textContent: "Show" }),
  ]);
  container.append(box, legend);

  const heatCtx = /** @type {CanvasRenderingContext2D} */ (heat.getContext("2d"));
  const ctx = /** @type {CanvasRenderingContext2D} */ (overlay.getContext("2d"));
  /** @type {ImageData | null} */
  let image = null;
  /** @type {Layers} */
  let layers = {};
  let show = new Set(PLANE_LAYERS);
  /** @type {[number, number]} */
  let domain = [-2, 2];
  /** @type {number[][] | null} drawn anchors, when the data is drawn by hand */
  let drawing = null;
  let stroke = false;
  let side = 300;

  /** @type {Map<string, HTMLInputElement>} */
  const boxes = new Map();
  for (const name of PLANE_LAYERS) {
    const [text, swatch] = /** @type {[string, string]} */ (LEGEND[/** @type {keyof LEGEND} */ (name)]);
    const input = /** @type {HTMLInputElement} */ (
      el("input", { type: "checkbox", name: `show-${name}`, checked: true })
    );
    input.addEventListener("change", () => o.onToggle(PLANE_LAYERS.filter((n) => boxes.get(n)?.checked)));
    boxes.set(name, input);
    legend.append(
      el("label", { className: "legend-item" }, [
        input,
        el("span", { className: `swatch ${swatch}`, "aria-hidden": "true" }),
        text,
      ]),
    );
  }
  legend.append(
    el("p", { className: "heat-scale" }, [
      el("span", { textContent: "fake" }),
      el("span", { className: "heat-bar", "aria-hidden": "true" }),
      el("span", { textContent: "real" }),
    ]),
  );

  /** @param {number} v a coordinate in the plane's units -> pixels from the left (or bottom) */
  const px = (v) => ((v - domain[0]) / (domain[1] - domain[0])) * side;

  function resize() {
    side = overlay.clientWidth || 300;
    const ratio = devicePixelRatio || 1;
    overlay.width = overlay.height = Math.round(side * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    draw();
  }
  new ResizeObserver(resize).observe(overlay);

  /** Draws every layer shown from the latest arrays: the only per-point work. */
  function draw() {
    ctx.clearRect(0, 0, side, side);
    if (show.has("manifold") && layers.manifold && layers.manifoldShape)
      drawManifold(layers.manifold, layers.manifoldShape);
    if (show.has("real") && layers.real) drawDots(layers.real, REAL_INK);
    if (show.has("fake") && layers.fake) drawDots(layers.fake, FAKE_INK);
    if (show.has("arrows") && layers.arrows && layers.fake) drawArrows(layers.fake, layers.arrows);
    if (drawing) drawAnchors(drawing);
  }

  /**
   * @param {Float32Array} xy (n, 2)
   * @param {string} color
   */
  function drawDots(xy, color) {
    ctx.beginPath();
    for (let i = 0; i < xy.length; i += 2) {
      const x = px(xy[i]);
      const y = side - px(xy[i + 1]);
      ctx.moveTo(x + DOT, y);
      ctx.arc(x, y, DOT, 0, 2 * Math.PI);
    }
    ctx.fillStyle = color;
    ctx.fill();
  }

  /**
   * Lines joining each grid image to its right and lower neighbours.
   * @param {Float32Array} grid (rows, cols, 2)
   * @param {number[]} shape
   */
  function drawManifold(grid, shape) {
    const [rows, cols] = shape;
    const at = (/** @type {number} */ r, /** @type {number} */ c) => 2 * (r * cols + c);
    ctx.beginPath();
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = at(r, c);
        const x = px(grid[i]);
        const y = side - px(grid[i + 1]);
        if (c === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
    }
    for (let c = 0; c < cols && rows > 1; c++) {
      for (let r = 0; r < rows; r++) {
        const i = at(r, c);
        const x = px(grid[i]);
        const y = side - px(grid[i + 1]);
        if (r === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
    }
    ctx.lineWidth = 0.8;
    ctx.strokeStyle = "rgba(170, 68, 136, 0.45)";
    ctx.stroke();
  }

  /**
   * An arrow from each fake along its push; lengths are scaled by the largest push, by the
   * square root so that small pushes stay visible beside big ones.
   * @param {Float32Array} fake (n, 2)
   * @param {Float32Array} push (n, 2)
   */
  function drawArrows(fake, push) {
    const n = Math.min(fake.length, push.length);
    let largest = 0;
    for (let i = 0; i < n; i += 2) largest = Math.max(largest, Math.hypot(push[i], push[i + 1]));
    if (!(largest > 0) || !Number.isFinite(largest)) return;
    const longest = ARROW * side;
    ctx.beginPath();
    for (let i = 0; i < n; i += 2) {
      const size = Math.hypot(push[i], push[i + 1]);
      if (!(size > 0)) continue;
      const length = longest * Math.sqrt(size / largest);
      const ux = push[i] / size;
      const uy = -push[i + 1] / size; // the canvas's y grows downwards
      const x0 = px(fake[i]);
      const y0 = side - px(fake[i + 1]);
      const x1 = x0 + ux * length;
      const y1 = y0 + uy * length;
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      const head = Math.min(4, length / 2);
      ctx.moveTo(x1 - head * (ux - uy * 0.5), y1 - head * (uy + ux * 0.5));
      ctx.lineTo(x1, y1);
      ctx.lineTo(x1 - head * (ux + uy * 0.5), y1 - head * (uy - ux * 0.5));
    }
    ctx.lineWidth = 0.8;
    ctx.strokeStyle = "rgba(40, 40, 40, 0.5)";
    ctx.stroke();
  }

  /** @param {number[][]} points */
  function drawAnchors(points) {
    ctx.beginPath();
    for (const [x, y] of points) {
      ctx.moveTo(px(x) + 4, side - px(y));
      ctx.arc(px(x), side - px(y), 4, 0, 2 * Math.PI);
    }
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = REAL_INK;
    ctx.stroke();
  }

  /** @param {import("../frame.js").FrameArray} map (B, B) P(real), quantized */
  function paintHeat(map) {
    const size = map.shape[map.shape.length - 1];
    if (!image || image.width !== size) {
      heat.width = heat.height = size;
      image = heatCtx.createImageData(size, size);
    }
    const lut = heatScale(/** @type {number} */ (map.min ?? 0), /** @type {number} */ (map.max ?? 0));
    const bytes = /** @type {Uint8Array} */ (map.data);
    const out = image.data;
    for (let i = 0; i < size * size; i++) {
      const c = bytes[i] * 3;
      out[4 * i] = lut[c];
      out[4 * i + 1] = lut[c + 1];
      out[4 * i + 2] = lut[c + 2];
      out[4 * i + 3] = 255;
    }
    heatCtx.putImageData(image, 0, 0);
  }

  /** @param {PointerEvent} event */
  function planePoint(event) {
    const r = overlay.getBoundingClientRect();
    const span = domain[1] - domain[0];
    return [
      domain[0] + ((event.clientX - r.left) / r.width) * span,
      domain[0] + (1 - (event.clientY - r.top) / r.height) * span,
    ];
  }

  /** @param {PointerEvent} event */
  function addFrom(event) {
    if (!drawing) return;
    const [x, y] = planePoint(event);
    if (x < domain[0] || x > domain[1] || y < domain[0] || y > domain[1]) return;
    if (addPoint(drawing, [x, y], DRAW_GAP)) draw();
  }

  overlay.addEventListener("pointerdown", (event) => {
    if (!drawing || event.button !== 0) return;
    stroke = true;
    overlay.setPointerCapture(event.pointerId);
    addFrom(event);
  });
  overlay.addEventListener("pointermove", (event) => stroke && addFrom(event));
  const end = () => {
    if (!stroke || !drawing) return;
    stroke = false;
    o.onDraw(drawing.map((p) => [...p]));
  };
  overlay.addEventListener("pointerup", end);
  overlay.addEventListener("pointercancel", end);

  return {
    overlay,
    heat,
    /** @param {import("../frame.js").Frame} frame the latest frame; arrays it lacks keep their last */
    update(frame) {
      const a = frame.arrays;
      if (a.gan_discriminator) paintHeat(a.gan_discriminator);
      layers = {
        heat: a.gan_discriminator ?? layers.heat,
        real: /** @type {Float32Array} */ (a["gan_samples/real"]?.data) ?? layers.real,
        fake: /** @type {Float32Array} */ (a["gan_samples/fake"]?.data) ?? layers.fake,
        manifold: /** @type {Float32Array} */ (a.gan_manifold?.data) ?? layers.manifold,
        manifoldShape: a.gan_manifold?.shape ?? layers.manifoldShape,
        arrows: /** @type {Float32Array} */ (a.gan_gradients?.data) ?? layers.arrows,
      };
      draw();
    },
    /** @param {string[]} names the layers to show */
    setShown(names) {
      show = new Set(names);
      for (const [name, input] of boxes) input.checked = show.has(name);
      heat.hidden = !show.has("heat");
      draw();
    },
    /** @param {[number, number]} next the plane's square, in data units */
    setDomain(next) {
      domain = next;
      draw();
    },
    /**
     * Drawing mode: the anchors drawn so far (a copy is kept), or null to leave it.
     * @param {number[][] | null} points
     */
    setDrawing(points) {
      drawing = points ? points.map((p) => [...p]) : null;
      box.classList.toggle("drawable", Boolean(drawing));
      prompt.hidden = !drawing || drawing.length >= 3;
      draw();
    },
    /** The latest samples drawn (for tests and scripts): flat (x, y) pairs, and the heatmap. */
    latest() {
      return { real: layers.real ?? null, fake: layers.fake ?? null, heat: layers.heat ?? null };
    },
    reset() {
      layers = {};
      heatCtx.clearRect(0, 0, heat.width, heat.height);
      image = null;
      heat.width = heat.height = 1;
      draw();
    },
  };
}

/**
 * A 256-entry lookup from a quantized P(real) map's bytes to colours: purple (fake) through
 * paper grey (unsure, 0.5) to green (real), pale enough for the samples to stand out.
 * @param {number} min the map's range
 * @param {number} max
 */
export function heatScale(min, max) {
  const lut = new Uint8ClampedArray(256 * 3);
  const fakeTint = mix(PAPER, FAKE, 0.6);
  const realTint = mix(PAPER, REAL, 0.6);
  for (let b = 0; b < 256; b++) {
    const p = min + (b / 255) * (max - min);
    const t = Math.max(-1, Math.min(1, 2 * p - 1));
    lut.set((t < 0 ? mix(PAPER, fakeTint, -t) : mix(PAPER, realTint, t)).map(Math.round), b * 3);
  }
  return lut;
}

/**
 * Mean distance of points to a circle of radius r around the origin (the ring's 1.5): how
 * far the fakes are from the ring, for tests and scripts.
 * @param {ArrayLike<number>} xy flat (x, y) pairs
 * @param {number} r
 */
export function meanRingDistance(xy, r) {
  let sum = 0;
  for (let i = 0; i < xy.length; i += 2) sum += Math.abs(Math.hypot(xy[i], xy[i + 1]) - r);
  return xy.length ? sum / (xy.length / 2) : NaN;
}
