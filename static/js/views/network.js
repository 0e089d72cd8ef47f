// @ts-check
/**
 * The network diagram, as in TensorFlow Playground: a column of input features, a column
 * per hidden layer (its card from the builder on top), the output; every unit drawn as a
 * small heatmap of its output over the input plane, every connection coloured by its
 * weight's sign and thick by its size, each bias a small square. Hover a unit to see its map
 * large, hover a connection or a bias to read it, click it to type a new value.
 *
 * The columns lie over the connections' SVG, so only their cards and units take the pointer
 * (site.css): the gaps where connections run are the SVG's. Each connection has a wide
 * transparent twin that takes the pointer, as TensorFlow Playground's hover path, since a
 * 1-px line is hard to hit. Names in words count layers from 1, as the cards do.
 */

import { byteScale, css, diverging } from "../colors.js";
import { mapRange } from "../frame.js";
import { createHeatmap } from "./heatmap.js";
import { el, placeAt } from "./controls.js";
import { createWeightEditor } from "./weightEditor.js";

const MAX_DRAWN = 12; // units drawn per column; wider layers say how many are not shown
const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {import("../frame.js").Frame} Frame
 * @typedef {{name: string, kind: "features" | "layer" | "output", type: string, units: number,
 *            header?: HTMLElement, features?: string[], selected?: string[], locked?: boolean}} Column
 *            (locked: the features are named, not toggled: a classroom link hid them)
 * @typedef {{path: SVGPathElement, param: string, index: number[], words: string, stroke?: string,
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
    box.append(column.header ?? el("div", { className: "column-head" }));
    const nodes = el("div", { className: "nodes" });
    const drawn = Math.min(column.units, MAX_DRAWN);
    const heatmaps = [];
    const squares = [];
    for (let u = 0; u < drawn; u++) {
      const feature = column.features?.[u];
      const canvas = /** @type {HTMLCanvasElement} */ (el("canvas", { width: 1, height: 1 }));
      const label = feature ? featureLabel(feature) : unitWords(column, u);
      const node = el("div", { className: "node", "data-unit": u, title: "" }, [canvas]);
      if (feature) {
        const on = column.selected?.includes(feature) ?? false;
        node.classList.add("feature");
        node.classList.toggle("off", !on);
        if (column.locked) {
          node.append(el("span", { className: "feature-name", textContent: featureLabel(feature) }));
        } else {
          const toggle = el("button", {
            type: "button",
            className: "feature-toggle",
            textContent: featureLabel(feature),
            "aria-pressed": String(on),
            title: `${on ? "Remove" : "Use"} the input feature ${feature}`,
          });
          toggle.addEventListener("click", () => handlers.onToggleFeature(feature));
          node.append(toggle);
        }
      } else if (column.kind !== "features") {
        const bias = el("span", { className: "bias" });
        if (hasBias(column)) bindBias(bias, column, u);
        node.append(bias);
        squares.push(bias);
      }
      node.addEventListener("pointerenter", () => showZoom(canvas, label, node));
      node.addEventListener("pointerleave", hideZoom);
      nodes.append(node);
      heatmaps.push(createHeatmap(canvas));
    }
    if (column.units > drawn)
      nodes.append(el("p", { className: "more", textContent: `+${column.units - drawn} more` }));
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
    /** @type {SVGPathElement[]} */
    const hits = [];
    for (let c = 1; c < columns.length; c++) {
      const to = columns[c];
      const dense = hasBias(to);
      centres[c].forEach((b, j) => {
        centres[c - 1].forEach((a, i) => {
          const k = c === 1 ? inputIndex(i) : i;
          if (k < 0 || (!dense && k !== j)) return;
          const mid = (a.right + b.left) / 2;
          const d = `M${a.right},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.left},${b.y}`;
          const path = svgPath(d, dense ? "link" : "link-through");
          svg.append(path);
          if (!dense) return;
          const words = `weight from ${unitWords(columns[c - 1], i)} to ${unitWords(to, j)}`;
          const link = { path, param: `${to.name}.linear.weight`, index: [j, k], words };
          links.push(link);
          hits.push(bindLink(svgPath(d, "link-hit"), link));
        });
      });
    }
    svg.append(...hits); // above every drawn line, so a thick line never hides a thin one's twin
    if (lastFrame) paintLinks(lastFrame);
  }

  /**
   * The pointer's handlers on a connection's wide twin: read on hover, edit on click.
   * @param {SVGPathElement} hit
   * @param {Link} link
   */
  function bindLink(hit, link) {
    bindEditable(hit, link.words, () => weightOf(link), link.param, link.index);
    hit.addEventListener("pointerenter", () => link.path.classList.add("hover"));
    hit.addEventListener("pointerleave", () => link.path.classList.remove("hover"));
    return hit;
  }

  /**
   * @param {HTMLElement} square
   * @param {Column} column
   * @param {number} u
   */
  function bindBias(square, column, u) {
    const words = `bias of ${unitWords(column, u)}`;
    square.setAttribute("aria-label", words);
    bindEditable(square, words, () => biasOf(column.name, u), `${column.name}.linear.bias`, [u]);
  }

  /**
   * Hover shows the value in words; a click opens the editor on it.
   * @param {Element} target
   * @param {string} words
   * @param {() => number | null} read
   * @param {string} param
   * @param {number[]} index
   */
  function bindEditable(target, words, read, param, index) {
    target.addEventListener("pointermove", (event) => {
      const e = /** @type {PointerEvent} */ (event);
      const w = read();
      tip.textContent = `${capitalize(words)}: ${w === null ? "?" : w.toFixed(4)} (click to edit)`;
      placeAt(tip, e.clientX + 12, e.clientY + 12);
    });
    target.addEventListener("pointerleave", () => (tip.hidden = true));
    target.addEventListener("click", (event) => {
      const e = /** @type {MouseEvent} */ (event);
      e.stopPropagation();
      tip.hidden = true;
      editor.open(param, index, read() ?? 0, e.clientX, e.clientY, words);
    });
  }

  /**
   * @param {string} name
   * @param {number} u
   */
  function biasOf(name, u) {
    const bias = lastFrame?.arrays[`weights/${name}.linear.bias`];
    return bias && u < bias.data.length ? bias.data[u] : null;
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
    const [min, max] = mapRange(array);
    const probability = column.kind === "output" && column.type !== "regression";
    // Unit outputs on TF Playground's [-1, 1] scale; unbounded layers scaled to fit.
    const reach = probability ? 1 : Math.max(1, Math.abs(min), Math.abs(max));
    const lut = byteScale(min, max, probability ? (p) => 2 * p - 1 : (v) => v / reach);
    const units = array.shape.length === 3 ? array.shape[0] : 1;
    heatmaps
      .slice(0, units)
      .forEach((h, u) => h.update(/** @type {Uint8Array} */ (array.data), u * size * size, size, lut));
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
      h.updateValues(
        values.map((v) => v / reach),
        size,
        diverging,
      );
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

/**
 * A connection's path in the SVG.
 * @param {string} d
 * @param {string} className
 */
function svgPath(d, className) {
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.classList.add(className);
  return path;
}

/**
 * Whether a column's units have weights and a bias one can edit (dense layers, the output).
 * @param {Column} column
 */
function hasBias(column) {
  return column.type === "dense" || column.kind === "output";
}

/**
 * A unit in words, layers counted from 1 as on the cards: "neuron 2 of layer 1", "X₁",
 * "the output" (or "output 2 of 3" for classes).
 * @param {Column} column
 * @param {number} u the unit's index in its column as drawn
 */
function unitWords(column, u) {
  if (column.kind === "features") {
    const shown = column.features?.[u];
    return shown ? featureLabel(shown) : `input ${u + 1}`;
  }
  if (column.kind === "output") return column.units === 1 ? "the output" : `output ${u + 1} of ${column.units}`;
  const layer = Number(/\d+$/.exec(column.name)?.[0] ?? 0) + 1;
  return `neuron ${u + 1} of layer ${layer}`;
}

/** @param {string} text */
function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** @param {string} feature */
function featureLabel(feature) {
  return feature.replace("^2", "²").replace("*", "·").replaceAll("x1", "X₁").replaceAll("x2", "X₂");
}
