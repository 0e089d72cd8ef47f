// @ts-check
/**
 * The page's whole configuration, table-driven (after TensorFlow Playground's State.PROPS):
 * one row per setting says how it reads from and writes to the URL and, for the experiment
 * settings, where it lives in the ExperimentSpec (docs/spec.md). Adding a setting is one row.
 * The URL is untrusted input like any other: a value that does not parse, or lies outside the
 * row's bounds, falls back to the default (the server validates the spec again anyway).
 */

/**
 * @typedef {{type: string, [key: string]: any}} Layer
 * @typedef {Record<string, any>} State
 * @typedef {{name: string, kind: "int"|"number"|"string"|"bool"|"list"|"layers",
 *            default: any, path?: string, min?: number, max?: number, choices?: string[],
 *            nullable?: boolean, hot?: boolean, page?: boolean}} Prop
 * `hot`: a live run takes the change (`set`) and keeps its weights. `page`: how the page
 * looks, not what is trained; neither in the spec nor taken from an imported one.
 */

/** The optimizer menu: TensorFlow Playground's names plus momentum variants of SGD. */
export const OPTIMIZERS = {
  sgd: { optimizer: "sgd", momentum: 0, nesterov: false },
  momentum: { optimizer: "sgd", momentum: 0.9, nesterov: false },
  nesterov: { optimizer: "sgd", momentum: 0.9, nesterov: true },
  adam: { optimizer: "adam" },
  adamw: { optimizer: "adamw" },
  rmsprop: { optimizer: "rmsprop" },
  adagrad: { optimizer: "adagrad" },
};

/** The input features of 2-D data, in TensorFlow Playground's order. */
export const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const LAYER_TYPES = ["dense", "dropout", "batchnorm", "layernorm"];
const ACTIVATIONS = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "linear"];

/** @type {Prop[]} */
export const PROPS = [
  // the experiment: `path` is where the value sits in the spec
  { name: "seed", kind: "int", default: 0, min: 0, max: 2 ** 31 - 1, path: "seed" },
  { name: "dataset", kind: "string", default: "circle", path: "data.dataset" },
  { name: "noise", kind: "number", default: 0, min: 0, max: 1, path: "data.noise" },
  { name: "val_fraction", kind: "number", default: 0.5, min: 0.05, max: 0.9, path: "data.val_fraction" },
  { name: "n_classes", kind: "int", default: 2, min: 2, max: 4, path: "data.n_classes" },
  { name: "features", kind: "list", default: ["x1", "x2"], choices: FEATURES, path: "data.features" },
  { name: "layers", kind: "layers", default: [dense(4, "tanh"), dense(2, "tanh")], path: "model.layers" },
  { name: "optimizer", kind: "string", default: "sgd", choices: Object.keys(OPTIMIZERS), hot: true },
  { name: "lr", kind: "number", default: 0.03, min: 1e-6, max: 10, path: "train.lr", hot: true },
  { name: "regularization", kind: "string", default: "none", choices: ["none", "l1", "l2"], hot: true },
  { name: "reg_rate", kind: "number", default: 0, min: 0, max: 1, hot: true },
  { name: "batch_size", kind: "int", default: 10, min: 1, max: 4096, path: "train.batch_size", hot: true },
  { name: "lr_schedule", kind: "string", default: "constant", choices: ["constant", "step", "cosine", "exponential"], path: "train.lr_schedule", hot: true },
  { name: "lr_gamma", kind: "number", default: 0.5, min: 1e-3, max: 1, path: "train.lr_gamma", hot: true },
  { name: "lr_period", kind: "int", default: 10, min: 1, max: 100000, path: "train.lr_period", hot: true },
  { name: "max_epochs", kind: "int", default: null, nullable: true, min: 1, max: 100000, path: "train.max_epochs", hot: true },
  { name: "patience", kind: "int", default: null, nullable: true, min: 1, max: 1000 },
  // the page only: how it looks, not what is trained
  { name: "show_val", kind: "bool", default: false, page: true },
  { name: "discretize", kind: "bool", default: false, page: true },
  { name: "speed", kind: "number", default: null, nullable: true, min: 0.1, max: 100000, page: true },
  { name: "present", kind: "bool", default: false, page: true },
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

/** @returns {State} a fresh copy of the defaults */
export function defaultState() {
  return Object.fromEntries(PROPS.map((p) => [p.name, structuredClone(p.default)]));
}

/**
 * @param {string} search location.search (with or without the leading "?")
 * @returns {State}
 */
export function parseQuery(search) {
  const params = new URLSearchParams(search);
  const state = defaultState();
  for (const prop of PROPS) {
    const raw = params.get(prop.name);
    if (raw === null) continue;
    const value = parseValue(prop, raw);
    if (value !== undefined) state[prop.name] = value;
  }
  return state;
}

/**
 * Only the settings that differ from their defaults, so links stay short.
 * @param {State} state
 * @returns {string} without the leading "?"
 */
export function toQuery(state) {
  const params = new URLSearchParams();
  for (const prop of PROPS) {
    const value = state[prop.name];
    if (JSON.stringify(value) === JSON.stringify(prop.default)) continue;
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
  if (prop.nullable && raw === "") return null;
  switch (prop.kind) {
    case "int":
    case "number": {
      if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(raw)) return undefined;
      const n = Number(raw);
      if (prop.kind === "int" && !Number.isInteger(n)) return undefined;
      return inRange(prop, n) ? n : undefined;
    }
    case "bool":
      return raw === "1" || raw === "true" ? true : raw === "0" || raw === "false" ? false : undefined;
    case "string":
      return !prop.choices || prop.choices.includes(raw) ? raw.slice(0, 64) : undefined;
    case "list": {
      const items = raw ? raw.split(",") : [];
      const valid = prop.choices ? items.filter((i) => prop.choices?.includes(i)) : items;
      return [...new Set(valid.map((i) => i.slice(0, 64)))].slice(0, 32);
    }
    case "layers":
      return parseLayers(raw);
  }
  return undefined;
}

/**
 * @param {Prop} prop
 * @param {number} n
 */
function inRange(prop, n) {
  return Number.isFinite(n) && (prop.min === undefined || n >= prop.min) && (prop.max === undefined || n <= prop.max);
}

/**
 * @param {Prop} prop
 * @param {any} value
 */
function formatValue(prop, value) {
  if (value === null) return "";
  if (prop.kind === "bool") return value ? "1" : "0";
  if (prop.kind === "list") return value.join(",");
  if (prop.kind === "layers") return formatLayers(value);
  return String(value);
}

/**
 * Layers read as `dense:8:relu,dropout:0.2,batchnorm,layernorm`.
 * @param {Layer[]} layers
 */
export function formatLayers(layers) {
  return layers
    .map((l) => {
      if (l.type === "dense") return `dense:${l.units}:${l.activation}`;
      if (l.type === "dropout") return `dropout:${l.p}`;
      return l.type;
    })
    .join(",");
}

/**
 * @param {string} raw
 * @returns {Layer[] | undefined}
 */
export function parseLayers(raw) {
  if (raw === "") return [];
  const layers = [];
  for (const item of raw.split(",").slice(0, 32)) {
    const [type, ...args] = item.split(":");
    if (!LAYER_TYPES.includes(type)) return undefined;
    if (type === "dense") {
      const units = Number(args[0]);
      const activation = args[1] ?? "relu";
      if (!Number.isInteger(units) || units < 1 || units > 1024 || !ACTIVATIONS.includes(activation)) return undefined;
      layers.push(dense(units, activation));
    } else if (type === "dropout") {
      const p = Number(args[0] ?? 0.2);
      if (!(p >= 0 && p <= 0.95)) return undefined;
      layers.push({ type, p });
    } else {
      layers.push({ type });
    }
  }
  return layers;
}

/**
 * The ExperimentSpec this state describes.
 * @param {State} state
 */
export function specFromState(state) {
  /** @type {Record<string, any>} */
  const spec = { version: 1, seed: 0, data: {}, model: {}, train: {} };
  for (const prop of PROPS) if (prop.path) setPath(spec, prop.path, structuredClone(state[prop.name]));
  Object.assign(spec.train, OPTIMIZERS[/** @type {keyof OPTIMIZERS} */ (state.optimizer)] ?? OPTIMIZERS.sgd);
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
 * @returns {State}
 */
export function stateFromSpec(spec, current = defaultState()) {
  const state = defaultState();
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
    train.optimizer === "sgd" && train.momentum > 0 ? (train.nesterov ? "nesterov" : "momentum") : train.optimizer ?? "sgd";
  if (train.l1 > 0) Object.assign(state, { regularization: "l1", reg_rate: train.l1 });
  else if (train.weight_decay > 0) Object.assign(state, { regularization: "l2", reg_rate: train.weight_decay });
  state.patience = train.early_stopping ? train.early_stopping.patience ?? 10 : null;
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
    optimizer, momentum, nesterov, lr: t.lr, weight_decay: t.weight_decay, l1: t.l1,
    batch_size: t.batch_size, lr_schedule: t.lr_schedule, lr_gamma: t.lr_gamma, lr_period: t.lr_period,
    max_epochs: t.max_epochs,
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
 */
function getPath(obj, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), obj);
}
