// @ts-check
/**
 * Each weight's gradient (dL/dw) from the run's last training step, on its edge and in
 * numbers: the `weight_grads` view beside the `weights` view (docs/protocol.md, "Views").
 * A chain of dense layers is drawn as a network whose edges take the gradient's sign for
 * colour (orange below 0, blue above, as weights are drawn) and its size, against the
 * largest gradient, for thickness; a small network's edges carry the number too. The table
 * below lists every parameter (the first `MAX_ROWS`) with its weight and its gradient, so
 * the backpropagation lesson's "the largest gradient moves most" can be read off.
 */

import { css, diverging } from "../colors.js";
import { el } from "./controls.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 300;
const H = 170;
const PAD = 18;
const MAX_ROWS = 24; // table rows: a bigger network lists its first parameters only
const MAX_LABELS = 16; // edges that carry their number: more would overlap

/**
 * @typedef {{name: string, weight: number, grad: number}} Row one parameter's entry
 * @typedef {{layer: string, outs: number, ins: number, grads: ArrayLike<number>}} Link a
 *   dense layer's weight matrix, (outs, ins), row-major as the frame sends it
 */

/**
 * "0.0123", "-1.2e-5": three significant digits, the precision a float16 frame carries.
 * @param {number} v
 */
export function formatGrad(v) {
  if (!Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? v.toPrecision(3) : v.toExponential(2);
}

/**
 * Every parameter's rows, in the frame's order: one per weight or bias, named by its layer
 * and place ("dense0 w[1←0]": to unit 1 from input 0; "output b[0]").
 * @param {Record<string, {shape: number[], data: ArrayLike<number>}>} arrays a frame's
 * @returns {Row[]}
 */
export function gradientRows(arrays) {
  /** @type {Row[]} */
  const rows = [];
  for (const [key, grad] of Object.entries(arrays)) {
    if (!key.startsWith("weight_grads/")) continue;
    const param = key.slice("weight_grads/".length);
    const weight = arrays[`weights/${param}`];
    const layer = param.split(".")[0];
    const bias = grad.shape.length === 1;
    const ins = bias ? 1 : grad.data.length / grad.shape[0];
    for (let i = 0; i < grad.data.length; i++) {
      const place = bias ? `b[${i}]` : `w[${Math.floor(i / ins)}←${i % ins}]`;
      rows.push({ name: `${layer} ${place}`, weight: weight ? weight.data[i] : NaN, grad: grad.data[i] });
    }
  }
  return rows;
}

/**
 * The dense layers' weight matrices when they form one chain (each layer's inputs are the
 * previous one's units): what can be drawn as a network. Null for anything else.
 * @param {Record<string, {shape: number[], data: ArrayLike<number>}>} arrays
 * @returns {Link[] | null}
 */
export function denseChain(arrays) {
  /** @type {Link[]} */
  const links = [];
  for (const [key, grad] of Object.entries(arrays)) {
    if (!key.startsWith("weight_grads/") || grad.shape.length === 1) continue;
    if (!key.endsWith(".linear.weight") || grad.shape.length !== 2) return null;
    const [outs, ins] = grad.shape;
    if (links.length && links[links.length - 1].outs !== ins) return null;
    links.push({ layer: key.slice("weight_grads/".length).split(".")[0], outs, ins, grads: grad.data });
  }
  return links.length ? links : null;
}

/**
 * @param {HTMLElement} container
 */
export function createWeightGrads(container) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "weight-grads-net");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "each weight's gradient on its edge");
  const caption = el("p", { className: "weight-grads-caption muted", textContent: "No step yet." });
  const body = el("tbody");
  const table = el("table", { className: "weight-grads-table" }, [
    el("thead", {}, [
      el("tr", {}, [
        el("th", { scope: "col", textContent: "parameter" }),
        el("th", { scope: "col", textContent: "weight" }),
        el("th", { scope: "col", textContent: "gradient dL/dw" }),
      ]),
    ]),
    body,
  ]);
  container.append(
    el("h4", { textContent: "Each weight's gradient (last step)" }),
    svg,
    caption,
    el("div", { className: "weight-grads-scroll" }, [table]),
  );
  let shape = ""; // the chain drawn: redrawn only when the network's shape changes
  /** @type {{line: SVGLineElement, label: SVGTextElement | null}[]} */
  let edges = [];

  /** @param {Link[] | null} chain */
  function drawChain(chain) {
    const key = chain ? chain.map((l) => `${l.ins}>${l.outs}`).join(",") : "";
    if (key === shape) return;
    shape = key;
    svg.replaceChildren();
    edges = [];
    if (!chain) return;
    const columns = [chain[0].ins, ...chain.map((l) => l.outs)];
    const x = (/** @type {number} */ c) => PAD + (c * (W - 2 * PAD)) / (columns.length - 1);
    const y = (/** @type {number} */ c, /** @type {number} */ i) => ((i + 1) * H) / (columns[c] + 1);
    const labelled = chain.reduce((n, l) => n + l.outs * l.ins, 0) <= MAX_LABELS;
    chain.forEach((link, c) => {
      for (let o = 0; o < link.outs; o++) {
        for (let i = 0; i < link.ins; i++) {
          const line = svgNode("line", { x1: x(c), y1: y(c, i), x2: x(c + 1), y2: y(c + 1, o) });
          svg.append(line);
          let label = null;
          if (labelled) {
            // a third of the way along, so two edges that cross in the middle keep apart
            const t = 0.32;
            label = /** @type {SVGTextElement} */ (
              svgNode("text", {
                x: x(c) + t * (x(c + 1) - x(c)),
                y: y(c, i) + t * (y(c + 1, o) - y(c, i)) - 3,
                class: "weight-grads-label",
              })
            );
          }
          edges.push({ line: /** @type {SVGLineElement} */ (line), label });
        }
      }
    });
    columns.forEach((units, c) => {
      for (let i = 0; i < units; i++)
        svg.append(svgNode("circle", { cx: x(c), cy: y(c, i), r: 6, class: "weight-grads-unit" }));
    });
    for (const edge of edges) if (edge.label) svg.append(edge.label); // above the units
  }

  /** @param {Link[]} chain */
  function paintChain(chain) {
    const all = chain.flatMap((l) => Array.from(l.grads));
    const largest = Math.max(...all.map(Math.abs), 1e-12);
    all.forEach((g, k) => {
      const edge = edges[k];
      if (!edge) return;
      edge.line.style.stroke = css(diverging(g / largest));
      edge.line.style.strokeWidth = String(0.5 + 5 * (Math.abs(g) / largest));
      if (edge.label) edge.label.textContent = formatGrad(g);
    });
  }

  return {
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      if (!frame.names.some((n) => n.startsWith("weight_grads/"))) return;
      const arrays = frame.arrays;
      const chain = denseChain(arrays);
      drawChain(chain);
      if (chain) paintChain(chain);
      const rows = gradientRows(arrays);
      body.replaceChildren(
        ...rows
          .slice(0, MAX_ROWS)
          .map((r) =>
            el("tr", {}, [
              el("th", { scope: "row", textContent: r.name }),
              el("td", { textContent: formatGrad(r.weight) }),
              el("td", { className: "weight-grads-value", textContent: formatGrad(r.grad) }),
            ]),
          ),
      );
      const shown = rows.length > MAX_ROWS ? ` (the first ${MAX_ROWS} of ${rows.length} parameters)` : "";
      caption.textContent =
        frame.header.step > 0
          ? `Step ${frame.header.step}: the gradient that step applied${shown}.`
          : `No step yet: every gradient is 0${shown}.`;
    },
    reset() {
      body.replaceChildren();
      for (const edge of edges) {
        edge.line.style.stroke = "";
        edge.line.style.strokeWidth = "";
        if (edge.label) edge.label.textContent = "";
      }
      caption.textContent = "No step yet.";
    },
  };
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}
