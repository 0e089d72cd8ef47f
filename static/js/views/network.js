// @ts-check
/**
 * The network diagram, as in TensorFlow Playground: a column of input features, a column
 * per hidden layer (its card from the builder on top), the output; every unit drawn as a
 * small heatmap of its output over the input plane, every connection coloured by its
 * weight's sign and thick by its size, each bias a small square. Hover a unit to see its map
 * large, hover a connection to read its weight, click it to edit the weight.
 */

import { byteScale, css, diverging } from "../colors.js";
import { createHeatmap } from "./heatmap.js";
import { el, placeAt } from "./controls.js";
import { createWeightEditor } from "./weightEditor.js";

const MAX_DRAWN = 12; // units drawn per column; wider layers say how many are not shown
const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {import("../frame.js").Frame} Frame
 * @typedef {{name: string, kind: "features" | "layer" | "output", type: string, units: number,
 *            header?: HTMLElement, features?: string[], selected?: string[]}} Column
 * @typedef {{path: SVGPathElement, param: string | null, index: number[], stroke?: string,
 *            width?: string}} Link
 * @typedef {{onEditWeight: (param: string, index: number[], value: number) => void,
 *            onToggleFeature: (feature: string) => void}} Handlers
 */

/**
 * @param {HTMLElement} container
 * @param {Handlers} handlers
 */
export function createNetwork(container, handlers) {
  const svg = document.createElementNS(SVG, "svg");
  svg.classList.add("links");
  const columnsBox = el("div", { className: "columns" });
  const zoom = el("div", { className: "zoom", hidden: true }, [el("canvas", { width: 1, height: 1 }), el("p")]);
  const tip = el("div", { className: "tip", role: "tooltip", hidden: true });
  const editor = createWeightEditor(handlers.onEditWeight);
  container.append(svg, columnsBox, zoom, tip, editor.node);

  /** @type {Column[]} */
  let columns = [];
  /** @type {Map<string, ReturnType<typeof createHeatmap>[]>} maps by model child name */
  let maps = new Map();
  /** @type {Map<string, HTMLElement[]>} bias squares by model child name */
  let biases = new Map();
  /** @type {Link[]} */
  let links = [];
  /** @type {Frame | null} */
  let lastFrame = null;
  /** @type {{canvas: HTMLCanvasElement, label: string} | null} */
  let zoomed = null;

  /** @param {Column[]} next */
  function render(next) {
    columns = next;
    columnsBox.replaceChildren();
    maps = new Map();
    biases = new Map();
    for (const column of columns) columnsBox.append(renderColumn(column));
    requestAnimationFrame(layoutLinks);
  }

  /** @param {Column} column */
  function renderColumn(column) {
    const box = el("div", { className: `column ${column.kind}`, "data-layer": column.name });
    if (column.kind === "features") box.dataset.control = "input";
    box.append(column.header ?? el("div", { className: "column-head" }));
    const nodes = el("div", { className: "nodes" });
    const drawn = Math.min(column.units, MAX_DRAWN);
    const heatmaps = [];
    const squares = [];
    for (let u = 0; u < drawn; u++) {
      const feature = column.features?.[u];
      const canvas = /** @type {HTMLCanvasElement} */ (el("canvas", { width: 1, height: 1 }));
      const label = feature ?? `${column.name} unit ${u}`;
      const node = el("div", { className: "node", "data-unit": u, title: "" }, [canvas]);
      if (feature) {
        const on = column.selected?.includes(feature) ?? false;
        node.classList.add("feature");
        node.classList.toggle("off", !on);
        const toggle = el("button", {
          type: "button", className: "feature-toggle", textContent: featureLabel(feature),
          "aria-pressed": String(on), title: `${on ? "Remove" : "Use"} the input feature ${feature}`,
        });
        toggle.addEventListener("click", () => handlers.onToggleFeature(feature));
        node.append(toggle);
      } else if (column.kind !== "features") {
        const bias = el("span", { className: "bias", title: "bias" });
        node.append(bias);
        squares.push(bias);
      }
      node.addEventListener("pointerenter", () => showZoom(canvas, label, node));
      node.addEventListener("pointerleave", hideZoom);
      nodes.append(node);
      heatmaps.push(createHeatmap(canvas));
    }
    if (column.units > drawn) nodes.append(el("p", { className: "more", textContent: `+${column.units - drawn} more` }));
    box.append(nodes);
    maps.set(column.name, heatmaps);
    biases.set(column.name, squares);
    return box;
  }

  /** Draws the connections between the units' centres (again after any re-layout). */
  function layoutLinks() {
    const origin = container.getBoundingClientRect();
    svg.setAttribute("width", String(container.scrollWidth));
    svg.setAttribute("height", String(container.scrollHeight));
    svg.replaceChildren();
    links = [];
    const centres = columns.map((c) =>
      [...columnsBox.querySelectorAll(`[data-layer="${c.name}"] .node canvas`)].map((n) => {
        const r = n.getBoundingClientRect();
        return { left: r.left - origin.left, right: r.right - origin.left, y: r.top - origin.top + r.height / 2 };
      }),
    );
    // Features feed the first layer in the order they are selected, not as drawn.
    const inputIndex = (/** @type {number} */ u) => {
      const f = columns[0].features?.[u];
      return f ? (columns[0].selected ?? []).indexOf(f) : u;
    };
    for (let c = 1; c < columns.length; c++) {
      const to = columns[c];
      const dense = to.type === "dense";
      const param = dense ? `${to.name}.linear.weight` : null;
      centres[c].forEach((b, j) => {
        centres[c - 1].forEach((a, i) => {
          const k = c === 1 ? inputIndex(i) : i;
          if (k < 0 || (!dense && k !== j)) return;
          const path = document.createElementNS(SVG, "path");
          const mid = (a.right + b.left) / 2;
          path.setAttribute("d", `M${a.right},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.left},${b.y}`);
          path.classList.add(dense ? "link" : "link-through");
          svg.append(path);
          if (dense) links.push({ path, param, index: [j, k] });
        });
      });
    }
    for (const link of links) bindLink(link);
    if (lastFrame) paintLinks(lastFrame);
  }

  /** @param {Link} link */
  function bindLink(link) {
    const { path } = link;
    path.addEventListener("pointermove", (e) => {
      const w = weightOf(link);
      tip.textContent = `${link.param} [${link.index.join(", ")}] = ${w === null ? "?" : w.toFixed(4)} (click to edit)`;
      placeAt(tip, e.clientX + 12, e.clientY + 12);
    });
    path.addEventListener("pointerleave", () => (tip.hidden = true));
    path.addEventListener("click", (e) => {
      tip.hidden = true;
      const w = weightOf(link);
      if (link.param) editor.open(link.param, link.index, w ?? 0, e.clientX, e.clientY);
    });
  }

  /** @param {Link} link */
  function weightOf(link) {
    const array = lastFrame?.arrays[`weights/${link.param}`];
    if (!array || link.index[0] >= array.shape[0] || link.index[1] >= array.shape[1]) return null;
    return array.data[link.index[0] * array.shape[1] + link.index[1]];
  }

  /** @param {Frame} frame */
  function paintLinks(frame) {
    for (const link of links) {
      const w = weightOf(link);
      if (w === null) continue;
      // Rounded so that a weight that barely moved costs the browser no restyle.
      const stroke = css(diverging(w));
      const width = (0.5 + Math.min(Math.abs(w), 4) * 1.2).toFixed(1); // TF: |w| 0..5 -> 1..10 px
      if (link.stroke !== stroke) link.path.style.stroke = link.stroke = stroke;
      if (link.width !== width) link.path.style.strokeWidth = link.width = width;
    }
  }

  /** @param {Frame} frame */
  function update(frame) {
    lastFrame = frame;
    for (const column of columns) {
      if (column.kind === "features") continue;
      const array = column.kind === "output" ? frame.arrays.boundary : frame.arrays[`neurons/${column.name}`];
      const heatmaps = maps.get(column.name) ?? [];
      if (array && array.dtype === "uint8") paintUnits(array, heatmaps, column);
      const bias = frame.arrays[`weights/${column.name}.linear.bias`];
      (biases.get(column.name) ?? []).forEach((square, u) => {
        if (!bias || u >= bias.data.length) return;
        square.style.background = css(diverging(bias.data[u]));
        square.title = `bias ${bias.data[u].toFixed(4)}`;
      });
    }
    paintLinks(frame);
    if (zoomed) copyZoom();
  }

  /**
   * @param {import("../frame.js").FrameArray} array (units, g, g), or (g, g) for one output
   * @param {ReturnType<typeof createHeatmap>[]} heatmaps
   * @param {Column} column
   */
  function paintUnits(array, heatmaps, column) {
    const size = array.shape[array.shape.length - 1];
    const min = array.min ?? 0;
    const max = array.max ?? 0;
    const probability = column.kind === "output" && column.type !== "regression";
    // Unit outputs on TF Playground's [-1, 1] scale; unbounded layers scaled to fit.
    const reach = probability ? 1 : Math.max(1, Math.abs(min), Math.abs(max));
    const lut = byteScale(min, max, probability ? (p) => 2 * p - 1 : (v) => v / reach);
    const units = array.shape.length === 3 ? array.shape[0] : 1;
    heatmaps.slice(0, units).forEach((h, u) => h.update(/** @type {Uint8Array} */ (array.data), u * size * size, size, lut));
  }

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {string} label
   * @param {HTMLElement} node
   */
  function showZoom(canvas, label, node) {
    zoomed = { canvas, label };
    zoom.hidden = false;
    /** @type {HTMLElement} */ (zoom.querySelector("p")).textContent = label;
    const r = node.getBoundingClientRect();
    placeAt(zoom, r.right + 8, r.top - 40);
    copyZoom();
  }

  function copyZoom() {
    if (!zoomed) return;
    const big = /** @type {HTMLCanvasElement} */ (zoom.querySelector("canvas"));
    big.width = big.height = 160;
    const ctx = /** @type {CanvasRenderingContext2D} */ (big.getContext("2d"));
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(zoomed.canvas, 0, 0, 160, 160);
  }

  function hideZoom() {
    zoomed = null;
    zoom.hidden = true;
  }

  /**
   * Static maps for the input features, computed here: f(x1, x2) over the plane.
   * @param {[number, number]} domain
   */
  function drawFeatures(domain) {
    const column = columns[0];
    if (column?.kind !== "features") return;
    const size = 20;
    (maps.get(column.name) ?? []).forEach((h, u) => {
      const f = FEATURE_FUNCTIONS[/** @type {string} */ (column.features?.[u])];
      const values = new Float32Array(size * size);
      let reach = 1e-9;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const x1 = domain[0] + ((domain[1] - domain[0]) * c) / (size - 1);
          const x2 = domain[1] - ((domain[1] - domain[0]) * r) / (size - 1);
          values[r * size + c] = f(x1, x2);
          reach = Math.max(reach, Math.abs(values[r * size + c]));
        }
      }
      h.updateValues(values.map((v) => v / reach), size, diverging);
    });
  }

  new ResizeObserver(() => requestAnimationFrame(layoutLinks)).observe(container);

  return {
    render,
    update,
    drawFeatures,
    reset() {
      lastFrame = null;
      for (const [name, heatmaps] of maps) if (name !== "input") heatmaps.forEach((h) => h.reset());
      for (const link of links) link.path.style.stroke = link.stroke = "";
    },
  };
}

/** @type {Record<string, (x1: number, x2: number) => number>} */
const FEATURE_FUNCTIONS = {
  x1: (x1) => x1,
  x2: (_, x2) => x2,
  "x1^2": (x1) => x1 * x1,
  "x2^2": (_, x2) => x2 * x2,
  "x1*x2": (x1, x2) => x1 * x2,
  "sin(x1)": (x1) => Math.sin(x1),
  "sin(x2)": (_, x2) => Math.sin(x2),
};

/** @param {string} feature */
function featureLabel(feature) {
  return feature.replace("^2", "²").replace("*", "·").replaceAll("x1", "X₁").replaceAll("x2", "X₂");
}
