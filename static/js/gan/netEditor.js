// @ts-check
/**
 * One network of the pair, editable in a compact list: its learning rate and optimizer, then
 * one row per hidden layer (type, its settings, remove) with the output shape and parameter
 * count from `POST /api/validate`, or the server's error for that layer, and a row for the
 * output layer the data implies (2 numbers, an image, or D's one logit). Each field's error
 * slot is named by its spec path (`gan.generator.layers.2`), so the validator's words land
 * next to the control they are about.
 */

import { LAYER_FIELDS, newLayer } from "../state.js";
import { button, el, select, showError } from "../views/controls.js";

const LABELS = { p: "drop rate", scale: "scale", shape: "shape (C×H×W)" };
export const LEARNING_RATES = [0.00001, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.03, 0.1];

/**
 * @typedef {import("../state.js").Layer} Layer
 * @typedef {{name: string, type: string, output_shape: number[], params: number, note: string}} LayerInfo
 * @typedef {{layers: LayerInfo[], total_params: number, input_shape: number[]}} NetInfo
 * @typedef {{side: "generator" | "discriminator", title: string, catalog: any,
 *            onChange: (changes: Record<string, any>) => void}} Options
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createNetEditor(container, o) {
  const key = o.side === "generator" ? "g" : "d";
  const path = `gan.${o.side}`;
  const count = el("span", { className: "muted net-params" });
  const lr = select({
    name: `${path}.lr`,
    label: "Learning rate",
    options: LEARNING_RATES.map((v) => [String(v), String(v)]),
    value: "0.001",
    onChange: (v) => o.onChange({ [`${key}_lr`]: Number(v) }),
  });
  const optimizer = select({
    name: `${path}.optimizer`,
    label: "Optimizer",
    options: optimizerChoices(o.catalog),
    value: "adam",
    onChange: (v) => o.onChange({ [`${key}_opt`]: v }),
  });
  const rows = el("ol", { className: "net-layers", "aria-label": `${o.title} layers` });
  const input = el("p", { className: "net-end muted" });
  const output = el("p", { className: "net-end muted" });
  const add = button({ label: "+ Add a layer", title: `Add a layer to the ${o.side}`, onClick: () => addLayer() });
  container.append(
    el("div", { className: "net-head" }, [el("h3", { textContent: o.title }), count]),
    el("div", { className: "net-train" }, [lr.node, optimizer.node]),
    input,
    rows,
    output,
    el("div", { className: "net-tools", "data-control": `${path}.layers` }, [
      add,
      el("span", { className: "field-error", role: "alert", "data-error-for": `${path}.layers` }),
    ]),
  );
  /** @type {Layer[]} */
  let layers = [];
  let kind = "points";

  function addLayer() {
    const type = kind === "image" && o.side === "discriminator" && !layers.length ? "conv2d" : "dense";
    change([...layers, fresh(type)]);
  }

  /** @param {Layer[]} next */
  function change(next) {
    o.onChange({ [key]: next });
  }

  function render() {
    const focused = /** @type {HTMLElement | null} */ (document.activeElement)?.getAttribute?.("name");
    const menus = o.catalog.gan.layer_menus;
    const offered = /** @type {string[]} */ ((menus[kind] ?? menus.points)[o.side]);
    rows.replaceChildren(...layers.map((layer, i) => row(layer, i, offered)));
    if (focused)
      /** @type {HTMLElement | null} */ (container.querySelector(`[name="${CSS.escape(focused)}"]`))?.focus();
  }

  /**
   * @param {Layer} layer
   * @param {number} i
   * @param {string[]} offered
   */
  function row(layer, i, offered) {
    const name = `${path}.layers.${i}`;
    const set = (/** @type {Layer | null} */ next) =>
      change(next ? layers.map((l, j) => (j === i ? next : l)) : layers.filter((_, j) => j !== i));
    const type = select({
      name: `${name}.type`,
      label: `Layer ${i + 1}`,
      value: layer.type,
      options: (offered.includes(layer.type) ? offered : [layer.type, ...offered]).map((t) => [t, t]),
      title: o.catalog.layers[layer.type]?.description ?? "",
      onChange: (t) => set(fresh(t)),
    });
    const fields = (LAYER_FIELDS[layer.type] ?? [])
      .filter((f) => f.name !== "init")
      .map((f) => field(layer, f, `${name}.${f.name}`, set));
    const remove = button({
      label: "×",
      title: `Remove layer ${i + 1} of the ${o.side}`,
      className: "remove",
      onClick: () => set(null),
    });
    return el("li", { className: "net-layer", "data-control": name }, [
      el("div", { className: "net-fields" }, [type.node, ...fields, remove]),
      el("p", { className: "info", "data-info-for": name }),
      el("span", { className: "field-error", role: "alert", "data-error-for": name }),
    ]);
  }

  /**
   * A labelled control for one setting of a layer.
   * @param {Layer} layer
   * @param {import("../state.js").LayerField} f
   * @param {string} name
   * @param {(next: Layer) => void} set
   */
  function field(layer, f, name, set) {
    const label = /** @type {Record<string, string>} */ (LABELS)[f.name] ?? f.name;
    const title = o.catalog.layers[layer.type]?.params?.[f.name]?.description ?? "";
    const put = (/** @type {any} */ v) => set({ ...layer, [f.name]: v });
    if (f.kind === "choice") {
      const choices = f.name === "activation" ? Object.keys(o.catalog.activations) : (f.choices ?? []);
      return select({
        name,
        label,
        title,
        options: choices.map((c) => [c, c]),
        value: layer[f.name] ?? f.default,
        onChange: put,
      }).node;
    }
    if (f.kind === "bool") {
      const box = /** @type {HTMLInputElement} */ (
        el("input", { type: "checkbox", id: name, name, checked: Boolean(layer[f.name]) })
      );
      box.addEventListener("change", () => put(box.checked));
      return el("div", { className: "control check" }, [el("label", { for: name, textContent: label }), box]);
    }
    const shape = f.kind === "shape";
    const value = layer[f.name] ?? f.default;
    const input = /** @type {HTMLInputElement} */ (
      el("input", {
        type: shape ? "text" : "number",
        id: name,
        name,
        title,
        inputMode: shape ? "text" : "numeric",
        value: shape ? value.join("x") : value === null ? "" : String(value),
        placeholder: f.nullable ? "auto" : "",
        ...(shape
          ? { pattern: "\\d+(x\\d+){0,2}", size: 7 }
          : { min: String(f.min), max: String(f.max), step: f.kind === "int" ? "1" : "0.05" }),
      })
    );
    input.addEventListener("change", () => {
      const next = readField(f, input.value);
      if (next === undefined) input.value = shape ? value.join("x") : String(value ?? "");
      else put(next);
    });
    return el("div", { className: `control ${shape ? "shape" : "num"}` }, [
      el("label", { for: name, textContent: label }),
      input,
    ]);
  }

  return {
    /**
     * @param {Record<string, any>} state
     * @param {string} nextKind the data's input kind
     */
    update(state, nextKind) {
      const next = state[key];
      ensure(lr, String(state[`${key}_lr`]));
      optimizer.set(state[`${key}_opt`]);
      if (nextKind !== kind || JSON.stringify(next) !== JSON.stringify(layers)) {
        kind = nextKind;
        layers = structuredClone(next);
        render();
      }
      add.disabled = layers.length >= o.catalog.limits.max_layers;
    },
    /** @param {NetInfo | null} info the validator's summary of this network, or null */
    showInfo(info) {
      count.textContent = info ? `${info.total_params.toLocaleString("en")} parameters` : "";
      input.textContent = info
        ? `in: ${o.side === "generator" ? "latent vector" : "a sample"} (${info.input_shape.join("×")})`
        : "";
      const last = info?.layers[info.layers.length - 1];
      output.textContent = last
        ? `out: (${last.output_shape.join("×")}) · ${last.note} · ${last.params.toLocaleString("en")} params`
        : "";
      info?.layers.slice(0, -1).forEach((layer, i) => {
        const slot = container.querySelector(`[data-info-for="${path}.layers.${i}"]`);
        if (slot)
          slot.textContent = `→ ${layer.output_shape.join("×")} · ${layer.params.toLocaleString("en")} params${layer.note ? ` · ${layer.note}` : ""}`;
      });
    },
    /**
     * @param {string} field a spec path under this network
     * @param {string} message
     */
    showError(field, message) {
      return showError(container, field, message);
    },
  };
}

/**
 * A new layer of this type with a GAN's usual settings (leaky ReLU), the others at defaults.
 * @param {string} type
 * @returns {Layer}
 */
function fresh(type) {
  const layer = newLayer(type);
  if ("activation" in layer) layer.activation = "leaky_relu";
  if (type === "dense") layer.units = 32;
  return layer;
}

/**
 * A field's typed value, or undefined when the text is not a valid one (bounds included).
 * @param {import("../state.js").LayerField} f
 * @param {string} text
 */
export function readField(f, text) {
  if (text === "" && f.nullable) return null;
  if (f.kind === "shape") {
    if (!/^\s*\d+(\s*[x×,]\s*\d+){0,2}\s*$/.test(text)) return undefined;
    const sizes = text.split(/[x×,]/).map((s) => Number(s.trim()));
    return sizes.every((n) => n >= (f.min ?? 1) && n <= (f.max ?? Infinity)) ? sizes : undefined;
  }
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || (f.kind === "int" && !Number.isInteger(n))) return undefined;
  return n >= (f.min ?? -Infinity) && n <= (f.max ?? Infinity) ? n : undefined;
}

/**
 * A select may lack the exact value (a link's lr 0.0003): add it as an option.
 * @param {{input: HTMLSelectElement, set: (v: string) => void}} control
 * @param {string} value
 */
export function ensure(control, value) {
  if (![...control.input.options].some((opt) => opt.value === value))
    control.input.append(el("option", { value, textContent: value }));
  control.set(value);
}

/**
 * The optimizers a GAN's side may use, by the catalog's names for them.
 * @param {any} catalog
 * @returns {[string, string][]}
 */
function optimizerChoices(catalog) {
  return catalog.gan.net_params.optimizer.choices.map((/** @type {string} */ name) => [
    name,
    catalog.optimizers[name]?.label ?? name,
  ]);
}
