// @ts-check
/**
 * The layer builder: one card per hidden layer (its type, its settings, remove), each showing
 * its output shape and parameter count from `POST /api/validate`, or the server's error for
 * it. For 2-D points the cards sit on top of their column in the network diagram; for other
 * data they stand in a row of their own. A dense layer gets TensorFlow Playground's − and +
 * neuron buttons; every other type's card is drawn from its fields in the URL table
 * (state.LAYER_FIELDS), with the catalog's descriptions as tooltips.
 */

import { LAYER_FIELDS, newLayer } from "../state.js";
import { button, checkbox, el, select } from "./controls.js";

/** @type {Record<string, string>} Field names in words a student reads on the card. */
const LABELS = {
  p: "drop rate",
  hidden: "hidden units",
  layers: "stacked",
  return_sequence: "output every step",
  dim: "vector size",
  positional: "positions",
  bidirectional: "both directions",
  over: "layers skipped",
};

/**
 * @typedef {import("../state.js").Layer} Layer
 * @typedef {{name: string, type: string, output_shape: number[], params: number, note: string}} LayerInfo
 */

/**
 * @param {{catalog: any, onChange: (layers: Layer[]) => void}} o
 */
export function createBuilder(o) {
  const activations = Object.keys(o.catalog.activations);
  const maxUnits = o.catalog.limits.max_units;
  /** @type {string[]} */
  let types = o.catalog.layer_menus.points;

  /**
   * The cards for these layers (fresh DOM each time: layers change rarely).
   * @param {Layer[]} layers
   * @param {string} [kind] the data's input kind: which layer types the menus offer
   * @returns {HTMLElement[]}
   */
  function cards(layers, kind = "points") {
    types = o.catalog.layer_menus[kind] ?? o.catalog.layer_menus.points;
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
      name: `layer-${i}-type`,
      label: `Layer ${i + 1}`,
      options: (types.includes(layer.type) ? types : [layer.type, ...types]).map((t) => [t, t]),
      value: layer.type,
      title: o.catalog.layers[layer.type]?.description ?? "",
      onChange: (t) => change(i, t === "dense" ? { type: t, units: 4, activation: "tanh" } : newLayer(t)),
    });
    body.append(typeSelect.node);
    body.append(
      button({ label: "×", title: `Remove layer ${i + 1}`, className: "remove", onClick: () => change(i, null) }),
    );
    if (layer.type === "dense") {
      const units = Number(layer.units);
      body.append(
        el("div", { className: "units" }, [
          button({
            label: "−",
            title: `One neuron fewer in layer ${i + 1}`,
            onClick: () => units > 1 && change(i, { ...layer, units: units - 1 }),
          }),
          // the word apart, so that a narrow card (presentation mode) can show the number only
          el("span", {}, [
            String(units),
            el("span", { className: "unit-word", textContent: ` neuron${units === 1 ? "" : "s"}` }),
          ]),
          button({
            label: "+",
            title: `One neuron more in layer ${i + 1}`,
            onClick: () => units < maxUnits && change(i, { ...layer, units: units + 1 }),
          }),
        ]),
        select({
          name: `layer-${i}-activation`,
          label: "activation",
          options: activations.map((a) => [a, a]),
          value: layer.activation,
          title: o.catalog.activations[layer.activation] ?? "",
          onChange: (a) => change(i, { ...layer, activation: a }),
        }).node,
      );
    } else {
      body.append(...fieldControls(layer, i, change));
    }
    body.append(el("p", { className: "info", "data-info-for": `layers.${i}` }));
    body.append(el("span", { className: "field-error", role: "alert", "data-error-for": `layers.${i}` }));
    return body;
  }

  /**
   * A labelled control per field of a non-dense layer (weights' init is left to imports).
   * @param {Layer} layer
   * @param {number} i
   * @param {(i: number, next: Layer | null) => void} change
   */
  function fieldControls(layer, i, change) {
    const params = o.catalog.layers[layer.type]?.params ?? {};
    return (LAYER_FIELDS[layer.type] ?? [])
      .filter((f) => f.name !== "init" && f.name !== "init_value")
      .map((f) => {
        const name = `layer-${i}-${f.name}`;
        const label = LABELS[f.name] ?? f.name;
        const title = params[f.name]?.description ?? "";
        const set = (/** @type {any} */ v) => change(i, { ...layer, [f.name]: v });
        if (f.kind === "bool") return checkbox({ name, label, value: Boolean(layer[f.name]), onChange: set }).node;
        if (f.kind === "choice")
          return select({
            name,
            label,
            title,
            options: (f.choices ?? []).map((c) => [c, c]),
            value: layer[f.name] ?? f.default,
            onChange: set,
          }).node;
        const input = /** @type {HTMLInputElement} */ (
          el("input", {
            type: "number",
            id: name,
            name,
            title,
            min: String(f.min),
            max: String(f.max),
            step: f.kind === "int" ? "1" : "0.05",
            value: layer[f.name] === null || layer[f.name] === undefined ? "" : String(layer[f.name]),
            placeholder: f.nullable ? "auto" : "",
          })
        );
        input.addEventListener("change", () => {
          if (input.value === "" && f.nullable) return set(null);
          const v = Number(input.value);
          const whole = f.kind !== "int" || Number.isInteger(v);
          if (input.value !== "" && whole && v >= (f.min ?? -Infinity) && v <= (f.max ?? Infinity)) set(v);
          else input.value = String(layer[f.name] ?? "");
        });
        return el("div", { className: "control" }, [el("label", { for: name, textContent: label }), input]);
      });
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
        if (slot)
          slot.textContent = `out (${layer.output_shape.join("×")}) · ${layer.params.toLocaleString("en")} params`;
      });
    },
  };
}
