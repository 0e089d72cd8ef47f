// @ts-check
/**
 * Wires the GAN page (/gan): the state (mirrored in the URL, gan/state.js), the views, the
 * socket and the server's HTTP API, as the playground's main.js does. A hot change (learning
 * rates, D steps, loss, batch size, which side trains) retunes the live run with `set` and
 * keeps both networks' weights; any other change validates the new spec and starts a new
 * run. The run's control (restart, reset, play, stale-event gating, progress, painting on
 * the browser's animation clock, error routing) is runController.js's.
 */

import { fetchCatalog, validateSpec } from "../api.js";
import { applyGlossary } from "../glossary.js";
import { createRunController } from "../runController.js";
import { createSocket } from "../socket.js";
import { createChart, loadUPlot } from "../views/charts.js";
import { clearErrors, showError } from "../views/controls.js";
import { createCounters } from "./counters.js";
import { createImages } from "./images.js";
import { createNetEditor } from "./netEditor.js";
import { createPlane } from "./plane.js";
import { createPlayer, createRateMeter } from "./player.js";
import { presetFamily, presetSettings } from "./presets.js";
import { createReadouts } from "./readouts.js";
import { createSetupPanel } from "./setupPanel.js";
import {
  fieldLabel,
  hotParams,
  isHot,
  isPageOnly,
  parseQuery,
  specField,
  specFromState,
  toQuery,
  useGanCatalog,
  viewsFor,
} from "./state.js";

const VIEW_FPS = 30;
const MANIFOLD_GRID = 20; // latent grid lines each way
const HEAT_GRID = 80; // cells each way of the discriminator's map
const CHART_INTERVAL_MS = 100;
const RING_RADIUS = 1.5;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const counters = createCounters(RING_RADIUS);
Object.assign(window, { nnp: counters });

/**
 * The page: its state, its views and its run, shared by the functions below (each takes it).
 * @typedef {{
 *   kindOf: (data: string) => string,
 *   state: Record<string, any>,
 *   validated: any,
 *   quality: Record<string, any> | null,
 *   problems: string[],
 *   qualityAsked: boolean,
 *   chartsDrawnAt: number,
 *   rateMeter: ReturnType<typeof createRateMeter>,
 *   views: ReturnType<typeof mountViews>,
 *   run: ReturnType<typeof createRunController>,
 * }} GanPage
 * `validated`: the validator's answer for the running spec; `quality`: quality values not
 * yet shown; `qualityAsked`: the digit judge behind an image GAN's quality readout trains on
 * its first use (seconds), so the samples are asked for first, the readout once they are on
 * screen; `problems`: the errors shown under the plane.
 */

async function main() {
  const catalog = await fetchCatalog();
  useGanCatalog(catalog); // the settings' choices and the layers' fields, before the link is read
  const kindOf = (/** @type {string} */ dataset) => catalog.gan.datasets[dataset]?.input_kind ?? "points";
  const parsed = parseQuery(location.search, kindOf);
  const uPlot = await loadUPlot();
  /** @type {GanPage} */
  const page = {
    kindOf,
    state: parsed.state,
    validated: null,
    quality: null,
    problems: [],
    qualityAsked: false,
    chartsDrawnAt: 0,
    rateMeter: createRateMeter(),
    views: /** @type {any} */ (null),
    run: /** @type {any} */ (null), // set just below: each needs the page
  };
  page.views = mountViews(page, catalog, uPlot);
  const socket = createSocket({
    onEvent: (e) => page.run.receive(e),
    onFrame: (f) => page.run.receiveFrame(f),
    onConnection: showConnection,
  });
  page.run = createRunController({ socket, speed: page.state.speed, hooks: runHooks(page) });
  if (parsed.problems.length)
    $("notes").textContent = `Some of the link could not be read: ${parsed.problems.join("; ")}.`;
  render(page);
  socket.connect();
  page.run.startPainting();
  applyGlossary(document.body);
}

/**
 * The page's views, each reporting what the user did.
 * @param {GanPage} page
 * @param {any} catalog
 * @param {any} uPlot
 */
function mountViews(page, catalog, uPlot) {
  const change = (/** @type {Record<string, any>} */ changes) => changeState(page, changes);
  const { state, kindOf } = page;
  const onPreset = (/** @type {string} */ name) => change(presetSettings(family(page), name));
  const plane = createPlane($("plane"), {
    onToggle: (show) => change({ show }),
    onDraw: (points) => change({ points }),
  });
  counters.latest = () => plane.latest();
  return {
    player: createPlayer($("player"), { state, onAction: (action) => act(page, action), onChange: change }),
    setup: createSetupPanel($("data"), $("game"), { catalog, state, kindOf, onChange: change, onPreset }),
    nets: {
      generator: createNetEditor($("generator"), {
        side: "generator",
        title: "Generator (G)",
        catalog,
        onChange: change,
      }),
      discriminator: createNetEditor($("discriminator"), {
        side: "discriminator",
        title: "Discriminator (D)",
        catalog,
        onChange: change,
      }),
    },
    plane,
    images: createImages($("images"), { at: state.at, onSlide: (at) => change({ at }) }),
    readouts: createReadouts($("readouts"), { onJudge: (judge) => change({ judge }) }),
    charts: {
      loss: createChart($("charts"), uPlot, {
        title: "Losses",
        xLabel: "step",
        series: [
          { label: "D loss", stroke: "#0877bd" },
          { label: "G loss", stroke: "#aa4488" },
        ],
      }),
      scores: createChart($("charts"), uPlot, {
        title: "D's verdict: mean P(real)",
        xLabel: "step",
        range: [0, 1],
        series: [
          { label: "D(real)", stroke: "#007a59" },
          { label: "D(fake)", stroke: "#aa4488", dash: [5, 3] },
        ],
      }),
    },
  };
}

/**
 * The run's events, as this page shows them (runController.js calls them).
 * @param {GanPage} page
 * @returns {import("../runController.js").RunHooks}
 */
function runHooks(page) {
  const { views } = page;
  return {
    validate: () =>
      page.state.data === "drawn" && page.state.points.length < 3
        ? Promise.resolve(null)
        : validateSpec(specFromState(page.state)),
    prepare: (answer) => prepare(page, answer),
    view: () => viewMessage(page),
    onHello: (hello) => ($("device").textContent = hello.device === "cuda" ? "GPU (CUDA)" : "CPU"),
    onStarted: (spec) => {
      counters.starts += 1;
      counters.spec = spec;
    },
    onPlaying: (on) => views.player.setPlaying(on),
    onProgress: ({ step, epoch }) => {
      counters.step = step;
      counters.epoch = epoch;
      views.player.setStep(step);
    },
    onStatus: (status) => showRate(page, status),
    onMetrics: (points) => {
      for (const p of points) {
        views.charts.loss.push(p.step, [p.d_loss, p.g_loss]);
        views.charts.scores.push(p.step, [p.d_real, p.d_fake]);
      }
    },
    onDone: (event) => {
      $("done").textContent = event.detail;
      counters.done = event.reason;
    },
    onReset: () => page.validated && resetViews(page, page.validated),
    onError: (field, message) => reportError(page, field, message),
    onNote: (message) => ($("notes").textContent = message), // a view this data cannot show
    onFrame: (frame) => {
      counters.framesReceived++;
      const v = frame.header.values;
      if (Object.keys(v).some((k) => k.startsWith("gan_quality/"))) page.quality = v; // slow: keep it
    },
    paint: (frame) => paint(page, frame),
    onAnimationFrame: (now) => flushReadouts(page, now),
  };
}

/** @param {GanPage} page */
function family(page) {
  return presetFamily(page.state.data, page.kindOf(page.state.data));
}

/**
 * @param {GanPage} page
 * @param {Record<string, any>} changes
 */
function changeState(page, changes) {
  const { kindOf, run } = page;
  if ("data" in changes && changes.data !== page.state.data) {
    const next = presetFamily(changes.data, kindOf(changes.data));
    if (next !== family(page)) changes = { ...presetSettings(next), ...changes };
  }
  const names = Object.keys(changes);
  const state = (page.state = { ...page.state, ...changes });
  const query = toQuery(state, kindOf);
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}`);
  render(page);
  if ("speed" in changes) run.setSpeed(state.speed);
  if ("show" in changes || "judge" in changes) run.sendView();
  if (names.every(isPageOnly)) return;
  if (run.live && names.every((k) => isHot(k) || isPageOnly(k))) run.retune(hotParams(state));
  else run.restartSoon(); // the running networks no longer match the controls: no more frames
}

/** @param {GanPage} page */
function render({ state, kindOf, views }) {
  const kind = kindOf(state.data);
  document.documentElement.dataset.kind = kind;
  $("view-title").textContent = kind === "image" ? "Generated digits" : "Real and generated data";
  views.player.update(state);
  views.setup.update(state);
  views.nets.generator.update(state, kind);
  views.nets.discriminator.update(state, kind);
  views.plane.setShown(state.show);
  views.plane.setDrawing(state.data === "drawn" ? state.points : null);
  views.readouts.setJudge(state.judge, kind);
}

/**
 * Shows the validator's answer: the networks' shapes, or the errors (nothing then trains).
 * @param {GanPage} page
 * @param {any} answer null: too few points drawn to validate
 * @returns {{spec: Record<string, any>} | null} the spec to start
 */
function prepare(page, answer) {
  clearErrors(document);
  page.problems = [];
  if (!answer) {
    resetViews(page, null);
    $("done").textContent = "Draw the real data on the plane: press and drag (at least 3 points).";
    return null;
  }
  if (!answer.valid) {
    for (const e of answer.errors ?? []) reportError(page, e.field, e.message);
    showNets(page, null);
    return null;
  }
  page.validated = answer;
  showNets(page, answer);
  resetViews(page, answer);
  return { spec: specFromState(page.state) }; // hot settings changed meanwhile are in it
}

/**
 * @param {GanPage} page
 * @param {any} answer the validator's summary, or null
 */
function showNets({ views }, answer) {
  views.nets.generator.showInfo(answer?.generator ?? null);
  views.nets.discriminator.showInfo(answer?.discriminator ?? null);
  $("param-count").textContent = answer
    ? `${answer.total_params.toLocaleString("en")} parameters in all · latent size ${answer.latent_size}`
    : "";
}

/**
 * @param {GanPage} page
 * @param {any} answer the new run's summary (null: no run)
 */
function resetViews(page, answer) {
  const { views } = page;
  views.charts.loss.reset();
  views.charts.scores.reset();
  views.plane.reset();
  views.images.reset();
  views.readouts.reset(answer?.data.input_kind ?? page.kindOf(page.state.data));
  if (answer?.data.domain) views.plane.setDomain(answer.data.domain);
  page.quality = null;
  page.qualityAsked = false;
  counters.quality = {};
  counters.paintedStep = -1;
  counters.done = "";
  $("done").textContent = "";
}

/** @param {GanPage} page */
function viewMessage({ validated, state, qualityAsked }) {
  if (!validated) return null;
  const kind = validated.data.input_kind;
  const views = viewsFor(kind, state.show, state.judge).filter(
    (v) => v !== "gan_quality" || qualityAsked || kind !== "image",
  );
  return { type: "view", views, fps: VIEW_FPS, grid: MANIFOLD_GRID, boundary_grid: HEAT_GRID };
}

/**
 * @param {GanPage} page
 * @param {import("./player.js").Action} action
 */
function act(page, action) {
  const { run } = page;
  if (action === "play") run.play();
  if (action === "pause") run.pause();
  if (action === "step") run.step(1);
  if (action === "step_d" || action === "step_g") {
    // That side alone, one step; the toggle shows it (and the link keeps it).
    const side = action === "step_d" ? "discriminator" : "generator";
    if (page.state.train !== side) changeState(page, { train: side });
    run.step(1);
  }
  if (action === "reset") run.reset();
}

/**
 * The server's words next to the control the field belongs to (the nearest one that has
 * a slot), and every problem, with the field named, under the plane.
 * @param {GanPage} page
 * @param {string} field
 * @param {string} message
 */
function reportError(page, field, message) {
  const path = specField(field);
  let slot = path;
  while (slot && !document.querySelector(`[data-error-for="${CSS.escape(slot)}"]`))
    slot = slot.includes(".") ? slot.slice(0, slot.lastIndexOf(".")) : "";
  const rest = slot && slot !== path ? `${path.slice(slot.length + 1)}: ` : "";
  if (slot) showError(document, slot, `${rest}${message}`);
  const label = fieldLabel(path);
  page.problems.push(message.startsWith(label) ? message : `${label}: ${message}`); // the server may name it already
  showError(document, "status", page.problems.join("; "));
}

/**
 * @param {GanPage} page
 * @param {import("../socket.js").ServerEvent} status the live run's
 */
function showRate({ rateMeter, views }, status) {
  const rate = rateMeter.measure(status.step, status.state === "running");
  counters.stepsPerS = rate ?? 0;
  views.player.setRate(
    status.state === "running"
      ? rate === null
        ? "…"
        : `${Math.round(rate).toLocaleString("en")} steps/s`
      : status.state,
  );
}

/**
 * @param {GanPage} page
 * @param {import("../frame.js").Frame} frame the newest, painted once on the browser's clock
 */
function paint(page, frame) {
  counters.framesPainted++;
  counters.paintedStep = frame.header.step;
  if (page.kindOf(page.state.data) === "image") page.views.images.update(frame);
  else page.views.plane.update(frame);
  if (!page.qualityAsked) {
    page.qualityAsked = true;
    if (page.validated?.data.input_kind === "image") page.run.sendView();
  }
}

/**
 * The quality readout and the charts, after the paint.
 * @param {GanPage} page
 * @param {number} now ms
 */
function flushReadouts(page, now) {
  const quality = page.quality;
  if (quality && page.run.live) {
    page.views.readouts.update(quality);
    counters.quality = Object.fromEntries(
      Object.entries(quality)
        .filter(([k]) => k.startsWith("gan_quality/"))
        .map(([k, v]) => [k.slice(12), v]),
    );
    page.quality = null;
  }
  if (now - page.chartsDrawnAt >= CHART_INTERVAL_MS) {
    page.chartsDrawnAt = now;
    for (const chart of Object.values(page.views.charts)) chart.flush();
  }
}

/**
 * @param {"connecting" | "open" | "lost"} connection
 * @param {string} detail
 */
function showConnection(connection, detail) {
  const banner = $("connection");
  banner.textContent = detail;
  banner.dataset.state = connection;
  if (connection === "open") setTimeout(() => banner.dataset.state === "open" && (banner.textContent = ""), 2000);
}

main().catch((error) => {
  const banner = $("connection");
  banner.dataset.state = "lost";
  banner.textContent = `The page could not start: ${error.message}`;
});
