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
import { fieldLabel, hotParams, isHot, isPageOnly, parseQuery, specField, specFromState, toQuery, viewsFor } from "./state.js";

const VIEW_FPS = 30;
const MANIFOLD_GRID = 20; // latent grid lines each way
const HEAT_GRID = 80; // cells each way of the discriminator's map
const CHART_INTERVAL_MS = 100;
const RING_RADIUS = 1.5;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const counters = createCounters(RING_RADIUS);
Object.assign(window, { nnp: counters });

async function main() {
  const catalog = await fetchCatalog();
  const kindOf = (/** @type {string} */ dataset) => catalog.gan.datasets[dataset]?.input_kind ?? "points";
  const parsed = parseQuery(location.search, kindOf);
  let state = parsed.state;
  const uPlot = await loadUPlot();

  /** @type {any} the validator's answer for the running spec */
  let validated = null;
  /** @type {Record<string, any> | null} quality values not yet shown */
  let quality = null;
  /** @type {string[]} */
  let problems = [];
  // The digit judge behind an image GAN's quality readout trains on its first use (seconds):
  // the samples are asked for first, the readout once they are on screen.
  let qualityAsked = false;

  const rateMeter = createRateMeter();
  const socket = createSocket({ onEvent: (e) => run.receive(e), onFrame: (f) => run.receiveFrame(f), onConnection: showConnection });
  const player = createPlayer($("player"), { state, onAction: act, onChange: change });
  const setup = createSetupPanel($("data"), $("game"), { catalog, state, kindOf, onChange: change, onPreset: (name) => change(presetSettings(family(), name)) });
  const nets = {
    generator: createNetEditor($("generator"), { side: "generator", title: "Generator (G)", catalog, onChange: change }),
    discriminator: createNetEditor($("discriminator"), { side: "discriminator", title: "Discriminator (D)", catalog, onChange: change }),
  };
  const plane = createPlane($("plane"), { onToggle: (show) => change({ show }), onDraw: (points) => change({ points }) });
  counters.latest = () => plane.latest();
  const images = createImages($("images"), { at: state.at, onSlide: (at) => change({ at }) });
  const readouts = createReadouts($("readouts"), { onJudge: (judge) => change({ judge }) });
  const charts = {
    loss: createChart($("charts"), uPlot, { title: "Losses", xLabel: "step", series: [{ label: "D loss", stroke: "#0877bd" }, { label: "G loss", stroke: "#aa4488" }] }),
    scores: createChart($("charts"), uPlot, { title: "D's verdict: mean P(real)", xLabel: "step", range: [0, 1], series: [{ label: "D(real)", stroke: "#007a59" }, { label: "D(fake)", stroke: "#aa4488", dash: [5, 3] }] }),
  };
  if (parsed.ignored.length) $("notes").textContent = `The link's ${parsed.ignored.join(", ")} could not be read; the defaults stand.`;

  const run = createRunController({
    socket,
    speed: state.speed,
    hooks: {
      validate: () => (state.data === "drawn" && state.points.length < 3 ? Promise.resolve(null) : validateSpec(specFromState(state))),
      prepare,
      view: viewMessage,
      onHello: (hello) => ($("device").textContent = hello.device === "cuda" ? "GPU (CUDA)" : "CPU"),
      onStarted: (spec) => {
        counters.starts += 1;
        counters.spec = spec;
      },
      onPlaying: (on) => player.setPlaying(on),
      onProgress: ({ step, epoch }) => {
        counters.step = step;
        counters.epoch = epoch;
        player.setStep(step);
      },
      onStatus: showRate,
      onMetrics: (points) => {
        for (const p of points) {
          charts.loss.push(p.step, [p.d_loss, p.g_loss]);
          charts.scores.push(p.step, [p.d_real, p.d_fake]);
        }
      },
      onDone: (event) => {
        $("done").textContent = event.detail;
        counters.done = event.reason;
      },
      onReset: () => validated && resetViews(validated),
      onError: reportError,
      onNote: (message) => ($("notes").textContent = message), // a view this data cannot show
      onFrame: (frame) => {
        counters.framesReceived++;
        const v = frame.header.values;
        if (Object.keys(v).some((k) => k.startsWith("gan_quality/"))) quality = v; // slow: keep it
      },
      paint,
      onAnimationFrame: flushReadouts,
    },
  });

  const family = () => presetFamily(state.data, kindOf(state.data));

  /** @param {Record<string, any>} changes */
  function change(changes) {
    if ("data" in changes && changes.data !== state.data) {
      const next = presetFamily(changes.data, kindOf(changes.data));
      if (next !== family()) changes = { ...presetSettings(next), ...changes };
    }
    const names = Object.keys(changes);
    state = { ...state, ...changes };
    const query = toQuery(state, kindOf);
    history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}`);
    render();
    if ("speed" in changes) run.setSpeed(state.speed);
    if ("show" in changes || "judge" in changes) run.sendView();
    if (names.every(isPageOnly)) return;
    if (run.live && names.every((k) => isHot(k) || isPageOnly(k))) run.retune(hotParams(state));
    else run.restartSoon(); // the running networks no longer match the controls: no more frames
  }

  function render() {
    const kind = kindOf(state.data);
    document.documentElement.dataset.kind = kind;
    $("view-title").textContent = kind === "image" ? "Generated digits" : "Real and generated data";
    player.update(state);
    setup.update(state);
    nets.generator.update(state, kind);
    nets.discriminator.update(state, kind);
    plane.setShown(state.show);
    plane.setDrawing(state.data === "drawn" ? state.points : null);
    readouts.setJudge(state.judge, kind);
  }

  /**
   * Shows the validator's answer: the networks' shapes, or the errors (nothing then trains).
   * @param {any} answer null: too few points drawn to validate
   * @returns {{spec: Record<string, any>} | null} the spec to start
   */
  function prepare(answer) {
    clearErrors(document);
    problems = [];
    if (!answer) {
      resetViews(null);
      $("done").textContent = "Draw the real data on the plane: press and drag (at least 3 points).";
      return null;
    }
    if (!answer.valid) {
      for (const e of answer.errors ?? []) reportError(e.field, e.message);
      showNets(null);
      return null;
    }
    validated = answer;
    showNets(answer);
    resetViews(answer);
    return { spec: specFromState(state) }; // hot settings changed meanwhile are in it
  }

  /** @param {any} answer the validator's summary, or null */
  function showNets(answer) {
    nets.generator.showInfo(answer?.generator ?? null);
    nets.discriminator.showInfo(answer?.discriminator ?? null);
    $("param-count").textContent = answer ? `${answer.total_params.toLocaleString("en")} parameters in all · latent size ${answer.latent_size}` : "";
  }

  /** @param {any} answer the new run's summary (null: no run) */
  function resetViews(answer) {
    charts.loss.reset();
    charts.scores.reset();
    plane.reset();
    images.reset();
    readouts.reset(answer?.data.input_kind ?? kindOf(state.data));
    if (answer?.data.domain) plane.setDomain(answer.data.domain);
    quality = null;
    qualityAsked = false;
    counters.quality = {};
    counters.paintedStep = -1;
    counters.done = "";
    $("done").textContent = "";
  }

  function viewMessage() {
    if (!validated) return null;
    const kind = validated.data.input_kind;
    const views = viewsFor(kind, state.show, state.judge).filter((v) => v !== "gan_quality" || qualityAsked || kind !== "image");
    return { type: "view", views, fps: VIEW_FPS, grid: MANIFOLD_GRID, boundary_grid: HEAT_GRID };
  }

  /** @param {import("./player.js").Action} action */
  function act(action) {
    if (action === "play") run.play();
    if (action === "pause") run.pause();
    if (action === "step") run.step(1);
    if (action === "step_d" || action === "step_g") {
      // That side alone, one step; the toggle shows it (and the link keeps it).
      const side = action === "step_d" ? "discriminator" : "generator";
      if (state.train !== side) change({ train: side });
      run.step(1);
    }
    if (action === "reset") run.reset();
  }

  /**
   * The server's words next to the control the field belongs to (the nearest one that has
   * a slot), and every problem, with the field named, under the plane.
   * @param {string} field
   * @param {string} message
   */
  function reportError(field, message) {
    const path = specField(field);
    let slot = path;
    while (slot && !document.querySelector(`[data-error-for="${CSS.escape(slot)}"]`)) slot = slot.includes(".") ? slot.slice(0, slot.lastIndexOf(".")) : "";
    const rest = slot && slot !== path ? `${path.slice(slot.length + 1)}: ` : "";
    if (slot) showError(document, slot, `${rest}${message}`);
    const label = fieldLabel(path);
    problems.push(message.startsWith(label) ? message : `${label}: ${message}`); // the server may name it already
    showError(document, "status", problems.join("; "));
  }

  /** @param {import("../socket.js").ServerEvent} status the live run's */
  function showRate(status) {
    const rate = rateMeter.measure(status.step, status.state === "running");
    counters.stepsPerS = rate ?? 0;
    player.setRate(status.state === "running" ? (rate === null ? "…" : `${Math.round(rate).toLocaleString("en")} steps/s`) : status.state);
  }

  /** @param {import("../frame.js").Frame} frame the newest, painted once on the browser's clock */
  function paint(frame) {
    counters.framesPainted++;
    counters.paintedStep = frame.header.step;
    if (kindOf(state.data) === "image") images.update(frame);
    else plane.update(frame);
    if (!qualityAsked) {
      qualityAsked = true;
      if (validated?.data.input_kind === "image") run.sendView();
    }
  }

  let chartsDrawnAt = 0;

  /** @param {number} now ms: the quality readout and the charts, after the paint */
  function flushReadouts(now) {
    if (quality && run.live) {
      readouts.update(quality);
      counters.quality = Object.fromEntries(Object.entries(quality).filter(([k]) => k.startsWith("gan_quality/")).map(([k, v]) => [k.slice(12), v]));
      quality = null;
    }
    if (now - chartsDrawnAt >= CHART_INTERVAL_MS) {
      chartsDrawnAt = now;
      for (const chart of Object.values(charts)) chart.flush();
    }
  }

  render();
  socket.connect();
  run.startPainting();
  applyGlossary(document.body);
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
