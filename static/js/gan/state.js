// @ts-check
/**
 * The GAN page's whole configuration, table-driven like the playground's (../state.js): one
 * row per setting says how it reads from and writes to the URL and where it lives in the
 * spec (`kind: "gan"`, docs/spec.md). A link holds only what differs from the defaults of
 * its data's preset (presets.js), e.g. `/gan?data=ring&g_lr=0.0003&train=generator`.
 *
 * The URL is untrusted: a value that does not read (a word for a number, a number outside
 * the catalog's bounds, an unknown choice, a layer that does not parse) is ignored and named
 * in `ignored`, so the page can say so; each value reads as on the playground (urlValue.js).
 */

import { constraintsOf, paramAt } from "../schema.js";
import { formatLayers, parseLayers, useCatalog } from "../state.js";
import { NUMBER, quote, readValue, whyNot, writeValue } from "../urlValue.js";
import { presetFamily, presetSettings } from "./presets.js";

/**
 * @typedef {import("../state.js").Layer} Layer
 * @typedef {Record<string, any>} GanState
 * @typedef {{name: string, kind: "int"|"number"|"choice"|"string"|"layers"|"points"|"list"|"bool",
 *            default?: any, path?: string, nullable?: boolean, hot?: string, page?: boolean,
 *            preset?: boolean} & import("../schema.js").Constraints} GanProp
 * `hot`: the `set` parameter a live run takes it by (weights kept). `page`: how the page
 * looks, not what is trained. `preset`: its default depends on the data (its preset).
 */

/** The layers of the 2-D plane, each a checkbox (`show`). */
export const PLANE_LAYERS = ["heat", "manifold", "real", "fake", "arrows"];
export const MAX_DRAWN = 300; // points a drawing may hold (the server takes up to 1,000)

/** @type {GanProp[]} */
export const GAN_PROPS = [
  { name: "data", kind: "string", default: "gaussians8", path: "data.dataset" },
  { name: "noise", kind: "number", default: 0, path: "data.noise" },
  { name: "points", kind: "points", default: [], path: "data.points" },
  { name: "latent", kind: "int", path: "gan.latent_size", preset: true },
  { name: "dist", kind: "choice", path: "gan.latent", preset: true },
  { name: "g", kind: "layers", path: "gan.generator.layers", preset: true },
  { name: "g_opt", kind: "choice", path: "gan.generator.optimizer", preset: true },
  { name: "g_lr", kind: "number", path: "gan.generator.lr", hot: "g_lr", preset: true },
  { name: "d", kind: "layers", path: "gan.discriminator.layers", preset: true },
  { name: "d_opt", kind: "choice", path: "gan.discriminator.optimizer", preset: true },
  { name: "d_lr", kind: "number", path: "gan.discriminator.lr", hot: "d_lr", preset: true },
  { name: "d_steps", kind: "int", path: "gan.d_steps", hot: "d_steps", preset: true },
  { name: "loss", kind: "choice", path: "gan.loss", hot: "gan_loss", preset: true },
  { name: "batch", kind: "int", path: "gan.batch_size", hot: "batch_size", preset: true },
  { name: "train", kind: "choice", default: "both", path: "gan.train_only", hot: "train_only" },
  { name: "seed", kind: "int", default: 0, path: "seed" },
  // the page only
  { name: "speed", kind: "number", default: null, nullable: true, min: 0.1, max: 100000, page: true },
  { name: "show", kind: "list", default: PLANE_LAYERS, choices: PLANE_LAYERS, page: true },
  { name: "at", kind: "int", default: 5, min: 0, max: 10, page: true },
  { name: "judge", kind: "bool", page: true, preset: true },
];

/**
 * Image data whose quality readout is off by default: its judge (a classifier the server
 * trains on the real digits the first time it is asked) takes minutes on a CPU for MNIST.
 */
const UNJUDGED = new Set(["mnist"]);

const BY_NAME = Object.fromEntries(GAN_PROPS.map((p) => [p.name, p]));

/**
 * Takes the schema from the server's catalog (schema.js): the choices and bounds of each
 * setting of the experiment (the page's own settings keep theirs), and the layers' fields.
 * Call once, before a link is read.
 * @param {any} catalog `GET /api/catalog`
 */
export function useGanCatalog(catalog) {
  useCatalog(catalog);
  for (const prop of GAN_PROPS) {
    if (!prop.page && prop.path && prop.kind !== "layers" && prop.kind !== "points")
      Object.assign(prop, constraintsOf(paramAt(catalog, prop.path)));
  }
}

/** @typedef {(dataset: string) => string} KindOf a dataset's input kind: "points" or "image" */

/**
 * @param {string} [dataset]
 * @param {KindOf} [kindOf]
 * @returns {GanState} a fresh copy of the defaults for this data (its family's first preset)
 */
export function defaultState(dataset = BY_NAME.data.default, kindOf = () => "points") {
  const base = Object.fromEntries(GAN_PROPS.filter((p) => !p.preset).map((p) => [p.name, structuredClone(p.default)]));
  return {
    ...base,
    data: dataset,
    ...presetSettings(presetFamily(dataset, kindOf(dataset))),
    judge: !UNJUDGED.has(dataset),
  };
}

/**
 * @param {string} search location.search
 * @param {KindOf} [kindOf]
 * @returns {{state: GanState, ignored: string[], problems: string[]}} `ignored`: parameters
 *   whose value could not be read (their defaults stand); `problems`: why, in words that name
 *   the setting and its limit ("latent: 0 is less than 1; using 2")
 */
export function parseQuery(search, kindOf = () => "points") {
  const params = new URLSearchParams(search);
  const dataset = params.get("data");
  const state = defaultState(dataset && /^[a-z0-9_]{1,40}$/.test(dataset) ? dataset : undefined, kindOf);
  /** @type {string[]} */
  const ignored = [];
  /** @type {string[]} */
  const problems = [];
  for (const prop of GAN_PROPS) {
    const raw = params.get(prop.name);
    if (raw === null || prop.name === "data") continue;
    const value = parseValue(prop, raw);
    if (value !== undefined) state[prop.name] = value;
    else {
      ignored.push(prop.name);
      const why = prop.kind === "layers" || prop.kind === "points" ? `${quote(raw)} does not read` : whyNot(prop, raw);
      problems.push(`${prop.name}: ${why}; using ${formatValue(prop, state[prop.name]) || "none"}`);
    }
  }
  if (dataset !== null && dataset !== state.data) {
    ignored.push("data");
    problems.push(`${quote(dataset)} is not a GAN dataset; using ${state.data}`);
  }
  return { state, ignored, problems };
}

/**
 * Only what differs from the data's defaults, so links stay short and readable.
 * @param {GanState} state
 * @param {KindOf} [kindOf]
 * @returns {string} without the leading "?"
 */
export function toQuery(state, kindOf = () => "points") {
  const defaults = defaultState(state.data, kindOf);
  const params = new URLSearchParams();
  for (const prop of GAN_PROPS) {
    const value = state[prop.name];
    if (prop.name !== "data" && JSON.stringify(value) === JSON.stringify(defaults[prop.name])) continue;
    if (prop.name === "data" && value === BY_NAME.data.default) continue;
    if (prop.name === "points" && state.data !== "drawn") continue;
    params.set(prop.name, formatValue(prop, value));
  }
  return params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
}

/**
 * @param {GanProp} prop
 * @param {string} raw
 * @returns {any} undefined when the text is not a value of the setting (urlValue.js)
 */
export function parseValue(prop, raw) {
  if (prop.kind === "layers") return parseLayers(raw);
  if (prop.kind === "points") return parsePoints(raw);
  return readValue(prop, raw);
}

/**
 * @param {GanProp} prop
 * @param {any} value
 */
function formatValue(prop, value) {
  if (prop.kind === "layers") return formatLayers(value);
  if (prop.kind === "points") return formatPoints(value);
  return writeValue(prop, value);
}

/**
 * Drawn points read `x:y,x:y,…` with two decimals (the plane is 4 units wide).
 * @param {number[][]} points
 */
export function formatPoints(points) {
  return points.map(([x, y]) => `${round2(x)}:${round2(y)}`).join(",");
}

/**
 * @param {string} raw
 * @returns {number[][] | undefined}
 */
export function parsePoints(raw) {
  if (raw === "") return [];
  const points = [];
  for (const item of raw.split(",").slice(0, MAX_DRAWN)) {
    const [x, y, extra] = item.split(":");
    if (extra !== undefined || !NUMBER.test(x ?? "") || !NUMBER.test(y ?? "")) return undefined;
    const p = [Number(x), Number(y)];
    if (!p.every((v) => Math.abs(v) <= 10)) return undefined; // the spec's bound
    points.push(p);
  }
  return points;
}

/** @param {number} v */
function round2(v) {
  return String(Math.round(v * 100) / 100);
}

/**
 * The ExperimentSpec of kind "gan" this state describes.
 * @param {GanState} state
 */
export function specFromState(state) {
  /** @type {Record<string, any>} */
  const spec = { version: 1, kind: "gan", seed: 0, data: {}, gan: {} };
  for (const prop of GAN_PROPS)
    if (prop.path && prop.name !== "points") setPath(spec, prop.path, structuredClone(state[prop.name]));
  if (state.data === "drawn") spec.data.points = state.points.length ? structuredClone(state.points) : null;
  return spec;
}

/**
 * The `set` params that carry the hot settings to a live run (weights kept).
 * @param {GanState} state
 */
export function hotParams(state) {
  return Object.fromEntries(GAN_PROPS.filter((p) => p.hot).map((p) => [p.hot, state[p.name]]));
}

/** @param {string} name */
export function isHot(name) {
  return Boolean(BY_NAME[name]?.hot);
}

/** @param {string} name */
export function isPageOnly(name) {
  return Boolean(BY_NAME[name]?.page);
}

/**
 * The spec path of a field a `set` refused (`params.g_lr` -> `gan.generator.lr`), or the
 * field as it is; a run's start error (`spec.gan.latent_size`) loses its `spec.`.
 * @param {string} field
 */
export function specField(field) {
  if (field.startsWith("spec.")) return field.slice(5);
  if (!field.startsWith("params.")) return field;
  const hot = field.slice(7);
  return GAN_PROPS.find((p) => p.hot === hot)?.path ?? field;
}

/**
 * Adds a drawn point unless it lies within `gap` of the last one (a stroke leaves a trail
 * of points about `gap` apart); at most MAX_DRAWN are kept.
 * @param {number[][]} points
 * @param {number[]} p
 * @param {number} gap in the plane's units
 * @returns {boolean} whether it was added
 */
export function addPoint(points, p, gap) {
  const last = points[points.length - 1];
  if (points.length >= MAX_DRAWN || (last && Math.hypot(last[0] - p[0], last[1] - p[1]) < gap)) return false;
  points.push([Math.round(p[0] * 100) / 100, Math.round(p[1] * 100) / 100]);
  return true;
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
 * The views a run of this kind of data needs, given the plane's layers shown (a layer that
 * is off costs the server nothing) and, for images, whether the samples are judged.
 * @param {string} kind the data's input kind
 * @param {string[]} show
 * @param {boolean} [judge]
 */
export function viewsFor(kind, show, judge = true) {
  if (kind === "image") return ["metrics", "gan_images", "gan_interpolation", ...(judge ? ["gan_quality"] : [])];
  const on = new Set(show);
  return [
    "metrics",
    "gan_quality",
    ...(on.has("heat") ? ["gan_discriminator"] : []),
    ...(on.has("manifold") ? ["gan_manifold"] : []),
    ...(["real", "fake", "arrows"].some((l) => on.has(l)) ? ["gan_samples"] : []),
    ...(on.has("arrows") ? ["gan_gradients"] : []),
  ];
}

/** Spec fields in the words of the controls' labels. */
const FIELD_WORDS = {
  "data.dataset": "data",
  "data.noise": "noise",
  "data.points": "drawn points",
  seed: "seed",
  "gan.latent_size": "latent size",
  "gan.latent": "latent distribution",
  "gan.d_steps": "D steps per G step",
  "gan.loss": "loss",
  "gan.batch_size": "batch size",
  "gan.train_only": "train",
};

/**
 * A spec field as a student reads it: `gan.latent_size` -> "latent size",
 * `gan.generator.layers.1.units` -> "generator layer 2 units".
 * @param {string} field
 */
export function fieldLabel(field) {
  const words = /** @type {Record<string, string>} */ (FIELD_WORDS)[field];
  if (words) return words;
  const m = /^gan\.(generator|discriminator)\.(lr|optimizer|layers)(?:\.(\d+)(?:\.(\w+))?)?/.exec(field);
  if (!m) return field;
  const [, net, what, index, inner] = m;
  if (what === "lr") return `${net} learning rate`;
  if (what === "optimizer") return `${net} optimizer`;
  if (index === undefined) return `${net} layers`;
  return `${net} layer ${Number(index) + 1}${inner ? ` ${inner}` : ""}`;
}
