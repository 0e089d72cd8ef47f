// @ts-check
/**
 * The sequence workspace's right-hand panel: what a recurrent or attention network does
 * with a sequence. Each part appears once a frame carries its view and keeps its last
 * drawing when a frame does not (some views come only in some frames):
 *   prediction vs truth over the val window (regression), the hidden state over time, the
 *   gradient reaching each time step, accuracy by sequence length (memory task), attention
 *   weights, class (or next-character) probabilities, and, for character models, sampling.
 */

import { CLASS_COLORS, css } from "../colors.js";
import { createAttentionMaps } from "./attentionMaps.js";
import { el } from "./controls.js";
import { createSeriesChart } from "./seriesChart.js";
import { createTextSampler } from "./textSampler.js";
import { createTimeHeatmap } from "./timeHeatmap.js";

/** Output dimensions drawn in the prediction chart at most (two lines each). */
const MAX_OUTPUTS = 3;
/** Next-character candidates shown for a character model. */
const TOP_TOKENS = 5;
const GRAD_NOTE =
  "How strongly the loss's gradient reaches each input step; if it fades towards step 0, " +
  "the network cannot learn to remember early inputs (vanishing gradients).";

/**
 * @typedef {{kind?: "sequence" | "tokens", task?: string, featureNames?: string[],
 *            classNames?: string[], vocab?: string[]}} SequenceInfo
 * @typedef {SequenceInfo & {uPlot: any,
 *            onGenerate: (r: import("./textSampler.js").SampleRequest) => number | null | undefined}} SequenceOptions
 */

/**
 * Mean squared error over every finite pair (prediction, truth); NaN when there is none.
 * @param {ArrayLike<number>} prediction
 * @param {ArrayLike<number>} truth
 */
export function meanSquaredError(prediction, truth) {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < Math.min(prediction.length, truth.length); i++) {
    const d = prediction[i] - truth[i];
    if (!Number.isFinite(d)) continue;
    sum += d * d;
    count++;
  }
  return count ? sum / count : NaN;
}

/**
 * The k largest entries, largest first (ties keep index order).
 * @param {ArrayLike<number>} values
 * @param {number} k
 * @returns {{index: number, value: number}[]}
 */
export function topK(values, k) {
  return Array.from(values, (value, index) => ({ index, value: Number.isFinite(value) ? value : 0 }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, k);
}

/**
 * A readable name for a class or character: the end of a name and spaces spelled out.
 * @param {string[] | undefined} names
 * @param {number} index
 */
export function classLabel(names, index) {
  const name = names?.[index];
  if (name === undefined) return `class ${index}`;
  if (name === ".") return "end (.)";
  if (name === " ") return "space";
  return name;
}

/**
 * Column d of a row-major (N, D) array.
 * @param {ArrayLike<number>} data
 * @param {number} rows N
 * @param {number} cols D
 * @param {number} d
 */
export function column(data, rows, cols, d) {
  return Float32Array.from({ length: rows }, (_, i) => data[i * cols + d]);
}

/** @param {number} v */
function formatNumber(v) {
  if (!Number.isFinite(v)) return "—";
  return v === 0 || (Math.abs(v) >= 0.001 && Math.abs(v) < 1e4) ? String(+v.toPrecision(3)) : v.toExponential(2);
}

/**
 * @param {HTMLElement} container
 * @param {SequenceOptions} o
 */
export function createSequencePanel(container, o) {
  /** @type {SequenceInfo} */
  let info = { kind: o.kind, task: o.task, featureNames: o.featureNames, classNames: o.classNames, vocab: o.vocab };
  const root = el("div", { className: "sequence-panel" });
  container.append(root);
  /** A part of the panel, hidden until a frame carries its view. */
  const part = (/** @type {string} */ name) => {
    const node = el("div", { className: "seq-part", "data-part": name, hidden: true });
    root.append(node);
    return node;
  };

  const samplerPart = el("div", { className: "seq-part", "data-part": "sampler" });
  root.append(samplerPart);
  const sampler = createTextSampler(samplerPart, { onGenerate: o.onGenerate });

  const predictionPart = part("prediction");
  const prediction = createSeriesChart(predictionPart, o.uPlot, {
    title: "Prediction vs truth (validation)",
    xLabel: "validation example",
    series: predictionSeries(1),
  });
  let outputs = 1;

  const hiddenPart = part("hidden");
  const hidden = createTimeHeatmap(hiddenPart);

  const gradsPart = part("time-grads");
  const grads = createSeriesChart(gradsPart, o.uPlot, {
    title: "Gradient reaching each time step (log scale)",
    xLabel: "time step",
    logY: true,
    note: GRAD_NOTE,
    series: [{ label: "gradient", stroke: css(CLASS_COLORS[1]), points: true }],
  });

  const lengthPart = part("accuracy-length");
  const byLength = createSeriesChart(lengthPart, o.uPlot, {
    title: "Accuracy vs sequence length",
    xLabel: "sequence length",
    yLabel: "accuracy",
    range: [0, 1],
    series: [
      { label: "accuracy", stroke: css(CLASS_COLORS[1]), points: true },
      { label: "chance", stroke: "#888", dash: [5, 4] },
    ],
  });

  const attentionPart = part("attention");
  const attention = createAttentionMaps(attentionPart);

  const probsPart = part("probabilities");
  const probsTitle = el("figcaption");
  const probsList = el("ol", { className: "prob-bars" });
  probsPart.append(el("figure", { className: "probabilities" }, [probsTitle, probsList]));

  /**
   * @param {import("../frame.js").FrameArray} pred (N, D)
   * @param {import("../frame.js").FrameArray} truth (N, D)
   */
  function drawPrediction(pred, truth) {
    const rows = pred.shape[0];
    const cols = pred.shape[1] ?? 1;
    const drawn = Math.min(cols, MAX_OUTPUTS);
    if (drawn !== outputs) prediction.reset(predictionSeries(drawn, info.featureNames, cols));
    outputs = drawn;
    /** @type {Float32Array[]} */
    const lines = [];
    for (let d = 0; d < drawn; d++) lines.push(column(truth.data, rows, cols, d), column(pred.data, rows, cols, d));
    prediction.set(
      Array.from({ length: rows }, (_, i) => i),
      lines,
    );
    const mse = meanSquaredError(pred.data, truth.data);
    const more = cols > drawn ? ` (first ${drawn} of ${cols} outputs drawn)` : "";
    prediction.setNote(`MSE ${formatNumber(mse)} over ${rows} validation examples${more}`);
    predictionPart.hidden = false;
  }

  /** @param {ArrayLike<number>} probs */
  function drawProbabilities(probs) {
    const tokens = info.kind === "tokens";
    const names = tokens ? (info.vocab ?? info.classNames) : info.classNames;
    const shown = tokens ? topK(probs, TOP_TOKENS) : Array.from(probs, (value, index) => ({ index, value }));
    const best = topK(probs, 1)[0]?.index;
    probsTitle.textContent = tokens ? `Next character: top ${TOP_TOKENS}` : "Class probabilities (one example)";
    probsList.replaceChildren(
      ...shown.map(({ index, value }) => probabilityBar(classLabel(names, index), value, index === best)),
    );
    probsPart.hidden = false;
  }

  /** @param {Record<string, unknown>} values a frame header's values */
  function drawAccuracyByLength(values) {
    const lengths = values["accuracy_by_length/lengths"];
    const accuracy = values["accuracy_by_length/accuracy"];
    if (!Array.isArray(lengths) || !Array.isArray(accuracy) || lengths.length !== accuracy.length) return;
    const classes = info.classNames?.length ?? 0;
    const chance = lengths.map(() => (classes ? 1 / classes : NaN));
    byLength.set(lengths, [accuracy, chance]);
    byLength.setNote(classes ? `dashed: chance (1/${classes})` : "");
    lengthPart.hidden = false;
  }

  function showKind() {
    samplerPart.hidden = info.kind !== "tokens";
    if (info.kind !== "tokens") sampler.stop();
  }
  showKind();

  return {
    /** @param {import("../frame.js").Frame} frame */
    update(frame) {
      const a = frame.arrays;
      const pred = a["sequence_prediction/prediction"];
      const truth = a["sequence_prediction/truth"];
      if (pred && truth) drawPrediction(pred, truth);
      if (a.hidden_states?.dtype === "uint8" && a.hidden_states.shape.length === 2) {
        hidden.update(a.hidden_states);
        hiddenPart.hidden = false;
      }
      if (a.time_grads) {
        grads.set(
          Array.from(a.time_grads.data, (_, t) => t),
          [a.time_grads.data],
        );
        gradsPart.hidden = false;
      }
      drawAccuracyByLength(frame.header.values);
      if (attention.update(a)) attentionPart.hidden = false;
      if (a.probabilities) drawProbabilities(a.probabilities.data);
    },
    /**
     * A new run: every part hidden and emptied until its view arrives again; `next` updates
     * what the panel knows of the data (kind, class names, vocabulary), if it changed.
     * @param {SequenceInfo} [next]
     */
    reset(next = {}) {
      info = { ...info, ...next };
      const parts = /** @type {NodeListOf<HTMLElement>} */ (
        root.querySelectorAll(".seq-part:not([data-part=sampler])")
      );
      for (const node of parts) node.hidden = true;
      prediction.reset();
      prediction.setNote("");
      hidden.reset();
      grads.reset();
      byLength.reset();
      attention.reset();
      probsList.replaceChildren();
      sampler.clear();
      showKind();
    },
    /**
     * Shows generated text, if `id` is the latest request's.
     * @param {number} id
     * @param {string} text
     */
    showGenerated(id, text) {
      sampler.show(id, text);
    },
  };
}

/**
 * Truth solid, prediction dashed: dark and orange for one output, one colour per output
 * beyond.
 * @param {number} drawn
 * @param {string[]} [names] output names, used when there is one per output
 * @param {number} [outputs] all outputs
 * @returns {import("./seriesChart.js").Series[]}
 */
function predictionSeries(drawn, names, outputs = drawn) {
  const named = names && names.length === outputs;
  return Array.from({ length: drawn }, (_, d) => {
    if (drawn === 1)
      return [
        { label: "truth", stroke: "#333" },
        { label: "prediction", stroke: css(CLASS_COLORS[0]), dash: [6, 4] },
      ];
    const suffix = ` ${named ? names[d] : d + 1}`;
    const stroke = css(CLASS_COLORS[(d + 1) % CLASS_COLORS.length]);
    return [
      { label: `truth${suffix}`, stroke },
      { label: `prediction${suffix}`, stroke, dash: [6, 4] },
    ];
  }).flat();
}

/**
 * One labelled bar; its width is the probability.
 * @param {string} label
 * @param {number} p
 * @param {boolean} best
 */
function probabilityBar(label, p, best) {
  const share = Math.max(0, Math.min(1, Number.isFinite(p) ? p : 0));
  const bar = el("span", { className: "prob-bar" });
  bar.style.width = `${(share * 100).toFixed(1)}%`;
  return el("li", { className: best ? "prob-row best" : "prob-row" }, [
    el("span", { className: "prob-label", textContent: label }),
    el("span", { className: "prob-track" }, [bar]),
    el("span", { className: "prob-value", textContent: `${(share * 100).toFixed(0)}%` }),
  ]);
}
