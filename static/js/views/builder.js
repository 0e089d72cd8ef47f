// @ts-check
/**
 * The layer builder: one card per hidden layer (type, neurons, activation or dropout rate,
 * remove), each showing its output shape and parameter count from `POST /api/validate`, or
 * the server's error for it. Cards sit on top of their column in the network diagram.
 * Layer types and activations come from the catalog, as the validator's do.
 */

import { button, el, select } from "./controls.js";

/** Layer types the 2-D page builds (convolutions and recurrent layers need other data). */
export const PAGE_LAYER_TYPES = ["dense", "dropout", "batchnorm", "layernorm"];

/**
 * @typedef {import("../state.js").Layer} Layer
 * @typedef {{name: string, type: string, output_shape: number[], params: number, note: string}} LayerInfo
 */

/**
 * @param {{catalog: any, onChange: (layers: Layer[]) => void}} o
 */
export function createBuilder(o) {
  const activations = Object.keys(o.catalog.activations);
  const types = PAGE_LAYER_TYPES.filter((t) => t in o.catalog.layers);
  const maxUnits = o.catalog.limits.max_units;

  /**
   * The cards for these layers (fresh DOM each time: layers change rarely).
   * @param {Layer[]} layers
   * @returns {HTMLElement[]}
   */
  function cards(layers) {
    const change = (/** @type {number} */ i, /** @type {Layer | null} */ next) => {
      const copy = layers.map((l) => ({ ...l }));
      if (next) copy[i] = next;
      else copy.splice(i, 1);
      o.onChange(copy);
    };
    return layers.map((layer, i) => card(layer, i, change));
  }

  /**
   * @param {Layer} layer
   * @param {number} i
   * @param {(i: number, next: Layer | null) => void} change
   */
  function card(layer, i, change) {
    const body = el("div", { className: "card", "data-control": "layers", "aria-label": `layer ${i + 1}` });
    const typeSelect = select({
      name: `layer-${i}-type`, label: `Layer ${i + 1}`,
      options: types.map((t) => [t, t]), value: layer.type,
      onChange: (t) => change(i, t === "dense" ? { type: t, units: 4, activation: "tanh" } : t === "dropout" ? { type: t, p: 0.2 } : { type: t }),
    });
    body.append(typeSelect.node);
    body.append(button({ label: "×", title: `Remove layer ${i + 1}`, className: "remove", onClick: () => change(i, null) }));
    if (layer.type === "dense") {
      const units = Number(layer.units);
      body.append(
        el("div", { className: "units" }, [
          button({ label: "−", title: `One neuron fewer in layer ${i + 1}`, onClick: () => units > 1 && change(i, { ...layer, units: units - 1 }) }),
          el("span", { textContent: `${units} neuron${units === 1 ? "" : "s"}` }),
          button({ label: "+", title: `One neuron more in layer ${i + 1}`, onClick: () => units < maxUnits && change(i, { ...layer, units: units + 1 }) }),
        ]),
        select({
          name: `layer-${i}-activation`, label: "activation",
          options: activations.map((a) => [a, a]), value: layer.activation,
          title: o.catalog.activations[layer.activation] ?? "",
          onChange: (a) => change(i, { ...layer, activation: a }),
        }).node,
      );
    } else if (layer.type === "dropout") {
      const p = /** @type {HTMLInputElement} */ (el("input", { type: "number", min: "0", max: "0.95", step: "0.05", value: String(layer.p), id: `layer-${i}-p` }));
      p.addEventListener("change", () => {
        const v = Number(p.value);
        if (v >= 0 && v <= 0.95) change(i, { ...layer, p: v });
      });
      body.append(el("div", { className: "control" }, [el("label", { for: p.id, textContent: "drop rate" }), p]));
    }
    body.append(el("p", { className: "info", "data-info-for": `layers.${i}` }));
    body.append(el("span", { className: "field-error", role: "alert", "data-error-for": `layers.${i}` }));
    return body;
  }

  return {
    cards,
    /**
     * Shapes and parameter counts from a successful validation.
     * @param {ParentNode} root
     * @param {LayerInfo[]} info the validator's layers (the output layer last)
     */
    showInfo(root, info) {
      info.forEach((layer, i) => {
        const slot = root.querySelector(`[data-info-for="layers.${i}"]`);
        if (slot) slot.textContent = `out (${layer.output_shape.join("×")}) · ${layer.params.toLocaleString("en")} params`;
      });
    },
  };
}
