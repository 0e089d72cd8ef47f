// @ts-check
/**
 * "Race a variant": the playground's run beside copies of it that differ in one setting
 * each (another optimizer, learning rate, activation, one more or one fewer hidden layer,
 * batch size, regularization). The address says which: `race=optimizer:adam` (one variant)
 * or `race=optimizer:adam,lr:0.1` (two; at most MAX_VARIANTS). Each change reads its value
 * with the bounds and choices of the setting it changes (state.js's table, from the
 * catalog), so a race link is as untrusted, and as checked, as the rest of the URL.
 */

import { LAYER_FIELDS, MAX_LAYERS, newLayer, PROPS, specFromState } from "../state.js";
import { quote, readValue, whyNot, writeValue } from "../urlValue.js";

/** The most variants a race holds: with "yours", four runs side by side. */
export const MAX_VARIANTS = 3;
/** The steps every run of a race trains. */
export const RACE_STEPS = 2000;

/**
 * @typedef {Record<string, any>} State
 * @typedef {import("../urlValue.js").Row} Row
 * @typedef {{name: string, label: string, row: () => Row, current: (state: State) => any,
 *            apply: (state: State, value: any) => State, text?: (value: any) => string}} Change
 * `row`: how the value reads (the setting's own bounds and choices); `current`: the value
 * "yours" has; `apply`: the state with the change made; `text`: the value in words.
 * @typedef {{change: string, value: any}} Variant one change and its value
 */

/** @param {string} name a row of state.js's table */
const propRow = (name) => /** @type {Row} */ (PROPS.find((p) => p.name === name));

/**
 * A change of one setting of the table.
 * @param {string} name
 * @param {string} label
 * @returns {Change}
 */
function settingChange(name, label) {
  return { name, label, row: () => propRow(name), current: (s) => s[name], apply: (s, v) => ({ ...s, [name]: v }) };
}

/**
 * A regularization of this kind at a rate (the table's reg_rate bounds it).
 * @param {"l1" | "l2"} kind
 * @returns {Change}
 */
function regularizationChange(kind) {
  return {
    name: kind,
    label: `${kind.toUpperCase()} regularization rate`,
    row: () => propRow("reg_rate"),
    current: (s) => (s.regularization === kind ? s.reg_rate : 0),
    apply: (s, v) => ({ ...s, regularization: v > 0 ? kind : "none", reg_rate: v }),
  };
}

/** The changes a race can make, in the menu's order. */
export const CHANGES = /** @type {Change[]} */ ([
  settingChange("optimizer", "optimizer"),
  settingChange("lr", "learning rate"),
  {
    name: "activation",
    label: "activation",
    row: () => ({ ...(LAYER_FIELDS.dense ?? []).find((f) => f.name === "activation"), kind: "choice" }),
    current: (s) => s.layers.find((/** @type {any} */ l) => "activation" in l)?.activation ?? null,
    // Every layer with an activation, as the playground's activation menu does.
    apply: (s, v) => ({
      ...s,
      layers: s.layers.map((/** @type {any} */ l) => ("activation" in l ? { ...l, activation: v } : l)),
    }),
  },
  {
    name: "depth",
    label: "depth",
    row: () => ({ kind: "choice", choices: ["more", "fewer"] }),
    current: (s) => s.layers.length,
    apply: (s, v) => ({ ...s, layers: v === "more" ? [...s.layers, deeper(s.layers)] : s.layers.slice(0, -1) }),
    text: (v) => (v === "more" ? "one more hidden layer" : "one fewer hidden layer"),
  },
  settingChange("batch_size", "batch size"),
  regularizationChange("l2"),
  regularizationChange("l1"),
]);

const BY_NAME = Object.fromEntries(CHANGES.map((c) => [c.name, c]));

/**
 * The layer "one more" adds: a copy of the last hidden layer (a new dense one if none).
 * @param {State[]} layers
 */
function deeper(layers) {
  return structuredClone(layers.at(-1) ?? newLayer("dense"));
}

/**
 * The change named, or undefined.
 * @param {string} name
 */
export function changeNamed(name) {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}

/**
 * The variant's state: "yours" with its one change made.
 * @param {State} state
 * @param {Variant} variant
 */
export function variantState(state, variant) {
  return /** @type {Change} */ (changeNamed(variant.change)).apply(state, variant.value);
}

/**
 * Why this variant cannot race beside "yours" (null: it can): a change that changes nothing,
 * or a depth out of the catalog's limits.
 * @param {State} state
 * @param {Variant} variant
 * @returns {string | null}
 */
export function variantProblem(state, variant) {
  const change = /** @type {Change} */ (changeNamed(variant.change));
  if (variant.change === "depth") {
    if (variant.value === "more" && state.layers.length >= MAX_LAYERS) return `at most ${MAX_LAYERS} hidden layers`;
    if (variant.value === "fewer" && state.layers.length === 0) return "there is no hidden layer to remove";
  }
  const same = JSON.stringify(specFromState(variantState(state, variant))) === JSON.stringify(specFromState(state));
  return same ? `${change.label} is ${formatValue(change, change.current(state))} already` : null;
}

/**
 * What a variant changes, in words: "optimizer adam instead of sgd".
 * @param {State} state "yours"
 * @param {Variant} variant
 */
export function describeVariant(state, variant) {
  const change = /** @type {Change} */ (changeNamed(variant.change));
  if (variant.change === "depth") {
    const n = variantState(state, variant).layers.length;
    return `${change.text?.(variant.value)} (${n} instead of ${state.layers.length})`;
  }
  return `${change.label} ${formatValue(change, variant.value)} instead of ${formatValue(change, change.current(state))}`;
}

/**
 * @param {Change} change
 * @param {any} value
 */
function formatValue(change, value) {
  if (change.text) return change.text(value);
  if (change.name === "l1" || change.name === "l2") return value > 0 ? String(value) : "none";
  return value === null ? "none" : String(value);
}

/**
 * The variants an address's `race` names, and what in it could not be read, in the words of
 * the page's other link problems ("race: lr: '-1' is below the minimum…; that variant was
 * dropped"). What cannot be read is left out; the race goes on with the rest.
 * @param {string} raw the `race` parameter
 * @param {State} state "yours", as the rest of the address describes it
 * @returns {{variants: Variant[], problems: string[]}}
 */
export function readRace(raw, state) {
  /** @type {Variant[]} */
  const variants = [];
  /** @type {string[]} */
  const problems = [];
  let items = raw.split(",");
  if (items.length > MAX_VARIANTS) {
    problems.push(`race: ${items.length} variants asked; at most ${MAX_VARIANTS} — the rest were dropped`);
    items = items.slice(0, MAX_VARIANTS);
  }
  for (const item of items) {
    const [name, ...rest] = item.split(":");
    const text = rest.join(":");
    const change = changeNamed(name);
    const why = (/** @type {string} */ w) => problems.push(`race: ${w}; that variant was dropped`);
    if (!change) {
      why(`${quote(name)} is not a change a race makes (${CHANGES.map((c) => c.name).join(", ")})`);
      continue;
    }
    const value = readValue(change.row(), text);
    if (value === undefined || value === null) {
      why(`${name}: ${whyNot(change.row(), text)}`);
      continue;
    }
    const variant = { change: name, value };
    const problem = variantProblem(state, variant);
    if (problem) why(`${name}: ${problem}`);
    else if (variants.some((v) => JSON.stringify(v) === JSON.stringify(variant))) why(`${quote(item)} twice`);
    else variants.push(variant);
  }
  return { variants, problems };
}

/**
 * The `race` parameter for these variants (readRace reads it back).
 * @param {Variant[]} variants
 */
export function formatRace(variants) {
  return variants
    .map((v) => `${v.change}:${writeValue(/** @type {Change} */ (changeNamed(v.change)).row(), v.value)}`)
    .join(",");
}

/**
 * The address of a race: this page's settings (`search`) with `race` set to these variants,
 * or without `race` (the playground) when there are none.
 * @param {string} search the address's query
 * @param {Variant[]} variants
 */
export function raceHref(search, variants) {
  const params = new URLSearchParams(search);
  params.delete("race");
  if (variants.length) params.set("race", formatRace(variants));
  const query = params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
  return `/${query ? `?${query}` : ""}`;
}

/**
 * The runs' names: "yours", then "the variant" (or "variant 1", "variant 2"… for several).
 * @param {number} count variants
 */
export function armNames(count) {
  return ["yours", ...Array.from({ length: count }, (_, i) => (count === 1 ? "the variant" : `variant ${i + 1}`))];
}
