// @ts-check
/**
 * The GAN page's presets, in one place so they can be tuned: for each family of data (2-D
 * points, 8×8 digits, MNIST) the networks and training a run starts from. The first preset
 * of a family is its default: a link leaves out every setting equal to it.
 *
 * 2-D: latent 2 uniform, G and D three dense layers of 64 leaky ReLU, Adam lr 0.001 with
 * beta1 0.5, batch 64, the non-saturating loss: it covers at least 6 of the 8 gaussians after
 * 2,000 steps on 19 of seeds 0-19 (7-8 on most). With 32 units (GAN Lab's width) seed 2
 * covered 5: a wider pair is steadier with leaky ReLU's 0.01 slope. Images: a dense pair
 * (fast on a CPU) and a convolutional pair built from dense, reshape, upsample and conv2d.
 */

/**
 * @typedef {import("../state.js").Layer} Layer
 * @typedef {{label: string, latent: number, dist: "uniform" | "normal", g: Layer[], d: Layer[],
 *            g_opt: string, d_opt: string, g_lr: number, d_lr: number, batch: number,
 *            loss: string, d_steps: number}} Preset
 */

/** @param {number} units */
const leaky = (units) => ({ type: "dense", units, activation: "leaky_relu" });
/**
 * @param {number} filters
 * @param {number} stride
 */
const conv = (filters, stride = 1) => ({
  type: "conv2d",
  filters,
  kernel: 3,
  stride,
  padding: "same",
  activation: "leaky_relu",
});
const upsample = { type: "upsample", scale: 2 };
/** @param {number[]} shape */
const reshape = (shape) => ({ type: "reshape", shape });

const ADAM_SLOW = {
  g_opt: "adam",
  d_opt: "adam",
  g_lr: 0.0002,
  d_lr: 0.0002,
  batch: 64,
  loss: "non_saturating",
  d_steps: 1,
};

/** @type {Record<string, Record<string, Preset>>} family -> preset name -> preset */
export const GAN_PRESETS = {
  points: {
    dense64: {
      label: "3 dense layers of 64",
      latent: 2,
      dist: "uniform",
      g: [leaky(64), leaky(64), leaky(64)],
      d: [leaky(64), leaky(64), leaky(64)],
      g_opt: "adam",
      d_opt: "adam",
      g_lr: 0.001,
      d_lr: 0.001,
      batch: 64,
      loss: "non_saturating",
      d_steps: 1,
    },
    small: {
      label: "1 dense layer of 16 each (too small)",
      latent: 2,
      dist: "uniform",
      g: [leaky(16)],
      d: [leaky(16)],
      g_opt: "adam",
      d_opt: "adam",
      g_lr: 0.001,
      d_lr: 0.001,
      batch: 64,
      loss: "non_saturating",
      d_steps: 1,
    },
  },
  digits: {
    dense: {
      label: "dense 128 → 256, latent 16",
      latent: 16,
      dist: "normal",
      g: [leaky(128), leaky(256)],
      d: [leaky(256), leaky(128)],
      ...ADAM_SLOW,
    },
    conv: {
      label: "convolutional (upsample + conv2d)",
      latent: 16,
      dist: "normal",
      g: [leaky(128), reshape([8, 4, 4]), upsample, conv(16)],
      d: [conv(16, 2), leaky(64)],
      ...ADAM_SLOW,
    },
  },
  mnist: {
    dense: {
      label: "dense 256 → 512, latent 32",
      latent: 32,
      dist: "normal",
      g: [leaky(256), leaky(512)],
      d: [leaky(512), leaky(256)],
      ...ADAM_SLOW,
    },
    conv: {
      label: "convolutional (upsample + conv2d)",
      latent: 32,
      dist: "normal",
      g: [leaky(784), reshape([16, 7, 7]), upsample, conv(32), upsample, conv(16)],
      d: [conv(32, 2), conv(64, 2), leaky(128)],
      ...ADAM_SLOW,
    },
  },
};

/** The settings a preset sets (the state's names). */
export const PRESET_KEYS = /** @type {const} */ ([
  "latent",
  "dist",
  "g",
  "d",
  "g_opt",
  "d_opt",
  "g_lr",
  "d_lr",
  "batch",
  "loss",
  "d_steps",
]);

/**
 * The family of presets for a dataset: its own for the digit sets, "points" for 2-D data.
 * @param {string} dataset
 * @param {string} kind the dataset's input kind ("points" or "image")
 */
export function presetFamily(dataset, kind) {
  if (kind !== "image") return "points";
  return dataset in GAN_PRESETS ? dataset : "digits";
}

/**
 * A fresh copy of a preset's settings (the family's first preset when `name` is unknown).
 * @param {string} family
 * @param {string} [name]
 * @returns {Record<string, any>}
 */
export function presetSettings(family, name) {
  const presets = GAN_PRESETS[family] ?? GAN_PRESETS.points;
  const preset = presets[name ?? ""] ?? Object.values(presets)[0];
  return Object.fromEntries(PRESET_KEYS.map((k) => [k, structuredClone(preset[k])]));
}

/**
 * The name of the preset these settings match exactly, or "" (custom).
 * @param {string} family
 * @param {Record<string, any>} state
 */
export function matchingPreset(family, state) {
  const presets = GAN_PRESETS[family] ?? {};
  const same = (/** @type {Preset} */ p) =>
    PRESET_KEYS.every((k) => JSON.stringify(normalize(p[k])) === JSON.stringify(normalize(state[k])));
  return Object.keys(presets).find((name) => same(presets[name])) ?? "";
}

/**
 * Layers compare by their fields, not by key order or a left-out default init.
 * @param {any} value
 */
function normalize(value) {
  if (!Array.isArray(value) || !value.every((l) => l && typeof l === "object" && "type" in l)) return value;
  return value.map((l) =>
    Object.fromEntries(
      Object.entries(l)
        .filter(([k, v]) => !(k === "init" && v === "default"))
        .sort(),
    ),
  );
}
