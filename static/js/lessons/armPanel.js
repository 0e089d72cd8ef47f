// @ts-check
/**
 * One arm's card in lesson mode: its name, step counter, loss and accuracy, and the lesson's
 * views for this run (the output map, the gradient norm per layer, layer health, gradient
 * through time, attention, the hidden state, feature maps, the confusion matrix), drawn by
 * the playground's own view factories. The lesson's `highlight` view is marked "look here"
 * in every arm. `frameViews` says which websocket views the card needs.
 *
 * A GAN's arm (`gan` given: the validator's summary of kind "gan") reads out the
 * discriminator's and the generator's losses and how real D finds the fakes, and draws the
 * GAN page's plane (`gan_plane`: D's verdict, real and fake points, G's manifold, arrows).
 */

import { createAdversarialView } from "../views/adversarialView.js";
import { createAttentionMaps } from "../views/attentionMaps.js";
import { createAttentionQuery } from "../views/attentionQuery.js";
import { createBoundary } from "../views/boundary.js";
import { createConfusion } from "../views/confusion.js";
import { el } from "../views/controls.js";
import { createEmbeddingPlot } from "../views/embeddingPlot.js";
import { createGateMaps } from "../views/gateMaps.js";
import { createLayerHealth } from "../views/layerHealth.js";
import { createLayerStack, stackEnds } from "../views/layerStack.js";
import { createLossLandscape } from "../views/lossLandscape.js";
import { createReceptiveFields } from "../views/receptiveFields.js";
import { createScaleView } from "../views/scaleView.js";
import { createSeriesChart } from "../views/seriesChart.js";
import { createTimeHeatmap } from "../views/timeHeatmap.js";
import { createWeightGrads } from "../views/weightGrads.js";
import { createPlane } from "../gan/plane.js";
import { PLANE_LAYERS } from "../gan/state.js";
import { createCompareChart } from "./compareChart.js";

/**
 * @typedef {import("../frame.js").Frame} Frame
 * @typedef {{name: string, type: string, output_shape: number[], params: number, views?: string[]}} LayerInfo
 * @typedef {{input_kind: string, task: string, classes: string[], input_shape: number[],
 *            features?: string[]}} DataInfo the validator's summary of the data
 * @typedef {{input_shape: number[], layers: LayerInfo[]}} GanNet one network of a GAN's summary
 * @typedef {{generator: GanNet, discriminator: GanNet, latent_size: number}} GanInfo
 * @typedef {{name: string, color: string, views: string[], highlight: string | null,
 *            data: DataInfo, layers: LayerInfo[], params: number, steps: number, uPlot: any,
 *            gan?: GanInfo | null}} ArmPanelOptions
 */

/**
 * The parts of a card the lesson's views ask for and this run can show, in the card's order.
 * "network" and "boundary" are one part on 2-D points (the output map over the plane).
 * @param {string[]} views the lesson's views
 * @param {DataInfo} data
 * @param {{views?: string[]}[]} layers the validator's layers, each with the views it offers
 * @param {boolean} [gan] a GAN's run: only the GAN's parts
 * @returns {string[]}
 */
export function armParts(views, data, layers, gan = false) {
  const offers = (/** @type {string} */ view) => layers.some((l) => l.views?.includes(view));
  const wanted = new Set(views);
  const points = data.input_kind === "points";
  if (gan) return wanted.has("gan_plane") && points ? ["gan_plane"] : [];
  const sequences = data.input_kind === "sequence" || data.input_kind === "tokens";
  /** @type {[string, boolean][]} */
  const parts = [
    ["boundary", points && (wanted.has("boundary") || wanted.has("network"))],
    ["network", !points && wanted.has("network")],
    ["weight_grads", wanted.has("weight_grads")],
    ["grad_norms", wanted.has("grad_norms")],
    ["histograms", wanted.has("histograms")],
    ["feature_maps", wanted.has("feature_maps") && offers("feature_maps")],
    ["hidden_states", wanted.has("hidden_states") && offers("hidden_states")],
    ["time_grads", wanted.has("time_grads") && sequences && offers("time_grads")],
    ["attention", wanted.has("attention") && offers("attention")],
    ["attention_query", wanted.has("attention_query") && offers("attention_query")],
    ["confusion", wanted.has("confusion") && data.task !== "regression" && data.classes.length > 1],
    ["scale", wanted.has("scale")],
    ["adversarial", wanted.has("adversarial") && data.input_kind === "image" && data.task === "multiclass"],
    ["gates", wanted.has("gates") && offers("gates")],
    ["embedding", wanted.has("embedding") && offers("embedding")],
    ["loss_landscape", wanted.has("loss_landscape")],
    ["receptive_fields", wanted.has("receptive_fields") && offers("receptive_fields")],
  ];
  return parts.filter(([, on]) => on).map(([part]) => part);
}

/**
 * The `views` of the arm's `view` message: `metrics` for the card's readouts, and what each
 * part draws from frames (the gradient norms come with the metrics events).
 * @param {string[]} parts armParts' answer
 */
export function frameViews(parts) {
  /** @type {Record<string, string[]>} */
  const needs = {
    boundary: ["boundary"],
    histograms: ["histograms", "activation_stats"],
    feature_maps: ["feature_maps", "example"],
    hidden_states: ["hidden_states"],
    time_grads: ["time_grads"],
    attention: ["attention"],
    confusion: ["confusion"],
    gan_plane: ["gan_samples", "gan_discriminator", "gan_manifold", "gan_gradients"],
    adversarial: ["adversarial"],
    gates: ["gates"],
    embedding: ["embedding"],
    loss_landscape: ["loss_landscape"],
    receptive_fields: ["receptive_fields"],
    weight_grads: ["weight_grads", "weights"],
    attention_query: ["attention_query"],
  };
  return ["metrics", ...parts.flatMap((p) => needs[p] ?? [])];
}

/**
 * Which part a lesson's highlight names on this card ("network" is the output map on points).
 * @param {string | null} highlight
 * @param {string[]} parts
 */
export function highlightedPart(highlight, parts) {
  if (highlight === "network" && parts.includes("boundary")) return "boundary";
  return highlight && parts.includes(highlight) ? highlight : null;
}

/** @param {number | null | undefined} v a loss; null: not finite (diverged) */
export function formatLoss(v) {
  if (v === undefined) return "–";
  return typeof v === "number" && Number.isFinite(v)
    ? Math.abs(v) >= 1000
      ? v.toExponential(2)
      : v.toFixed(3)
    : "diverged";
}

/**
 * @param {number | null | undefined} v accuracy (0 to 1), or R² for regression
 * @param {string} task
 */
export function formatScore(v, task) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  return task === "regression" ? v.toFixed(3) : `${(100 * v).toFixed(1)}%`;
}

/**
 * @param {HTMLElement} container
 * @param {ArmPanelOptions} o
 */
export function createArmPanel(container, o) {
  const gan = o.gan ?? null;
  const parts = armParts(o.views, o.data, o.layers, Boolean(gan));
  const marked = highlightedPart(o.highlight, parts);
  const scoreName = o.data.task === "regression" ? "R²" : "accuracy";
  // What the three readouts are: a GAN has two losses and D's score for the fakes.
  const names = gan
    ? ["discriminator loss", "generator loss", "D's P(real) for fakes"]
    : ["training loss", "validation loss", `validation ${scoreName}`];
  const counter = el("output", { className: "arm-step", textContent: `0 / ${o.steps}` });
  const readouts = {
    loss: el("dd", { className: "arm-loss", textContent: "–" }),
    valLoss: el("dd", { className: "arm-val-loss", textContent: "–" }),
    score: el("dd", { className: "arm-score", textContent: "–" }),
  };
  const stateNote = el("span", { className: "arm-state muted" });
  const note = el("p", { className: "arm-note muted", "aria-live": "polite" });
  const swatch = el("span", { className: "swatch", "aria-hidden": "true" });
  swatch.style.background = o.color;
  const body = el("div", { className: "arm-views" });
  const node = el("article", { className: "arm", "data-arm": o.name, "aria-label": `run ${o.name}` }, [
    el("h3", {}, [swatch, o.name]),
    el("p", {
      className: "arm-model muted",
      textContent: gan ? describeGan(gan, o.params) : describeModel(o.data.input_shape, o.layers, o.params),
    }),
    el("dl", { className: "arm-readouts" }, [
      el("div", {}, [el("dt", { textContent: "step" }), el("dd", {}, [counter])]),
      el("div", {}, [el("dt", { textContent: names[0] }), readouts.loss]),
      el("div", {}, [el("dt", { textContent: names[1] }), readouts.valLoss]),
      el("div", {}, [el("dt", { textContent: names[2] }), readouts.score]),
    ]),
    stateNote,
    body,
    note,
  ]);
  container.append(node);

  /** @type {{update?: (frame: Frame) => void, flush?: () => void, reset?: () => void}[]} */
  const drawers = [];
  /** @type {((points: any) => void) | null} */
  let setPoints = null;
  /** @type {string[]} layers with parameters, input side first: the gradient chart's series */
  const gradLayers = o.layers.filter((l) => l.params > 0).map((l) => l.name);
  /** @type {ReturnType<typeof createCompareChart> | null} */
  let grads = null;
  let shownStep = -1; // the readouts' step: a late, older point must not overwrite them

  for (const part of parts) {
    const section = el("section", { className: "arm-view", "data-view": part });
    if (part === marked) {
      section.classList.add("look-here");
      section.append(el("p", { className: "look-here-label", textContent: "look here" }));
    }
    body.append(section);
    mountPart(part, section);
  }

  /**
   * @param {string} part
   * @param {HTMLElement} section
   */
  function mountPart(part, section) {
    if (part === "boundary") {
      const map = /** @type {HTMLCanvasElement} */ (
        el("canvas", {
          width: 1,
          height: 1,
          className: "boundary-map",
          role: "img",
          "aria-label": `the output of ${o.name} over the plane`,
        })
      );
      const dots = /** @type {HTMLCanvasElement} */ (el("canvas", { "aria-hidden": "true" }));
      section.append(
        el("h4", { textContent: "Output over the plane" }),
        el("div", { className: "boundary arm-boundary" }, [map, dots]),
      );
      const boundary = createBoundary(map, dots);
      setPoints = boundary.setPoints;
      drawers.push({ update: (f) => f.arrays.boundary && boundary.update(f.arrays.boundary), reset: boundary.reset });
    } else if (part === "network") {
      section.append(
        el("h4", { textContent: "Network" }),
        el("p", { textContent: o.layers.map((l) => `${l.name} ${l.output_shape.join("×")}`).join(" → ") }),
      );
    } else if (part === "grad_norms") {
      grads = createCompareChart(section, o.uPlot, { title: "Gradient norm per layer (log scale)", logY: true });
      grads.reset(gradLayers);
      drawers.push({ flush: grads.flush });
    } else if (part === "histograms") {
      section.append(el("h4", { textContent: "Weights and layer health" }));
      const health = createLayerHealth(section);
      drawers.push({ update: health.update, reset: health.reset });
    } else if (part === "feature_maps") {
      section.append(el("h4", { textContent: "Feature maps (one example)" }));
      const stackBox = el("div", { className: "stack arm-stack" });
      section.append(stackBox);
      const stack = createLayerStack(stackBox);
      const cards = o.layers
        .slice(0, -1)
        .map((l) => el("div", { className: "card", textContent: `${l.name} ${l.output_shape.join("×")}` }));
      stack.render(cards, o.data.input_kind, stackEnds(/** @type {any} */ (o.data)));
      stack.name(o.layers);
      drawers.push({ update: stack.update, reset: stack.reset });
    } else if (part === "hidden_states") {
      const heat = createTimeHeatmap(section);
      drawers.push({ update: (f) => f.arrays.hidden_states && heat.update(f.arrays.hidden_states), reset: heat.reset });
    } else if (part === "time_grads") {
      const chart = createSeriesChart(section, o.uPlot, {
        title: "Gradient reaching each time step (log scale)",
        xLabel: "time step",
        logY: true,
        series: [{ label: "gradient", stroke: o.color, points: true }],
        note: "If it fades towards step 0, the network cannot learn to remember early inputs.",
      });
      drawers.push({
        update: (f) =>
          f.arrays.time_grads &&
          chart.set(
            Array.from(f.arrays.time_grads.data, (_, t) => t),
            [f.arrays.time_grads.data],
          ),
        reset: () => chart.reset(),
      });
    } else if (part === "attention") {
      const maps = createAttentionMaps(section);
      drawers.push({ update: (f) => void maps.update(f.arrays), reset: maps.reset });
    } else if (part === "confusion") {
      section.append(el("h4", { textContent: "Confusion matrix (validation)" }));
      const confusion = createConfusion(section, { labels: o.data.classes });
      drawers.push({
        update: (f) => f.arrays.confusion && confusion.update(/** @type {Float32Array} */ (f.arrays.confusion.data)),
        reset: confusion.reset,
      });
    } else if (part === "gan_plane") {
      section.append(el("h4", { textContent: "The plane: real data, fakes and D's verdict" }));
      const plane = createPlane(section, { onToggle: (show) => plane.setShown(show), onDraw: () => {} });
      plane.setShown(PLANE_LAYERS);
      if (/** @type {any} */ (o.data).domain) plane.setDomain(/** @type {any} */ (o.data).domain);
      drawers.push({ update: plane.update, reset: plane.reset });
    } else if (part === "adversarial") {
      section.append(el("h4", { textContent: "An adversarial example (one validation digit)" }));
      const adversarial = createAdversarialView(section, { classes: o.data.classes });
      drawers.push({ update: adversarial.update, reset: adversarial.reset });
    } else if (part === "gates") {
      const gates = createGateMaps(section);
      drawers.push({ update: (f) => void gates.update(f.arrays), reset: gates.reset });
    } else if (part === "embedding") {
      const plot = createEmbeddingPlot(section);
      drawers.push({ update: (f) => void plot.update(f), reset: plot.reset });
    } else if (part === "loss_landscape") {
      section.append(el("h4", { textContent: "The loss landscape and the path taken" }));
      const landscape = createLossLandscape(section);
      drawers.push({ update: landscape.update, reset: landscape.reset });
    } else if (part === "receptive_fields") {
      section.append(el("h4", { textContent: "Receptive fields and top inputs" }));
      const fields = createReceptiveFields(section);
      drawers.push({ update: fields.update, reset: fields.reset });
    } else if (part === "attention_query") {
      const query = createAttentionQuery(section);
      drawers.push({ update: query.update, reset: query.reset });
    } else if (part === "weight_grads") {
      const grads = createWeightGrads(section);
      drawers.push({ update: grads.update, reset: grads.reset });
    } else if (part === "scale") {
      createScaleView(section, { layers: o.layers.filter((l) => l.params > 0).length, params: o.params, name: o.name });
    }
  }

  return {
    node,
    parts,
    /**
     * @param {number} step
     * @param {string} state the run's state (ready, running, paused, done)
     * @param {boolean} finished
     */
    setProgress(step, state, finished) {
      counter.textContent = `${step.toLocaleString("en")} / ${o.steps.toLocaleString("en")}`;
      node.dataset.step = String(step);
      node.dataset.finished = String(finished);
      stateNote.textContent = finished ? "trained" : state === "running" ? "training…" : state;
    },
    /** @param {Record<string, any>[]} points metric points (a metrics event's, or a frame's) */
    pushMetrics(points) {
      for (const p of points) {
        if (p.step >= shownStep) {
          shownStep = p.step;
          if (gan) showReadouts(p.d_loss, p.g_loss, p.d_fake);
          else showReadouts(p.train_loss, p.val_loss, p.val_score);
        }
        gradLayers.forEach((layer, i) => grads?.push(i, p.step, p.grad_norms?.[layer]));
      }
    },
    /** @param {Frame} frame */
    update(frame) {
      for (const d of drawers) d.update?.(frame);
    },
    flush() {
      for (const d of drawers) d.flush?.();
    },
    /** @param {any} points the 2-D points this arm trains on (api.fetchPoints) */
    setPoints(points) {
      setPoints?.(points);
    },
    /** @param {string} text a quiet note (a view this run cannot show), or an error */
    setNote(text) {
      note.textContent = text;
    },
    reset() {
      for (const d of drawers) d.reset?.();
      grads?.reset(gradLayers);
      shownStep = -1;
      showReadouts(undefined, undefined, undefined);
      note.textContent = "";
    },
  };

  /**
   * @param {any} loss
   * @param {any} valLoss
   * @param {any} score
   */
  function showReadouts(loss, valLoss, score) {
    readouts.loss.textContent = formatLoss(loss);
    readouts.valLoss.textContent = formatLoss(valLoss);
    readouts.score.textContent = gan
      ? typeof score === "number" && Number.isFinite(score)
        ? score.toFixed(2)
        : "–"
      : formatScore(score, o.data.task);
  }
}

/**
 * A GAN in one line: "G 2 → 64 → 64 → 64 → 2 · D 2 → 64 → 64 → 64 → 1 · 17,155 parameters".
 * @param {GanInfo} gan
 * @param {number} params
 */
export function describeGan(gan, params) {
  const line = (/** @type {GanNet} */ net) =>
    [net.input_shape.join("×"), ...net.layers.map((l) => l.output_shape.join("×"))].join(" → ");
  return `G ${line(gan.generator)} · D ${line(gan.discriminator)} · ${params.toLocaleString("en")} parameters`;
}

/**
 * The model in one line, input first: "2 → 8 → 1 · 33 parameters" (layers other than dense
 * named: "1×8×8 → conv2d 8×8×8 → …").
 * @param {number[]} inputShape
 * @param {{type: string, output_shape: number[]}[]} layers the validator's, the output last
 * @param {number} params
 */
export function describeModel(inputShape, layers, params) {
  const shapes = layers.map((l) => `${l.type === "dense" ? "" : `${l.type} `}${l.output_shape.join("×")}`);
  return `${[inputShape.join("×"), ...shapes].join(" → ")} · ${params.toLocaleString("en")} parameters`;
}
