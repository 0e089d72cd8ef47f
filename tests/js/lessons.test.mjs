// Unit tests of lesson mode's pure helpers (static/js/lessons/): when an arm has trained,
// what each card shows and asks for, the shared charts' table, the verdict's words, the
// menu's links.
import { catalog } from "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import { hasFinished, remainingSteps } from "../../static/js/lessons/arm.js";
import {
  armParts,
  describeGan,
  describeModel,
  formatLoss,
  formatScore,
  frameViews,
  highlightedPart,
} from "../../static/js/lessons/armPanel.js";
import { mergeSeries, plotLayout, plottable } from "../../static/js/lessons/compareChart.js";
import { paceFor } from "../../static/js/lessons/armGroup.js";
import { weightLayers } from "../../static/js/lessons/lessonMode.js";
import { lessonHref, playgroundHref, sortLessons } from "../../static/js/lessons/lessonsMenu.js";
import { chartAxis, chartKinds, framePoint, title } from "../../static/js/lessons/sharedCharts.js";
import { formatMeasure, judgeAnswer } from "../../static/js/lessons/verdict.js";

const points = { input_kind: "points", task: "binary", classes: ["0", "1"], input_shape: [2] };
const dense = [{ type: "dense" }, { type: "dense" }];

test("remainingSteps: what is left of the budget, never negative", () => {
  assert.equal(remainingSteps(0, 300), 300);
  assert.equal(remainingSteps(120, 300), 180);
  assert.equal(remainingSteps(300, 300), 0);
  assert.equal(remainingSteps(310, 300), 0);
});

test("hasFinished: paused at the budget, or done for any reason", () => {
  assert.equal(hasFinished({ state: "paused", step: 300 }, 300), true);
  assert.equal(hasFinished({ state: "paused", step: 120 }, 300), false);
  assert.equal(hasFinished({ state: "running", step: 300 }, 300), false);
  assert.equal(hasFinished({ state: "ready", step: 0 }, 300), false);
  assert.equal(hasFinished({ state: "done", step: 40 }, 300), true);
});

/** A layer as the validator reports it, with the views the catalog says its type offers. */
const layer = (/** @type {string} */ type) => ({ type, views: catalog.layers[type].views });

test("armParts: the lesson's views this run can show, network and boundary one map on points", () => {
  assert.deepEqual(armParts(["loss", "network", "boundary", "grad_norms"], points, dense), ["boundary", "grad_norms"]);
  assert.deepEqual(armParts(["feature_maps", "hidden_states", "attention", "time_grads"], points, dense), []);
  const sequence = { input_kind: "sequence", task: "multiclass", classes: ["a", "b", "c", "d"], input_shape: [15, 4] };
  assert.deepEqual(armParts(["time_grads", "hidden_states", "attention", "confusion"], sequence, [layer("lstm")]), [
    "hidden_states",
    "time_grads",
    "confusion",
  ]);
  assert.deepEqual(armParts(["time_grads", "attention"], sequence, [layer("attention")]), ["time_grads", "attention"]);
  const image = { input_kind: "image", task: "multiclass", classes: ["0", "1"], input_shape: [1, 8, 8] };
  assert.deepEqual(armParts(["feature_maps", "boundary"], image, [layer("conv2d")]), ["feature_maps"]);
  assert.deepEqual(armParts(["confusion"], { ...points, task: "regression" }, dense), []);
});

test("frameViews: metrics always, then what each part draws", () => {
  assert.deepEqual(frameViews([]), ["metrics"]);
  assert.deepEqual(frameViews(["boundary", "grad_norms", "histograms"]), [
    "metrics",
    "boundary",
    "histograms",
    "activation_stats",
  ]);
  assert.deepEqual(frameViews(["feature_maps", "confusion"]), ["metrics", "feature_maps", "example", "confusion"]);
});

test("highlightedPart: the part the lesson marks, network meaning the map on points", () => {
  assert.equal(highlightedPart("network", ["boundary"]), "boundary");
  assert.equal(highlightedPart("grad_norms", ["boundary", "grad_norms"]), "grad_norms");
  assert.equal(highlightedPart("loss", ["boundary"]), null); // a shared chart, not a card's
  assert.equal(highlightedPart(null, ["boundary"]), null);
});

test("readouts: losses to 3 decimals, diverged in words, accuracy in percent, R² as it is", () => {
  assert.equal(formatLoss(0.12345), "0.123");
  assert.equal(formatLoss(null), "diverged");
  assert.equal(formatLoss(undefined), "–");
  assert.equal(formatLoss(12345), "1.23e+4");
  assert.equal(formatScore(0.955, "binary"), "95.5%");
  assert.equal(formatScore(0.5, "regression"), "0.500");
  assert.equal(formatScore(null, "binary"), "–");
  assert.equal(
    describeModel(
      [2],
      [
        { type: "dense", output_shape: [4] },
        { type: "dense", output_shape: [1] },
      ],
      17,
    ),
    "2 → 4 → 1 · 17 parameters",
  );
});

test("mergeSeries: the union of steps, a gap where a series has no point", () => {
  const a = new Map([
    [10, 0.5],
    [20, 0.4],
  ]);
  const b = new Map([
    [5, 0.9],
    [20, null],
    [30, 0.1],
  ]);
  assert.deepEqual(mergeSeries([a, b]), [
    [5, 10, 20, 30],
    [null, 0.5, 0.4, null],
    [0.9, null, null, 0.1],
  ]);
  assert.deepEqual(mergeSeries([]), [[]]);
  assert.equal(plottable(0, true), null);
  assert.equal(plottable(Infinity), null);
  assert.equal(plottable(null), null);
  assert.equal(plottable(0), 0);
});

test("judgeAnswer: right, wrong (with the answer) or skipped", () => {
  const q = { text: "?", choices: ["one", "two", "none"], answer: 1 };
  assert.deepEqual(judgeAnswer(q, 1), { right: true, text: "Your answer, “two”, was right." });
  assert.equal(judgeAnswer(q, 0).right, false);
  assert.match(judgeAnswer(q, 0).text, /You answered “one”; the answer is “two”/);
  assert.equal(judgeAnswer(q, null).right, null);
  assert.equal(formatMeasure(0.123456), "0.1235");
  assert.equal(formatMeasure(3.2e-7), "3.20e-7");
  assert.equal(formatMeasure(null), "∞");
});

test("the menu: lessons in order; links keep the address's other settings", () => {
  const sorted = sortLessons([
    { id: "b", title: "B", concept: "", order: 2 },
    { id: "a", title: "A", concept: "", order: 1 },
  ]);
  assert.deepEqual(
    sorted.map((l) => l.id),
    ["a", "b"],
  );
  assert.equal(lessonHref("perceptron", ""), "/?lesson=perceptron");
  assert.equal(
    lessonHref("perceptron", "?lesson=old&seed=3&layers=dense:8:tanh,dense:2:tanh"),
    "/?lesson=perceptron&seed=3&layers=dense:8:tanh,dense:2:tanh",
  );
  assert.equal(playgroundHref("?lesson=perceptron&seed=3&hide=lr"), "/?seed=3&hide=lr");
  assert.equal(playgroundHref("?lesson=perceptron"), "/");
});

test("weightLayers: depth counts the layers with weights", () => {
  assert.equal(weightLayers([{ params: 12 }, { params: 0 }, { params: 5 }]), 2);
});

test("paceFor: the steps per second that train the lesson in about that many seconds", () => {
  assert.equal(paceFor(300, 10), 30);
  assert.equal(paceFor(5, 10), 1); // never slower than a step a second
  assert.equal(paceFor(300, 0), null);
});

test("framePoint: a frame's metrics view as a metric point; none without it", () => {
  const values = {
    "metrics/step": 40,
    "metrics/epoch": 2,
    "metrics/train_loss": 0.5,
    "metrics/val_loss": null,
    "metrics/train_score": 0.8,
    "metrics/val_score": 0.75,
    "metrics/lr": 0.03,
    "metrics/grad_norms/dense0": 0.01,
    "metrics/grad_norms/output": 0.2,
    "activation_stats/dense0/dead": 0.1,
  };
  assert.deepEqual(framePoint(values), {
    step: 40,
    train_loss: 0.5,
    val_loss: null,
    train_score: 0.8,
    val_score: 0.75,
    grad_norms: { dense0: 0.01, output: 0.2 },
  });
  assert.equal(framePoint({ "activation_stats/dense0/dead": 0.1 }), null);
});

test("a GAN's arm draws the plane and its charts are each network's loss", () => {
  const gaussians = { input_kind: "points", task: "", classes: [], input_shape: [2] };
  assert.deepEqual(armParts(["gan_plane", "gan_losses"], gaussians, [], true), ["gan_plane"]);
  assert.deepEqual(frameViews(["gan_plane"]), [
    "metrics",
    "gan_samples",
    "gan_discriminator",
    "gan_manifold",
    "gan_gradients",
  ]);
  assert.deepEqual(
    chartKinds(false, true).map((k) => [k.key, k.title, k.split]),
    [
      ["d_loss", "Discriminator loss", null],
      ["g_loss", "Generator loss", null],
    ],
  );
  assert.deepEqual(
    chartKinds(false, false).map((k) => k.split),
    ["train", "val"],
  );
  const point = framePoint({
    "metrics/step": 40,
    "metrics/epoch": 2,
    "metrics/d_loss": 1.2,
    "metrics/g_loss": 0.8,
    "metrics/d_real": 0.6,
    "metrics/d_fake": null,
  });
  assert.deepEqual(
    [point?.step, point?.d_loss, point?.g_loss, point?.d_real, point?.d_fake],
    [40, 1.2, 0.8, 0.6, null],
  );
  assert.equal("d_loss" in (framePoint({ "metrics/step": 1, "metrics/train_loss": 0.5 }) ?? {}), false);
  const net = (/** @type {number[]} */ ...sizes) => ({
    input_shape: [2],
    layers: sizes.map((n) => ({ name: "", type: "dense", output_shape: [n], params: 1 })),
  });
  assert.equal(
    describeGan({ generator: net(64, 2), discriminator: net(64, 1), latent_size: 2 }, 17219),
    "G 2 → 64 → 2 · D 2 → 64 → 1 · 17,219 parameters",
  );
});

test("chartAxis: the lesson's loss_axis shapes the loss chart only", () => {
  assert.deepEqual(chartAxis("loss", "shared", false), {});
  assert.deepEqual(chartAxis("loss", "log", false), { logY: true });
  assert.deepEqual(chartAxis("loss", "per_loss", false, ["cross_entropy", "mse", "mse"]), {
    axes: { of: [0, 1, 1], labels: ["cross_entropy", "mse"] },
  });
  assert.deepEqual(chartAxis("accuracy", "log", false), { range: [0, 1] });
  assert.deepEqual(chartAxis("accuracy", "per_loss", true, ["mse"]), {});
  assert.equal(title("Loss", "train", { logY: true }), "Loss on the training data (log scale)");
  assert.equal(title("Loss", "train", { axes: {} }), "Loss on the training data (each loss on its own axis)");
});

test("plotLayout: one y scale for every arm, or a scale and an axis per loss", () => {
  const shared = plotLayout(["mse", "cross_entropy"], { title: "t" });
  assert.deepEqual(Object.keys(shared.scales), ["x", "y"]);
  assert.deepEqual(
    shared.series.slice(1).map((s) => s.scale),
    ["y", "y"],
  );
  assert.equal(shared.axes.length, 2);
  const log = plotLayout(["a", "b", "c"], { title: "t", logY: true });
  assert.deepEqual(log.scales.y, { distr: 3 });
  const axes = { of: [0, 1, 1], labels: ["cross_entropy", "mse"] };
  const own = plotLayout(["cross_entropy", "mse", "mse_fast"], { title: "t", axes });
  assert.deepEqual(Object.keys(own.scales), ["x", "y0", "y1"]);
  assert.deepEqual(
    own.series.slice(1).map((s) => s.scale),
    ["y0", "y1", "y1"],
  );
  assert.deepEqual(
    own.axes.slice(1).map((a) => [a.scale, a.side, a.label, a.stroke]),
    [
      ["y0", 3, "cross_entropy", own.series[1].stroke],
      ["y1", 1, "mse", own.series[2].stroke],
    ],
  );
});

test("chartKinds: the loss chart starts on the data the lesson names", () => {
  assert.equal(chartKinds(false, false)[0].split, "train");
  assert.equal(chartKinds(false, false, "val")[0].split, "val");
  assert.equal(chartKinds(false, false, "val")[1].split, "val");
  assert.equal(chartKinds(false, true, "val")[0].split, null);
});
