// Unit tests of the GAN page's pure helpers (static/js/gan/): the URL state table and its
// round trip, the presets, the views asked for, the fields named in words, the readouts'
// sentences and the plane's colour scale. Run by `node --test tests/js/`.
import { catalog } from "./catalog.mjs";
import assert from "node:assert/strict";
import { test } from "node:test";

import { createCounters } from "../../static/js/gan/counters.js";
import { readField } from "../../static/js/gan/netEditor.js";
import { heatScale, meanRingDistance } from "../../static/js/gan/plane.js";
import { createRateMeter } from "../../static/js/gan/player.js";
import { GAN_PRESETS, matchingPreset, presetFamily, presetSettings } from "../../static/js/gan/presets.js";
import { qualityText } from "../../static/js/gan/readouts.js";
import {
  addPoint,
  defaultState,
  fieldLabel,
  hotParams,
  MAX_DRAWN,
  parseQuery,
  specField,
  specFromState,
  toQuery,
  viewsFor,
} from "../../static/js/gan/state.js";
import { LAYER_FIELDS } from "../../static/js/state.js";

const kindOf = (d) => (d === "digits" || d === "mnist" ? "image" : "points");

test("the defaults make an empty query and the 2-D preset", () => {
  assert.equal(toQuery(defaultState(undefined, kindOf), kindOf), "");
  const spec = specFromState(defaultState(undefined, kindOf));
  assert.equal(spec.kind, "gan");
  assert.equal(spec.data.dataset, "gaussians8");
  assert.equal(spec.gan.latent_size, 2);
  assert.equal(spec.gan.latent, "uniform");
  assert.deepEqual(spec.gan.generator.layers, Array(3).fill({ type: "dense", units: 64, activation: "leaky_relu" }));
  assert.deepEqual(spec.gan.discriminator.layers, spec.gan.generator.layers);
  assert.equal(spec.gan.generator.lr, 0.001);
  assert.equal(spec.gan.batch_size, 64);
  assert.equal(spec.gan.loss, "non_saturating");
  assert.equal(spec.gan.train_only, "both");
  assert.equal("points" in spec.data, false, "points only for drawn data");
});

test("a state survives the round trip through the URL, and the link stays readable", () => {
  const state = {
    ...defaultState("ring", kindOf),
    noise: 0.3,
    g_lr: 0.0003,
    d_steps: 3,
    loss: "least_squares",
    train: "generator",
    g: [
      { type: "dense", units: 64, activation: "relu" },
      { type: "dropout", p: 0.1 },
    ],
    speed: 5,
    show: ["heat", "fake"],
    seed: 9,
  };
  const query = toQuery(state, kindOf);
  assert.equal(
    query,
    "data=ring&noise=0.3&g=dense:64:relu,dropout:0.1&g_lr=0.0003&d_steps=3&loss=least_squares&train=generator&seed=9&speed=5&show=heat,fake",
  );
  const { state: back, ignored } = parseQuery(`?${query}`, kindOf);
  assert.deepEqual(ignored, []);
  assert.deepEqual(back, state);
});

test("image data takes its family's preset, and the link leaves it out", () => {
  const digits = defaultState("digits", kindOf);
  assert.equal(digits.latent, 16);
  assert.equal(digits.dist, "normal");
  assert.deepEqual(
    digits.g.map((l) => l.units),
    [128, 256],
  );
  assert.deepEqual(
    digits.d.map((l) => l.units),
    [256, 128],
  );
  assert.equal(digits.g_lr, 0.0002);
  assert.equal(toQuery(digits, kindOf), "data=digits");
  const conv = { ...digits, ...presetSettings("digits", "conv") };
  const query = toQuery(conv, kindOf);
  assert.match(query, /g=dense:128:leaky_relu,reshape:8x4x4,upsample:2,conv2d:16:3:1:same:leaky_relu/);
  assert.deepEqual(parseQuery(query, kindOf).state, conv);
  assert.equal(matchingPreset("digits", conv), "conv");
  assert.equal(matchingPreset("digits", { ...conv, latent: 17 }), "");
  assert.equal(digits.judge, true);
  const mnist = defaultState("mnist", kindOf);
  assert.equal(mnist.judge, false, "MNIST's judge takes minutes to train on a CPU: asked for, not by default");
  assert.equal(toQuery({ ...mnist, judge: true }, kindOf), "data=mnist&judge=1");
  assert.equal(parseQuery("?data=mnist&judge=1", kindOf).state.judge, true);
  assert.equal(presetFamily("mnist", "image"), "mnist");
  assert.equal(presetFamily("moons", "points"), "points");
});

test("every preset's layers survive the URL", () => {
  for (const [family, presets] of Object.entries(GAN_PRESETS)) {
    const dataset = family === "points" ? "ring" : family;
    for (const name of Object.keys(presets)) {
      const state = { ...defaultState(dataset, kindOf), ...presetSettings(family, name) };
      assert.deepEqual(parseQuery(toQuery(state, kindOf), kindOf).state, state, `${family}/${name}`);
    }
  }
});

test("values out of the catalog's bounds, or of a bad form, are ignored, as on the playground", () => {
  const { state, ignored } = parseQuery("?latent=0&batch=99999&g_lr=abc&loss=nope&g=dense:x&speed=1e9&at=40", kindOf);
  const defaults = defaultState("gaussians8", kindOf);
  for (const name of ["latent", "batch", "g_lr", "loss", "g", "speed", "at"])
    assert.deepEqual(state[name], defaults[name], name);
  assert.deepEqual(ignored.sort(), ["at", "batch", "g", "g_lr", "latent", "loss", "speed"]);
  const { problems } = parseQuery("?latent=0&loss=nope", kindOf);
  assert.deepEqual(problems, [
    `latent: 0 is less than ${catalog.gan.params.latent_size.min}; using ${defaults.latent}`,
    "loss: 'nope' is not one of classic, non_saturating, least_squares; using non_saturating",
  ]);
  assert.equal(parseQuery("?latent=256&batch=4096&at=10", kindOf).state.batch, 4096);
  assert.deepEqual(parseQuery("?latent=256&batch=4096&at=10", kindOf).ignored, []);
});

test("drawn points travel in the link with two decimals and in the spec as data.points", () => {
  const points = [
    [0.123, -1.5],
    [1, 1],
    [-2, 0.5],
  ];
  const state = { ...defaultState("drawn", kindOf), points };
  const query = toQuery(state, kindOf);
  assert.equal(query, "data=drawn&points=0.12:-1.5,1:1,-2:0.5");
  const back = parseQuery(query, kindOf).state;
  assert.deepEqual(back.points, [
    [0.12, -1.5],
    [1, 1],
    [-2, 0.5],
  ]);
  assert.deepEqual(specFromState(back).data.points, back.points);
  assert.equal(specFromState({ ...back, points: [] }).data.points, null);
  assert.deepEqual(parseQuery("?data=drawn&points=1:2:3", kindOf).ignored, ["points"]);
  assert.equal(toQuery({ ...defaultState("ring", kindOf), points }, kindOf), "data=ring", "points only for drawn data");
});

test("a stroke leaves points about a gap apart, at most MAX_DRAWN", () => {
  const points = [];
  assert.equal(addPoint(points, [0, 0], 0.1), true);
  assert.equal(addPoint(points, [0.05, 0], 0.1), false);
  assert.equal(addPoint(points, [0.123, 0], 0.1), true);
  assert.deepEqual(points, [
    [0, 0],
    [0.12, 0],
  ]);
  const many = Array.from({ length: MAX_DRAWN }, (_, i) => [i, 0]);
  assert.equal(addPoint(many, [-5, -5], 0.1), false);
});

test("hot settings become `set` params; errors' fields map back to the spec", () => {
  const state = { ...defaultState(undefined, kindOf), g_lr: 0.002, loss: "classic", train: "discriminator", batch: 32 };
  assert.deepEqual(hotParams(state), {
    g_lr: 0.002,
    d_lr: 0.001,
    d_steps: 1,
    gan_loss: "classic",
    batch_size: 32,
    train_only: "discriminator",
  });
  assert.equal(specField("params.g_lr"), "gan.generator.lr");
  assert.equal(specField("params.train_only"), "gan.train_only");
  assert.equal(specField("spec.gan.latent_size"), "gan.latent_size");
  assert.equal(fieldLabel("gan.latent_size"), "latent size");
  assert.equal(fieldLabel("gan.generator.layers.1"), "generator layer 2");
  assert.equal(fieldLabel("gan.discriminator.layers.0.units"), "discriminator layer 1 units");
  assert.equal(fieldLabel("gan.discriminator.layers"), "discriminator layers");
  assert.equal(fieldLabel("gan.generator.lr"), "generator learning rate");
});

test("the views asked for follow the data and the layers shown", () => {
  assert.deepEqual(viewsFor("image", []), ["metrics", "gan_images", "gan_interpolation", "gan_quality"]);
  assert.deepEqual(viewsFor("image", [], false), ["metrics", "gan_images", "gan_interpolation"]);
  assert.deepEqual(viewsFor("points", ["heat", "manifold", "real", "fake", "arrows"]), [
    "metrics",
    "gan_quality",
    "gan_discriminator",
    "gan_manifold",
    "gan_samples",
    "gan_gradients",
  ]);
  assert.deepEqual(viewsFor("points", ["heat"]), ["metrics", "gan_quality", "gan_discriminator"]);
  assert.deepEqual(viewsFor("points", ["real"]), ["metrics", "gan_quality", "gan_samples"]);
});

test("a layer's field reads a typed value or nothing (bounds included)", () => {
  const units = LAYER_FIELDS.dense[0];
  const shape = LAYER_FIELDS.reshape[0];
  assert.equal(readField(units, "64"), 64);
  assert.equal(readField(units, "0"), undefined);
  assert.equal(readField(units, "2.5"), undefined);
  assert.equal(readField(units, ""), undefined);
  assert.deepEqual(readField(shape, "16x7x7"), [16, 7, 7]);
  assert.deepEqual(readField(shape, "16 × 7 × 7"), [16, 7, 7]);
  assert.equal(readField(shape, "16x7x7x2"), undefined);
  assert.equal(readField(shape, "0x7"), undefined);
});

test("the quality sentence: modes and on-data share, or confident digits and classes", () => {
  assert.equal(
    qualityText({ "gan_quality/modes": 8, "gan_quality/modes_covered": 7, "gan_quality/on_data": 0.843 }, "points"),
    "7 of 8 modes · 84 % of fakes on the data",
  );
  assert.equal(qualityText({ "gan_quality/on_data": 0.5 }, "points"), "50 % of fakes on the data");
  assert.equal(
    qualityText({ "gan_quality/confident": 0.62, "gan_quality/classes": 9 }, "image"),
    "62 % confident digits · 9 of 10 classes",
  );
  assert.equal(qualityText({}, "image"), "judging the digits…");
  assert.equal(qualityText({}, "points"), "");
});

test("the plane: a ring's distance and the discriminator's colours", () => {
  const onRing = [1.5, 0, 0, -1.5, -1.5 / Math.SQRT2, 1.5 / Math.SQRT2];
  assert.ok(meanRingDistance(onRing, 1.5) < 1e-12);
  assert.equal(meanRingDistance([0, 0, 3, 0], 1.5), 1.5);
  assert.ok(Number.isNaN(meanRingDistance([], 1.5)));
  const lut = heatScale(0, 1);
  const rgb = (b) => [...lut.slice(3 * b, 3 * b + 3)];
  const [fake, unsure, real] = [rgb(0), rgb(128), rgb(255)];
  assert.ok(real[1] > real[0] && real[1] > real[2], "real is green");
  assert.ok(fake[0] > fake[1] && fake[2] > fake[1], "fake is purple");
  assert.ok(Math.max(...unsure) - Math.min(...unsure) < 6, "unsure is grey");
  const flat = heatScale(0.5, 0.5);
  assert.deepEqual([...flat.slice(0, 3)], [...flat.slice(765, 768)], "a flat map is one colour");
});

test("steps per second as seen: counted over a second, nothing while paused", () => {
  const meter = createRateMeter();
  assert.equal(meter.measure(0, true, 0), null);
  assert.equal(meter.measure(3, true, 500), null, "not yet a second");
  assert.equal(meter.measure(30, true, 1000), 30);
  assert.equal(meter.measure(31, true, 1500), 30, "kept until the next second");
  assert.equal(meter.measure(90, true, 3000), 30);
  assert.equal(meter.measure(90, false, 3100), null);
  assert.equal(meter.measure(0, true, 3200), null, "a reset starts again");
});

test("the counters copy the samples only when read", () => {
  const counters = createCounters(1.5);
  assert.equal(counters.fake, null);
  assert.ok(Number.isNaN(counters.ringDistance));
  counters.latest = () => ({ real: new Float32Array([0, 1]), fake: new Float32Array([3, 0, 0, 0]) });
  assert.deepEqual(counters.fake, [3, 0, 0, 0]);
  assert.deepEqual(counters.real, [0, 1]);
  assert.equal(counters.ringDistance, 1.5);
});
