// @ts-check
/**
 * Attention's formula for one query, the last step's, of one example: the `attention_query`
 * view (docs/protocol.md, "Views"). Per layer and head, a table of every step's score
 * q·k/√d, the score divided by the layer's temperature T, and its weight after the softmax
 * (a bar as well: the weights add up to 1); below it, each step's value vector and the
 * weighted sum of them that the layer passes on, as rows of coloured cells (orange below 0,
 * blue above, on one scale for the whole block).
 */

import { css, diverging } from "../colors.js";
import { el } from "./controls.js";

const MAX_HEADS = 4; // blocks drawn per frame: more heads would crowd a lesson card
const CELL = 8; // px per value cell

/**
 * @typedef {import("../frame.js").FrameArray} FrameArray
 * @typedef {{name: string, head: number, scores: number[], weights: number[], values: Float32Array[],
 *            mixed: Float32Array, temperature: number}} QueryBlock
 */

/**
 * One block per layer and head (the first MAX_HEADS), from a frame's arrays and values.
 * @param {Record<string, FrameArray>} arrays
 * @param {Record<string, any>} values the frame header's `values`
 * @returns {QueryBlock[]}
 */
export function queryBlocks(arrays, values) {
  /** @type {QueryBlock[]} */
  const blocks = [];
  for (const [key, scores] of Object.entries(arrays)) {
    const match = key.match(/^attention_query\/(.+)\/scores$/);
    if (!match) continue;
    const name = match[1];
    const weights = arrays[`attention_query/${name}/weights`];
    const vals = arrays[`attention_query/${name}/values`];
    const mixed = arrays[`attention_query/${name}/mixed`];
    if (!weights || !vals || !mixed) continue;
    const [heads, steps] = scores.shape;
    const d = vals.shape[2];
    for (let h = 0; h < heads && blocks.length < MAX_HEADS; h++) {
      blocks.push({
        name,
        head: h,
        scores: Array.from(scores.data.subarray(h * steps, (h + 1) * steps)),
        weights: Array.from(weights.data.subarray(h * steps, (h + 1) * steps)),
        values: Array.from({ length: steps }, (_, t) =>
          Float32Array.from(vals.data.subarray((h * steps + t) * d, (h * steps + t + 1) * d)),
        ),
        mixed: Float32Array.from(mixed.data.subarray(h * d, (h + 1) * d)),
        temperature: Number(values[`attention_query/${name}/temperature`] ?? 1),
      });
    }
  }
  return blocks;
}

/** @param {number} v */
export function formatNumber(v) {
  if (!Number.isFinite(v)) return v === -Infinity ? "−∞" : "–";
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

/** @param {HTMLElement} container */
export function createAttentionQuery(container) {
  const blocksBox = el("div", { className: "attention-query-blocks" });
  const caption = el("p", { className: "chart-note", textContent: "No frame yet." });
  container.append(el("h4", { textContent: "One query: scores, softmax, weighted sum" }), caption, blocksBox);
  let layout = "";

  /** @param {QueryBlock[]} blocks */
  function build(blocks) {
    blocksBox.replaceChildren(
      ...blocks.map((b) => {
        const rows = b.scores.map((_, t) =>
          el("tr", {}, [
            el("th", { scope: "row", textContent: t === b.scores.length - 1 ? `${t} (query)` : String(t) }),
            el("td", { className: "aq-score" }),
            el("td", { className: "aq-scaled" }),
            el("td", { className: "aq-weight" }),
            el("td", { className: "aq-bar-cell" }, [el("span", { className: "aq-bar" })]),
          ]),
        );
        const canvas = el("canvas", {
          className: "aq-values",
          width: b.mixed.length * CELL,
          height: (b.values.length + 1) * CELL + 3,
          role: "img",
          "aria-label": "each step's value vector, and their weighted sum (bottom row)",
        });
        return el("figure", { className: "attention-query", "data-block": `${b.name}/${b.head}` }, [
          el("figcaption", { textContent: `${b.name} · head ${b.head + 1} · T = ` }, [
            el("output", { className: "aq-temperature" }),
          ]),
          el("table", { className: "aq-table" }, [
            el("thead", {}, [
              el("tr", {}, [
                el("th", { scope: "col", textContent: "step" }),
                el("th", { scope: "col", textContent: "score q·k/√d" }),
                el("th", { scope: "col", textContent: "÷ T" }),
                el("th", { scope: "col", textContent: "softmax weight" }),
                el("th", { scope: "col", textContent: "" }),
              ]),
            ]),
            el("tbody", {}, rows),
          ]),
          el("p", {
            className: "chart-note",
            textContent: "values v (a row per step) and the weighted sum Σ weight × v (last row):",
          }),
          canvas,
        ]);
      }),
    );
  }

  /**
   * @param {HTMLElement} figure
   * @param {QueryBlock} b
   */
  function paint(figure, b) {
    /** @type {HTMLElement} */ (figure.querySelector(".aq-temperature")).textContent = String(b.temperature);
    figure.querySelectorAll("tbody tr").forEach((row, t) => {
      const cells = row.querySelectorAll("td");
      cells[0].textContent = formatNumber(b.scores[t]);
      cells[1].textContent = formatNumber(b.scores[t] / b.temperature);
      cells[2].textContent = Number.isFinite(b.weights[t]) ? b.weights[t].toFixed(3) : "–";
      /** @type {HTMLElement} */ (cells[3].firstChild).style.width = `${Math.round(100 * (b.weights[t] || 0))}%`;
    });
    const canvas = /** @type {HTMLCanvasElement} */ (figure.querySelector("canvas"));
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const rows = [...b.values, b.mixed];
    const largest = Math.max(1e-9, ...rows.flatMap((r) => Array.from(r, Math.abs)));
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    rows.forEach((row, r) => {
      const y = r * CELL + (r === rows.length - 1 ? 3 : 0); // a gap above the sum
      row.forEach((v, i) => {
        ctx.fillStyle = css(diverging(v / largest));
        ctx.fillRect(i * CELL, y, CELL, CELL);
      });
    });
  }

  return {
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      if (!frame.names.some((n) => n.startsWith("attention_query/"))) return;
      const blocks = queryBlocks(frame.arrays, frame.header.values);
      const key = blocks.map((b) => `${b.name}/${b.head}:${b.scores.length}x${b.mixed.length}`).join(",");
      if (key !== layout) {
        layout = key;
        build(blocks);
      }
      const figures = blocksBox.querySelectorAll("figure.attention-query");
      blocks.forEach((b, i) => paint(/** @type {HTMLElement} */ (figures[i]), b));
      caption.textContent = "The last step asks; each step's score is how well its key matches the question.";
    },
    reset() {
      layout = "";
      blocksBox.replaceChildren();
      caption.textContent = "No frame yet.";
    },
  };
}
