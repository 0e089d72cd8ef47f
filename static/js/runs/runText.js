// @ts-check
/**
 * Recorded runs in words (docs/runs.md, "My runs and comparing"): a run's figures, its age,
 * its status, and what differs between the specs of runs compared. Pure: no DOM, no fetch.
 */

import { formatLoss } from "../readouts.js";

/**
 * A run's best figures: "val loss 0.391 · accuracy 92.0%" (the training data's when it has
 * no validation data; R² for regression). "no epoch yet" before its first point.
 * @param {Record<string, any> | null} best the summary's `best` metric point
 * @param {boolean} [regression]
 */
export function figuresText(best, regression = false) {
  if (!best) return "no epoch yet";
  const split = best.val_loss == null ? "train" : "val";
  const parts = [`${split} loss ${formatLoss(best[`${split}_loss`])}`];
  const score = best[`${split}_score`];
  if (typeof score === "number")
    parts.push(regression ? `R² ${score.toFixed(3)}` : `accuracy ${(100 * score).toFixed(1)}%`);
  return parts.join(" · ");
}

/**
 * When a run was last trained, from now: "just now", "5 min ago", "3 h ago", then the date.
 * @param {string} iso the summary's `updated`
 * @param {number} now ms since the epoch
 */
export function whenText(iso, now) {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return "";
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ago`;
  return new Date(then).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * The status in words: "done: trained the 5 epochs asked for", "interrupted (the server
 * stopped; Open continues it)", "running".
 * @param {{status: string, detail?: string | null}} run
 */
export function statusText(run) {
  if (run.status === "done") return run.detail ? `done: ${run.detail}` : "done";
  if (run.status === "interrupted") return "interrupted (the server stopped; Open continues it)";
  return run.status;
}

/**
 * Every leaf of a spec by its path ("train.lr", "data.dataset"); a list is one leaf (its
 * items joined by commas), so layers given in words ("dense 8 tanh, dropout 0.1") read as
 * the network before and after.
 * @param {Record<string, any>} spec
 * @returns {Map<string, string>}
 */
export function specLeaves(spec) {
  /** @type {Map<string, string>} */
  const leaves = new Map();
  const item = (/** @type {any} */ v) => (v !== null && typeof v === "object" ? JSON.stringify(v) : String(v));
  /** @param {any} value @param {string} path */
  const walk = (value, path) => {
    if (Array.isArray(value)) leaves.set(path, value.map(item).join(", ") || "none");
    else if (value !== null && typeof value === "object")
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    else leaves.set(path, value === null || value === undefined ? "none" : String(value));
  };
  walk(spec, "");
  return leaves;
}

/**
 * What differs between the specs of runs compared, in words, one line per field that is
 * not the same in all: "lr: 0.03 → 0.1", "optimizer: sgd → adam → adam". A field one spec
 * lacks reads "none" there. The section ("train.", "data.", "model.") is left off the name.
 * The caller gives the hidden layers in words (the summary's `network`, `specInWords`).
 * @param {Record<string, any>[]} specs in the order the runs are shown
 * @returns {{field: string, values: string[], text: string}[]}
 */
export function specDiff(specs) {
  const leaves = specs.map(specLeaves);
  const paths = [...new Set(leaves.flatMap((l) => [...l.keys()]))];
  return paths
    .map((path) => ({ path, values: leaves.map((l) => l.get(path) ?? "none") }))
    .filter(({ values }) => new Set(values).size > 1)
    .map(({ path, values }) => {
      const field = path.replace(/^(train|data|model)\./, "");
      return { field, values, text: `${field}: ${values.join(" → ")}` };
    });
}

/**
 * A recorded run's spec with its hidden layers in the server's words (the summary's
 * `network`: "dense 8 tanh"), as `specDiff` compares them.
 * @param {{spec: Record<string, any>, spec_summary: {network: string[]}}} run
 */
export function specInWords(run) {
  const { spec } = run;
  if (!spec.model) return spec; // a GAN's networks are listed field by field
  return { ...spec, model: { ...spec.model, layers: run.spec_summary.network } };
}
