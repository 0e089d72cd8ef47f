// @ts-check
/**
 * How the state maps onto the page: the network diagram's columns for a spec, and which
 * control shows the server's error for a field path.
 */

import { FEATURES, PROPS } from "./state.js";

/**
 * The diagram's columns: input features, one per hidden layer (model child `<type><index>`,
 * as app/nn names them), and the output units (one, or one per class beyond two).
 * @param {Record<string, any>} state
 * @param {HTMLElement[]} cards the builder's card per hidden layer
 * @param {any} catalog
 * @returns {import("./views/network.js").Column[]}
 */
export function layerColumns(state, cards, catalog) {
  // A classroom link that hides the features fixes them: only those in use are drawn, unclickable.
  const locked = state.hide.includes("input");
  const shown = locked ? state.features : FEATURES;
  /** @type {import("./views/network.js").Column[]} */
  const columns = [
    {
      name: "input",
      kind: "features",
      type: "features",
      units: shown.length,
      features: shown,
      selected: state.features,
      locked,
    },
  ];
  let units = state.features.length;
  state.layers.forEach((/** @type {any} */ layer, /** @type {number} */ i) => {
    if (layer.type === "dense") units = layer.units;
    columns.push({ name: `${layer.type}${i}`, kind: "layer", type: layer.type, units, header: cards[i] });
  });
  const data = catalog.datasets[state.dataset];
  const regression = data?.task === "regression";
  const classes = !regression && state.n_classes > 2 && data?.max_classes > 2 ? state.n_classes : 1;
  columns.push({ name: "output", kind: "output", type: regression ? "regression" : "dense", units: classes });
  return columns;
}

/** Spec paths (`train.lr`) to the control that edits them (`lr`). */
const CONTROL_BY_PATH = Object.fromEntries(PROPS.filter((p) => p.path).map((p) => [p.path, p.name]));

/**
 * The error slot for a server field path: `spec.train.lr`, `params.lr`, `model.layers.2.units`…
 * @param {string} field
 */
export function errorSlot(field) {
  const path = field.replace(/^(spec|params)\./, "");
  const layer = /^model\.layers\.(\d+)/.exec(path);
  if (layer) return `layers.${layer[1]}`;
  if (path in CONTROL_BY_PATH) return CONTROL_BY_PATH[path];
  if (/^(train\.)?(weight_decay|l1)$/.test(path)) return "reg_rate";
  if (/^(train\.)?(momentum|nesterov|optimizer)$/.test(path)) return "optimizer";
  if (field.startsWith("params.") && PROPS.some((p) => p.name === path)) return path;
  if (path === "train.early_stopping.patience") return "patience";
  return "status";
}
