// @ts-check
/**
 * Which views a run needs for its data and layers, and the panel that draws them beside the
 * layer stack: digits (sample strip, drawing pad, class bars, confusion, mistakes), sequences
 * and text (prediction vs truth, hidden state, gradient through time, attention, sampling),
 * or a table (confusion matrix, or prediction vs truth). 2-D points use the output map.
 */

import { createConfusion } from "./views/confusion.js";
import { createImagePanel } from "./views/imagePanel.js";
import { createSequencePanel } from "./views/sequencePanel.js";

/** TensorFlow Playground's views: every neuron over the plane, the output map, weights. */
const POINT_VIEWS = ["metrics", "neurons", "boundary", "weights", "histograms", "activation_stats"];
const COMMON = ["metrics", "histograms", "activation_stats"];

/**
 * @param {{input_kind: string, task: string, label_at_start?: boolean}} data the validator's
 *   summary of the data (`label_at_start`: accuracy can be read against the length)
 * @param {{views?: string[]}[]} layers the validator's layers, each with the views it offers
 *   (the catalog's: feature maps for a convolution, hidden states for a recurrent layer…)
 * @returns {string[]} the `view` message's views
 */
export function viewsFor(data, layers) {
  const offered = new Set(layers.flatMap((l) => l.views ?? []));
  const some = (/** @type {string[]} */ views) => views.filter((v) => offered.has(v));
  const classify = data.task !== "regression";
  switch (data.input_kind) {
    case "points":
      return POINT_VIEWS;
    case "image":
      return [
        ...COMMON,
        "example",
        "confusion",
        "misclassified",
        "probabilities",
        ...some(["feature_maps", "filters"]),
      ];
    case "sequence":
    case "tokens":
      return [
        ...COMMON,
        ...some(["hidden_states", "attention", "time_grads"]),
        ...(classify ? ["probabilities"] : ["sequence_prediction"]),
        ...(classify && data.input_kind === "sequence" ? ["confusion"] : []),
        ...(data.label_at_start ? some(["accuracy_by_length"]) : []),
      ];
    default:
      return [...COMMON, classify ? "confusion" : "sequence_prediction"];
  }
}

/**
 * @typedef {{uPlot: any, data: any, loadExamples: () => Promise<any>,
 *            onSample: (index: number) => void, onDraw: (input: number[][] | null) => void,
 *            onGenerate: (o: {prefix: string, length: number, temperature: number}) => number}} Options
 * @typedef {{update: (frame: import("./frame.js").Frame) => void, reset: () => void,
 *            showGenerated: (id: number, text: string) => void}} Workspace
 */

/**
 * @param {HTMLElement} container emptied and filled with this data's panel
 * @param {Options} o
 * @returns {Workspace}
 */
export function createWorkspace(container, o) {
  container.replaceChildren();
  const { data } = o;
  const none = { update() {}, reset() {}, showGenerated() {} };
  if (data.input_kind === "points") return none;
  if (data.input_kind === "image") {
    const size = data.input_shape[data.input_shape.length - 1];
    const panel = createImagePanel(container, {
      labels: data.classes,
      imageSize: size,
      onSample: o.onSample,
      loadExamples: o.loadExamples,
      onDraw: (input) => o.onDraw(input ? toRows(input, size) : null),
    });
    return { ...none, update: panel.update, reset: panel.reset };
  }
  if (data.input_kind === "table" && data.task !== "regression") {
    const confusion = createConfusion(container, { labels: data.classes });
    return {
      ...none,
      update: (frame) =>
        frame.arrays.confusion && confusion.update(/** @type {Float32Array} */ (frame.arrays.confusion.data)),
      reset: confusion.reset,
    };
  }
  const panel = createSequencePanel(container, {
    uPlot: o.uPlot,
    kind: data.input_kind === "tokens" ? "tokens" : "sequence",
    task: data.task,
    featureNames: data.features,
    classNames: data.classes,
    vocab: data.input_kind === "tokens" ? data.classes : [],
    onGenerate: o.onGenerate,
  });
  return { update: panel.update, reset: () => panel.reset(data), showGenerated: panel.showGenerated };
}

/**
 * A drawn image as the `view` message carries it: rows of values rounded to 3 decimals.
 * @param {Float32Array} input size × size
 * @param {number} size
 */
export function toRows(input, size) {
  return Array.from({ length: size }, (_, r) =>
    Array.from(input.subarray(r * size, (r + 1) * size), (v) => Math.round(v * 1000) / 1000),
  );
}
