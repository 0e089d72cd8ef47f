// @ts-check
/**
 * The page's whole configuration, table-driven (after TensorFlow Playground's State.PROPS):
 * one row per setting says how it reads from and writes to the URL and, for the experiment
 * settings, where it lives in the ExperimentSpec (docs/spec.md). Adding a setting is one row.
 * The URL is untrusted input like any other: a value that does not parse, or lies outside the
 * row's bounds, falls back to the default (the server validates the spec again anyway).
 * The bounds, choices and patterns, and every layer type's fields, come from the server's
 * catalog (schema.js): call `useCatalog(catalog)` once, before anything reads a link.
 */

import { constraintsOf, inBounds, paramAt } from "./schema.js";
import { numberProblem, quote, readValue, whyNot, writeValue } from "./urlValue.js";

/**
 * @typedef {{type: string, [key: string]: any}} Layer
 * @typedef {Record<string, any>} State
 * @typedef {import("./schema.js").Constraints} Constraints
 * @typedef {{name: string, kind: "int"|"number"|"string"|"bool"|"list"|"layers",
 *            default: any, path?: string, source?: string, nullable?: boolean, hot?: boolean,
 *            page?: boolean} & Constraints} Prop
 * `path`: where the value sits in the spec; `source`: the catalog field that bounds a value
 * the spec holds in another form (the page's `reg_rate` is the spec's `l1` or
 * `weight_decay`). `hot`: a live run takes the change (`set`) and keeps its weights.
 * `page`: how the page looks, not what is trained; neither in the spec nor taken from an
 * imported one: its bounds are the page's own.
 */

/**
 * The optimizer menu: the catalog's optimizers (useCatalog), SGD followed by its momentum
 * variants.
 * @type {Record<string, Record<string, any>>}
 */
export const OPTIMIZERS = {};
const MOMENTUM_VARIANTS = {
  momentum: { optimizer: "sgd", momentum: 0.9, nesterov: false },
  nesterov: { optimizer: "sgd", momentum: 0.9, nesterov: true },
};

/** The input features of 2-D data, in TensorFlow Playground's order (the catalog's). */
export const FEATURES = /** @type {string[]} */ ([]);

/**
 * @typedef {{name: string, kind: "int"|"number"|"bool"|"choice"|"shape", default: any,
 *            nullable?: boolean, omit?: boolean} & Constraints} LayerField
 * `omit`: left out of the layer while at its default (the spec's default applies).
 * `shape`: a list of 1 to 3 sizes, written `8x4x4` (a reshape's target).
 */

/**
 * Each layer type's fields in URL order (the spec's order of them): a layer reads as
 * `type:v1:v2…`, e.g. `dense:8:relu`, `conv2d:16:3:1:same:relu`, `maxpool2d:2`,
 * `lstm:32:1:1`, `reshape:8x4x4`; missing trailing values take their defaults. (upsample
 * and reshape are a GAN generator's: /gan.) Filled from the catalog by `useCatalog`.
 * @type {Record<string, LayerField[]>}
 */
export const LAYER_FIELDS = {};
/** What a new reshape layer asks for (the spec has no default shape). */
const NEW_SHAPE = [8, 4, 4];
const FIELD_KINDS = /** @type {const} */ ({
  int: "int",
  float: "number",
  bool: "bool",
  choice: "choice",
  list: "shape",
});

/** The most hidden layers a link may hold (the catalog's limit). */
export let MAX_LAYERS = 0;

/**
 * Takes the schema from the server's catalog: every layer type's fields, the features,
 * the optimizers, and each setting's bounds and choices.
 * @param {any} catalog `GET /api/catalog`
 */
export function useCatalog(catalog) {
  for (const type of Object.keys(LAYER_FIELDS)) delete LAYER_FIELDS[type];
  for (const [type, entry] of Object.entries(catalog.layers)) {
    LAYER_FIELDS[type] = Object.entries(/** @type {any} */ (entry).params).map(([name, p]) => layerField(name, p));
  }
  FEATURES.splice(0, FEATURES.length, ...catalog.data_params.features.choices);
  for (const name of Object.keys(OPTIMIZERS)) delete OPTIMIZERS[name];
  for (const name of Object.keys(catalog.optimizers)) {
    if (name !== "sgd") OPTIMIZERS[name] = { optimizer: name };
    else Object.assign(OPTIMIZERS, { sgd: { optimizer: "sgd", momentum: 0, nesterov: false } }, MOMENTUM_VARIANTS);
  }
  for (const prop of PROPS) {
    if (prop.page) continue;
    const source = prop.source ?? prop.path;
    if (source && source !== "model.layers") Object.assign(prop, constraintsOf(paramAt(catalog, source)));
  }
  BY_NAME.optimizer.choices = Object.keys(OPTIMIZERS);
  MAX_LAYERS = catalog.limits.max_layers;
}

/**
 * @param {string} name
 * @param {import("./schema.js").Param} p the catalog's description of the field
 * @returns {LayerField}
 */
function layerField(name, p) {
  const kind = FIELD_KINDS[/** @type {keyof typeof FIELD_KINDS} */ (p.type)];
  if (kind === "shape") return { name, kind, default: NEW_SHAPE, min: p.item_min, max: p.item_max };
  /** @type {LayerField} */
  const field = { name, kind, default: p.default ?? null, ...constraintsOf(p) };
  if (p.nullable) field.nullable = true;
  // A default of null or "default" leaves the choice to the spec: the layer omits it.
  if (p.default === null || p.default === "default") field.omit = true;
  return field;
}

/**
 * What a new network looks like for each kind of data, applied when the data changes kind
 * (TensorFlow Playground's dense net for points would be a poor start for images or text).
 * @type {Record<string, State>}
 */
export const PRESETS = {
  points: {
    layers: [dense(4, "tanh"), dense(2, "tanh")],
    optimizer: "sgd",
    lr: 0.03,
    batch_size: 10,
    val_fraction: 0.5,
    seq_len: null,
  },
  image: {
    layers: [
      { type: "conv2d", filters: 8, kernel: 3, stride: 1, padding: "same", activation: "relu" },
      { type: "maxpool2d", kernel: 2 },
      dense(32, "relu"),
    ],
    optimizer: "adam",
    lr: 0.003,
    batch_size: 32,
    val_fraction: 0.2,
    seq_len: null,
  },
  sequence: {
    layers: [recurrent("lstm", 32)],
    optimizer: "adam",
    lr: 0.01,
    batch_size: 32,
    val_fraction: 0.2,
    seq_len: null,
  },
  tokens: {
    layers: [{ type: "embedding", dim: 16 }, recurrent("gru", 64)],
    optimizer: "adam",
    lr: 0.005,
    batch_size: 64,
    val_fraction: 0.2,
    seq_len: null,
  },
  table: {
    layers: [dense(16, "relu"), dense(16, "relu")],
    optimizer: "adam",
    lr: 0.01,
    batch_size: 32,
    val_fraction: 0.2,
    seq_len: null,
  },
};

/** @type {Prop[]} */
export const PROPS = [
  // the experiment: `path` is where the value sits in the spec
  { name: "seed", kind: "int", default: 0, path: "seed" },
  { name: "dataset", kind: "string", default: "circle", path: "data.dataset" },
  { name: "noise", kind: "number", default: 0, path: "data.noise" },
  { name: "flip", kind: "number", default: 0, path: "data.flip" },
  { name: "normalize", kind: "bool", default: null, nullable: true, path: "data.normalize" },
  { name: "val_fraction", kind: "number", default: 0.5, path: "data.val_fraction" },
  { name: "n_classes", kind: "int", default: 2, path: "data.n_classes" },
  { name: "features", kind: "list", default: ["x1", "x2"], path: "data.features" },
  { name: "seq_len", kind: "int", default: null, nullable: true, path: "data.seq_len" },
  { name: "file", kind: "string", default: null, nullable: true, path: "data.file" },
  { name: "target", kind: "string", default: null, nullable: true, path: "data.target" },
  { name: "task", kind: "string", default: "auto", path: "data.task" },
  { name: "layers", kind: "layers", default: [dense(4, "tanh"), dense(2, "tanh")], path: "model.layers" },
  { name: "optimizer", kind: "string", default: "sgd", hot: true },
  { name: "lr", kind: "number", default: 0.03, path: "train.lr", hot: true },
  { name: "regularization", kind: "string", default: "none", choices: ["none", "l1", "l2"], hot: true },
  { name: "reg_rate", kind: "number", default: 0, source: "train.l1", hot: true },
  { name: "batch_size", kind: "int", default: 10, path: "train.batch_size", hot: true },
  { name: "lr_schedule", kind: "string", default: "constant", path: "train.lr_schedule", hot: true },
  { name: "lr_gamma", kind: "number", default: 0.5, path: "train.lr_gamma", hot: true },
  { name: "lr_period", kind: "int", default: 10, path: "train.lr_period", hot: true },
  { name: "max_epochs", kind: "int", default: null, nullable: true, path: "train.max_epochs", hot: true },
  { name: "patience", kind: "int", default: null, nullable: true, source: "early_stopping.patience", hot: true },
  // hot: a live `set` with null turns clipping off
  { name: "grad_clip", kind: "number", default: null, nullable: true, path: "train.grad_clip", hot: true },
  // the page only: how it looks, not what is trained
  { name: "show_val", kind: "bool", default: false, page: true },
  { name: "discretize", kind: "bool", default: false, page: true },
  { name: "speed", kind: "number", default: null, nullable: true, min: 0.1, max: 100000, page: true },
  { name: "present", kind: "bool", default: false, page: true },
  { name: "sample", kind: "int", default: 0, min: 0, max: 63, page: true },
  { name: "norm", kind: "string", default: "map", choices: ["map", "layer", "global"], page: true },
  { name: "hide", kind: "list", default: [], page: true },
];

const BY_NAME = Object.fromEntries(PROPS.map((p) => [p.name, p]));

/**
 * @param {number} units
 * @param {string} activation
 * @returns {Layer}
 */
export function dense(units, activation) {
  return { type: "dense", units, activation };
}

/**
 * @param {string} [kind] the data's input kind: its preset replaces the 2-D defaults
 * @returns {State} a fresh copy of the defaults
 */
export function defaultState(kind = "points") {
  const state = Object.fromEntries(PROPS.map((p) => [p.name, structuredClone(p.default)]));
  return { ...state, ...structuredClone(PRESETS[kind] ?? {}) };
}

/** Parameters of the address that are not settings of the state table. */
const OTHER_PARAMS = ["lesson", "race"];

/**
 * @param {string} search location.search (with or without the leading "?")
 * @param {(dataset: string) => string} [kindOf] a dataset's input kind (from the catalog),
 *   whose preset gives the defaults of the settings the URL leaves out
 * @returns {State}
 */
export function parseQuery(search, kindOf = () => "points") {
  return readQuery(search, kindOf).state;
}

/**
 * The state a link describes, and what in it could not be read, in words a person can act
 * on ("layer 3: 're' is not an activation; using tanh"). What cannot be read falls back to
 * a default, so the page always has a network it can train; the words say which.
 * @param {string} search location.search
 * @param {(dataset: string) => string} [kindOf]
 * @param {string[] | null} [datasets] the catalog's datasets (null: not checked here)
 * @returns {{state: State, problems: string[]}}
 */
export function readQuery(search, kindOf = () => "points", datasets = null) {
  const params = new URLSearchParams(search);
  /** @type {string[]} */
  const problems = [];
  let dataset = params.get("dataset") ?? BY_NAME.dataset.default;
  if (datasets && !datasets.includes(dataset)) {
    problems.push(`${quote(dataset)} is not a dataset; using ${BY_NAME.dataset.default}`);
    dataset = BY_NAME.dataset.default;
  }
  const kind = kindOf(dataset);
  const state = defaultState(kind);
  state.dataset = dataset;
  for (const prop of PROPS) {
    const raw = params.get(prop.name);
    if (raw === null || prop.name === "dataset") continue;
    const value = prop.kind === "layers" ? readLayers(raw, state[prop.name], problems) : parseValue(prop, raw);
    if (value !== undefined) state[prop.name] = value;
    else problems.push(`${prop.name}: ${whyNot(prop, raw)}; using ${formatValue(prop, state[prop.name]) || "none"}`);
    if (prop.kind === "list" && prop.choices) {
      for (const item of new Set(raw.split(",").filter((i) => i && !prop.choices?.includes(i)))) {
        problems.push(`${prop.name}: ${quote(item)} is not one of ${prop.choices.join(", ")}; dropped`);
      }
    }
  }
  for (const key of new Set(params.keys())) {
    if (!BY_NAME[key] && !OTHER_PARAMS.includes(key))
      problems.push(`${quote(key)} is not a setting of this page; ignored`);
  }
  return { state, problems };
}

/**
 * A link's layers, leniently: a bad value takes its default, a layer of no known type is
 * dropped, layers past the limit are cut off, each said in `problems`.
 * @param {string} raw
 * @param {Layer[]} preset the network used when no layer can be read
 * @param {string[]} problems
 * @returns {Layer[]}
 */
function readLayers(raw, preset, problems) {
  if (raw === "") return [];
  let items = raw.split(",");
  if (items.length > MAX_LAYERS) {
    problems.push(`${items.length} layers asked; at most ${MAX_LAYERS} — the rest were dropped`);
    items = items.slice(0, MAX_LAYERS);
  }
  const fallback = preset.find((l) => "activation" in l)?.activation ?? "relu";
  /** @type {Layer[]} */
  const layers = [];
  items.forEach((item, i) => {
    const where = `layer ${i + 1}`;
    if (item === "") return void problems.push(`${where} is empty (a stray comma?); dropped`);
    const layer = parseLayer(item, (/** @type {string} */ why) => problems.push(`${where}: ${why}`), fallback);
    if (layer) layers.push(layer);
  });
  if (layers.length) return layers;
  problems.push("no layer could be read; using the default network");
  return structuredClone(preset);
}

/**
 * Only the settings that differ from their defaults (for this kind of data), so links stay
 * short; `parseQuery` with the same `kindOf` reads them back.
 * @param {State} state
 * @param {(dataset: string) => string} [kindOf]
 * @returns {string} without the leading "?"
 */
export function toQuery(state, kindOf = () => "points") {
  const params = new URLSearchParams();
  const defaults = defaultState(kindOf(state.dataset));
  for (const prop of PROPS) {
    const value = state[prop.name];
    if (JSON.stringify(value) === JSON.stringify(defaults[prop.name])) continue;
    params.set(prop.name, formatValue(prop, value));
  }
  return params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
}

/**
 * @param {Prop} prop
 * @param {string} raw
 * @returns {any} undefined when the text is not a valid value
 */
export function parseValue(prop, raw) {
  return prop.kind === "layers" ? parseLayers(raw) : readValue(prop, raw);
}

/**
 * @param {Prop} prop
 * @param {any} value
 */
function formatValue(prop, value) {
  return prop.kind === "layers" ? formatLayers(value) : writeValue(prop, value);
}

/**
 * Layers read as `dense:8:relu,dropout:0.2,conv2d:16:3,maxpool2d:2,lstm:32` (LAYER_FIELDS).
 * @param {Layer[]} layers
 */
export function formatLayers(layers) {
  return layers.map(formatLayer).join(",");
}

/** @param {Layer} layer */
function formatLayer(layer) {
  const fields = LAYER_FIELDS[layer.type] ?? [];
  const values = fields.map((f) => {
    const v = layer[f.name] ?? f.default;
    if (f.kind === "shape") return v.join("x");
    return f.kind === "bool" ? (v ? "1" : "0") : v === null ? "" : String(v);
  });
  // Optional and yes/no fields at their defaults are left off the end; sizes and choices stay.
  const droppable = (/** @type {LayerField} */ f) => f.omit || f.kind === "bool";
  while (
    values.length &&
    droppable(fields[values.length - 1]) &&
    values[values.length - 1] === formatDefault(fields[values.length - 1])
  )
    values.pop();
  return [layer.type, ...values].join(":");
}

/** @param {LayerField} f */
function formatDefault(f) {
  return f.kind === "bool" ? (f.default ? "1" : "0") : f.default === null ? "" : String(f.default);
}

/**
 * @param {string} raw
 * @returns {Layer[] | undefined} undefined when any layer does not parse
 */
export function parseLayers(raw) {
  if (raw === "") return [];
  const layers = [];
  for (const item of raw.split(",").slice(0, 32)) {
    const layer = parseLayer(item);
    if (!layer) return undefined;
    layers.push(layer);
  }
  return layers;
}

/**
 * @param {string} item one `type:v1:v2…`
 * @param {(why: string) => void} [report] given: a bad value takes its default (a number
 *   out of bounds the nearest bound) and is reported; not given: the layer is refused
 * @param {string} [activation] the activation a bad one is replaced by
 * @returns {Layer | undefined}
 */
function parseLayer(item, report, activation) {
  const [type, ...args] = item.split(":");
  if (!Object.hasOwn(LAYER_FIELDS, type)) {
    report?.(`${quote(type)} is not a layer type; dropped`);
    return undefined;
  }
  /** @type {Layer} */
  const layer = { type };
  for (const [i, f] of LAYER_FIELDS[type].entries()) {
    const text = args[i];
    let value = text === undefined || (text === "" && f.nullable) ? structuredClone(f.default) : parseField(f, text);
    if (value === undefined && !report) return undefined;
    if (value === undefined && report) {
      value = fieldFallback(f, /** @type {string} */ (text), activation);
      report(`${fieldProblem(f, /** @type {string} */ (text))}; using ${f.kind === "shape" ? value.join("x") : value}`);
    }
    if (!(f.omit && value === f.default)) layer[f.name] = value;
  }
  if (report && args.length > LAYER_FIELDS[type].length)
    report(`${type} takes at most ${LAYER_FIELDS[type].length} values; the rest were ignored`);
  return layer;
}

/**
 * @param {LayerField} f
 * @param {string} text a value that does not parse
 */
function fieldProblem(f, text) {
  if (f.kind === "choice")
    return `${quote(text)} is not ${/^[aeiou]/.test(f.name) ? "an" : "a"} ${f.name.replace("_", " ")}`;
  if (f.kind === "bool") return `${f.name.replace("_", " ")} ${quote(text)} is not 1 or 0`;
  if (f.kind === "shape") return `${quote(text)} is not a shape like 8x4x4`;
  return `${f.name} ${numberProblem(f, text) ?? quote(text)}`;
}

/**
 * The value a bad one is replaced by: the nearest bound for a number out of bounds, the
 * given activation for an activation, otherwise the field's default.
 * @param {LayerField} f
 * @param {string} text
 * @param {string} [activation]
 */
function fieldFallback(f, text, activation) {
  if (f.name === "activation" && activation && f.choices?.includes(activation)) return activation;
  if ((f.kind === "int" || f.kind === "number") && numberProblem({ kind: "number" }, text) === null) {
    const n = Number(text);
    const bounded = Math.min(f.max ?? Infinity, Math.max(f.min ?? -Infinity, n));
    if (f.kind === "number" || Number.isInteger(bounded)) return bounded;
  }
  return structuredClone(f.default);
}

/**
 * @param {LayerField} f
 * @param {string} text
 */
function parseField(f, text) {
  if (f.kind === "bool") return text === "1" ? true : text === "0" ? false : undefined;
  if (f.kind === "choice") return f.choices?.includes(text) ? text : undefined;
  if (f.kind === "shape") {
    if (!/^\d{1,6}(x\d{1,6}){0,2}$/.test(text)) return undefined;
    const sizes = text.split("x").map(Number);
    return sizes.every((n) => n >= (f.min ?? 1) && n <= (f.max ?? Infinity)) ? sizes : undefined;
  }
  if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text)) return undefined;
  const n = Number(text);
  if (f.kind === "int" && !Number.isInteger(n)) return undefined;
  return inBounds(f, n) ? n : undefined;
}

/**
 * A layer of this type with every field at its default (what "add layer" inserts).
 * @param {string} type
 * @returns {Layer}
 */
export function newLayer(type) {
  return /** @type {Layer} */ (parseLayer(type));
}

/**
 * @param {string} type
 * @param {number} hidden
 * @returns {Layer}
 */
function recurrent(type, hidden) {
  return { type, hidden, layers: 1, bidirectional: false, return_sequence: false };
}

/**
 * The ExperimentSpec this state describes.
 * @param {State} state
 */
export function specFromState(state) {
  /** @type {Record<string, any>} */
  const spec = { version: 1, seed: 0, data: {}, model: {}, train: {} };
  for (const prop of PROPS) if (prop.path) setPath(spec, prop.path, structuredClone(state[prop.name]));
  Object.assign(spec.train, OPTIMIZERS[state.optimizer] ?? OPTIMIZERS.sgd);
  spec.train.weight_decay = state.regularization === "l2" ? state.reg_rate : 0;
  spec.train.l1 = state.regularization === "l1" ? state.reg_rate : 0;
  spec.train.early_stopping = state.patience === null ? null : { patience: state.patience };
  return spec;
}

/**
 * The state for an imported spec (already validated by the server). Settings the page does
 * not show keep their defaults, so the caller should say which were dropped.
 * @param {Record<string, any>} spec
 * @param {State} [current] page-only settings (presentation, hidden controls) are kept
 * @param {string} [kind] the spec's kind of data, whose preset fills what the spec leaves
 *   to the dataset (a null val_fraction)
 * @returns {State}
 */
export function stateFromSpec(spec, current = defaultState(), kind = "points") {
  const state = defaultState(kind);
  for (const prop of PROPS) {
    if (prop.page) state[prop.name] = current[prop.name];
    if (!prop.path) continue; // page-only, or derived from the spec below
    const value = getPath(spec, prop.path);
    if (value === undefined) continue;
    const text = prop.kind === "layers" ? formatLayers(value) : formatValue(prop, value);
    const parsed = value === null ? (prop.nullable ? null : undefined) : parseValue(prop, text);
    if (parsed !== undefined) state[prop.name] = parsed;
  }
  const train = spec.train ?? {};
  state.optimizer =
    train.optimizer === "sgd" && train.momentum > 0
      ? train.nesterov
        ? "nesterov"
        : "momentum"
      : (train.optimizer ?? "sgd");
  if (train.l1 > 0) Object.assign(state, { regularization: "l1", reg_rate: train.l1 });
  else if (train.weight_decay > 0) Object.assign(state, { regularization: "l2", reg_rate: train.weight_decay });
  state.patience = train.early_stopping ? (train.early_stopping.patience ?? 10) : null;
  return state;
}

/**
 * The `set` params that carry a change of hot settings to a live run (weights kept).
 * @param {State} state
 */
export function hotParams(state) {
  const t = specFromState(state).train;
  const { optimizer, momentum = 0, nesterov = false } = t;
  return {
    optimizer,
    momentum,
    nesterov,
    lr: t.lr,
    weight_decay: t.weight_decay,
    l1: t.l1,
    batch_size: t.batch_size,
    lr_schedule: t.lr_schedule,
    lr_gamma: t.lr_gamma,
    lr_period: t.lr_period,
    max_epochs: t.max_epochs,
    grad_clip: t.grad_clip,
    early_stopping: t.early_stopping,
  };
}

/** @param {string} name */
export function isHot(name) {
  return Boolean(BY_NAME[name]?.hot);
}

/** @param {string} name a setting of the page only: no run needs to hear of it */
export function isPageOnly(name) {
  return Boolean(BY_NAME[name]?.page);
}

/**
 * @param {Record<string, any>} obj
 * @param {string} path
 * @param {any} value
 */
function setPath(obj, path, value) {
  const keys = path.split(".");
  const last = /** @type {string} */ (keys.pop());
  let node = obj;
  for (const key of keys) node = node[key] ??= {};
  node[last] = value;
}

/**
 * @param {Record<string, any>} obj
 * @param {string} path
 * @returns {any} the value there (a leaf, not a record); undefined when the path is absent
 */
function getPath(obj, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), obj);
}
