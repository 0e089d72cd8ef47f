// @ts-check
/**
 * A pad to draw a digit on, with mouse, finger or pen (Pointer Events), and beside it the
 * size x size image the network gets from the drawing (digitInput.toDigitInput: scaled
 * and centred like the training data). While drawing, the input is reported at most 15
 * times a second, and once more when the stroke ends; "Clear" reports null.
 */

import { toDigitInput } from "../digitInput.js";
import { button, el } from "./controls.js";
import { paintImage } from "./gallery.js";

/** The fastest the input is reported while a stroke goes on (the server re-runs the network each time). */
const REPORT_INTERVAL_MS = 1000 / 15;
/** Stroke width as a share of the pad: MNIST strokes are 2-3 px of the 20 px box. */
const STROKE_SHARE = 1 / 12;
/** Pad size when it is not laid out yet, in CSS px; and the bitmap's cap, so reading it stays cheap. */
const FALLBACK_CSS_PX = 196;
const MAX_BITMAP_PX = 640;

/**
 * @param {HTMLElement} container
 * @param {{size: number, onInput: (input: Float32Array | null) => void}} options size: the
 *   model's input is size x size; onInput gets size * size values 0..1 (ink = 1), or null
 */
export function createPad(container, { size, onInput }) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: "pad-canvas", role: "img", "aria-label": "Drawing pad: draw a digit" })
  );
  canvas.style.touchAction = "none"; // a finger draws instead of scrolling the page
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
  const preview = /** @type {HTMLCanvasElement} */ (
    el("canvas", {
      className: "pad-preview",
      width: size,
      height: size,
      role: "img",
      "aria-label": `What the network gets from the drawing: ${size} by ${size} pixels`,
    })
  );
  const clearButton = button({
    label: "Clear",
    title: "Clear the drawing",
    className: "pad-clear",
    onClick: () => {
      clear();
      onInput(null);
    },
  });
  container.append(
    el("div", { className: "pad" }, [
      canvas,
      el("div", { className: "pad-side" }, [
        el("figure", { className: "pad-preview-figure" }, [
          preview,
          el("figcaption", { textContent: `network input ${size}×${size}` }),
        ]),
        clearButton,
      ]),
    ]),
  );

  /** @type {number | null} */ let pointer = null; // the one pointer drawing
  /** @type {[number, number] | null} */ let last = null;
  let drawn = false;
  let lastReport = -Infinity;
  let timer = 0;
  /** @type {Float32Array | null} */ let input = null;

  /** Matches the bitmap to the laid-out size (sharp on any pixel ratio); clears it. */
  function fitBitmap() {
    const cssPx = canvas.getBoundingClientRect().width || FALLBACK_CSS_PX;
    const px = Math.min(MAX_BITMAP_PX, Math.round(cssPx * (globalThis.devicePixelRatio || 1)));
    if (canvas.width !== px || canvas.height !== px) canvas.width = canvas.height = px;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.lineWidth = px * STROKE_SHARE;
    ctx.strokeStyle = ctx.fillStyle = "#222";
  }

  /** @param {PointerEvent} e @returns {[number, number]} bitmap coordinates */
  function at(e) {
    const rect = canvas.getBoundingClientRect();
    return [
      ((e.clientX - rect.left) * canvas.width) / rect.width,
      ((e.clientY - rect.top) * canvas.height) / rect.height,
    ];
  }

  /** @param {[number, number]} a @param {[number, number]} b */
  function line(a, b) {
    ctx.beginPath();
    if (a[0] === b[0] && a[1] === b[1]) {
      ctx.arc(a[0], a[1], ctx.lineWidth / 2, 0, 2 * Math.PI); // a tap is a dot
      ctx.fill();
    } else {
      ctx.moveTo(...a);
      ctx.lineTo(...b);
      ctx.stroke();
    }
  }

  function report() {
    clearTimeout(timer);
    timer = 0;
    lastReport = performance.now();
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const alpha = new Float32Array(width * height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = data[4 * i + 3] / 255;
    input = toDigitInput(alpha, width, height, size);
    const shown = input;
    paintImage(preview, size, size, shown ? (i) => shown[i] : () => 0);
    onInput(input);
  }

  function scheduleReport() {
    if (!timer) timer = window.setTimeout(report, Math.max(0, lastReport + REPORT_INTERVAL_MS - performance.now()));
  }

  /** @param {PointerEvent} e */
  function down(e) {
    if (pointer !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    if (!drawn) fitBitmap();
    pointer = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    line(last, last);
    drawn = true;
    scheduleReport();
  }

  /** @param {PointerEvent} e */
  function move(e) {
    if (e.pointerId !== pointer || !last) return;
    const coalesced = e.getCoalescedEvents?.() ?? []; // every sample of a fast pen, not one per frame
    for (const sample of coalesced.length ? coalesced : [e]) {
      const p = at(sample);
      line(last, p);
      last = p;
    }
    scheduleReport();
  }

  /** @param {PointerEvent} e */
  function up(e) {
    if (e.pointerId !== pointer) return;
    pointer = null;
    last = null;
    report();
  }

  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);

  /** Wipes the drawing without reporting it. */
  function clear() {
    clearTimeout(timer);
    timer = 0;
    pointer = null;
    last = null;
    drawn = false;
    input = null;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    paintImage(preview, size, size, () => 0);
  }

  fitBitmap();
  paintImage(preview, size, size, () => 0);
  return {
    canvas,
    clear,
    /** The input the drawing makes now, or null when nothing is drawn. */
    input: () => input,
  };
}
