// @ts-check
/**
 * A text model's token embeddings in 2-D (the `embedding` view): each character drawn at its
 * point on the two directions in which the vectors spread most (PCA, computed by the
 * server), vowels blue, consonants orange, marks grey. The axes fit the points each frame,
 * so the picture shows how the points lie relative to each other, not their scale.
 */

import { NEGATIVE, POSITIVE, css } from "../colors.js";
import { el } from "./controls.js";

const SIZE = 260; // canvas pixels on either side
const MARGIN = 16; // room for a character drawn at the edge
const GREY = "#888";

/**
 * Canvas positions for 2-D points, fitted into a square of `size` pixels with `margin` on
 * every side (y up), keeping the aspect ratio so distances are not distorted.
 * @param {ArrayLike<number>} xy (N, 2) row-major
 * @param {number} size
 * @param {number} margin
 * @returns {[number, number][]}
 */
export function fitPoints(xy, size, margin) {
  const n = Math.floor(xy.length / 2);
  let lo = [Infinity, Infinity];
  let hi = [-Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    for (const d of [0, 1]) {
      lo[d] = Math.min(lo[d], xy[2 * i + d]);
      hi[d] = Math.max(hi[d], xy[2 * i + d]);
    }
  }
  const span = Math.max(hi[0] - lo[0], hi[1] - lo[1]) || 1;
  const scale = (size - 2 * margin) / span;
  const centre = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2];
  /** @type {[number, number][]} */
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push([size / 2 + (xy[2 * i] - centre[0]) * scale, size / 2 - (xy[2 * i + 1] - centre[1]) * scale]);
  }
  return out;
}

/** @param {HTMLElement} container */
export function createEmbeddingPlot(container) {
  const canvas = /** @type {HTMLCanvasElement} */ (
    el("canvas", {
      width: SIZE,
      height: SIZE,
      className: "embedding-plot",
      role: "img",
      "aria-label": "each character at its embedding's point",
    })
  );
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const score = el("output", { className: "embedding-separation" });
  const axes = el("span", { className: "muted" });
  const swatch = (/** @type {string} */ color, /** @type {string} */ text) => {
    const s = el("span", { className: "swatch", "aria-hidden": "true" });
    s.style.background = color;
    return el("span", {}, [s, text]);
  };
  const node = el("figure", { className: "embedding-view" }, [
    el("figcaption", { textContent: "Character embeddings, projected to 2-D" }),
    canvas,
    el("p", { className: "legend" }, [swatch(css(POSITIVE), " vowel"), swatch(css(NEGATIVE), " consonant")]),
    el("p", { className: "chart-note" }, [
      "vowels apart from consonants: ",
      score,
      " (centre gap over spread, all dimensions) ",
      axes,
    ]),
  ]);
  container.append(node);

  return {
    node,
    /**
     * @param {import("../frame.js").Frame} frame
     * @returns {boolean} whether the frame carried the embedding
     */
    update(frame) {
      const points = frame.names.includes("embedding/points") ? frame.arrays["embedding/points"] : null;
      const values = frame.header.values;
      const tokens = /** @type {string[] | undefined} */ (/** @type {unknown} */ (values["embedding/tokens"]));
      const vowel = /** @type {number[] | undefined} */ (values["embedding/vowel"]);
      if (!points || !tokens || !vowel) return false;
      const at = fitPoints(points.data, SIZE, MARGIN);
      ctx.clearRect(0, 0, SIZE, SIZE);
      ctx.font = "bold 14px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      at.forEach(([x, y], i) => {
        ctx.fillStyle = vowel[i] === 1 ? css(POSITIVE) : vowel[i] === 0 ? css(NEGATIVE) : GREY;
        ctx.fillText(tokens[i], x, y);
      });
      const separation = values["embedding/separation"];
      score.textContent = typeof separation === "number" ? separation.toFixed(2) : "–";
      const explained = /** @type {number[] | undefined} */ (values["embedding/explained"]);
      axes.textContent = explained
        ? `· the two axes hold ${Math.round(100 * (explained[0] + explained[1]))}% of the spread`
        : "";
      return true;
    },
    reset() {
      ctx.clearRect(0, 0, SIZE, SIZE);
      score.textContent = "–";
      axes.textContent = "";
    },
  };
}
