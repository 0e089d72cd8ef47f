// @ts-check
/**
 * Wires the GAN page (/gan): the state (mirrored in the URL, gan/state.js), the views, the
 * socket and the server's HTTP API, as the playground's main.js does. A hot change (learning
 * rates, D steps, loss, batch size, which side trains) retunes the live run with `set` and
 * keeps both networks' weights; any other change validates the new spec and starts a new
 * run. Frames are kept latest-wins and painted on the browser's animation clock.
 */

import { fetchCatalog, validateSpec } from "../api.js";
import { applyGlossary } from "../glossary.js";
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
import { fieldLabel, hotParams, isHot, isPageOnly, parseQuery, specField, specFromState, toQuery, useGanCatalog, viewsFor } from "./state.js";

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
  useGanCatalog(catalog); // the settings' choices and the layers' fields, before the link is read
  const kindOf = (/** @type {string} */ dataset) => catalog.gan.datasets[dataset]?.input_kind ?? "points";
  const parsed = parseQuery(location.search, kindOf);
  let state = parsed.state;
  const uPlot = await loadUPlot();

  let playing = false;
  let live = false; // a run of the current spec was started (a `set` can retune it)
  let restarting = true; // until this page starts its own run, frames are someone else's
  let generation = 0;
  let startTimer = 0;
  /** @type {any} the validator's answer for the running spec */
  let validated = null;
  /** @type {import("../frame.js").Frame | null} */
  let pending = null;
  /** @type {number | null} the step a reset was asked at, until the server answers it */
  let resetFrom = null;
  /** @type {Record<string, any> | null} quality values not yet shown */
  let quality = null;
  /** @type {string[]} */
  let problems = [];
  // The digit judge behind an image GAN's quality readout trains on its first use (seconds):
  // the samples are asked for first, the readout once they are on screen.
  let qualityAsked = false;

  const rateMeter = createRateMeter();
  const socket = createSocket({ onEvent, onFrame, onConnection: showConnection });
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
  if (parsed.problems.length) $("notes").textContent = `Some of the link could not be read: ${parsed.problems.join("; ")}.`;

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
    if ("speed" in changes) socket.send({ type: "speed", steps_per_second: state.speed });
    if ("show" in changes || "judge" in changes) sendView();
    if (names.every(isPageOnly)) return;
    if (live && names.every((k) => isHot(k) || isPageOnly(k))) {
      socket.send({ type: "set", params: hotParams(state) });
      return;
    }
    clearTimeout(startTimer);
    generation += 1;
    live = false;
    restarting = true; // the running networks no longer match the controls: no more frames
    startTimer = setTimeout(restart, 120); // a burst of clicks starts one run
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

  /** Validates the state's spec, shows the networks' shapes (or the errors) and starts it. */
  async function restart() {
    const mine = generation;
    if (state.data === "drawn" && state.points.length < 3) {
      stopOld();
      clearErrors(document);
      resetViews(null);
      $("done").textContent = "Draw the real data on the plane: press and drag (at least 3 points).";
      return;
    }
    const answer = await validateSpec(specFromState(state));
    if (mine !== generation) return; // a newer change will restart
    const spec = specFromState(state); // hot settings changed meanwhile are in it
    clearErrors(document);
    problems = [];
    if (!answer.valid) {
      stopOld();
      for (const e of answer.errors ?? []) reportError(e.field, e.message);
      showNets(null);
      return;
    }
    validated = answer;
    showNets(answer);
    resetViews(answer);
    pending = null;
    restarting = false;
    resetFrom = null;
    live = true;
    counters.starts += 1;
    counters.spec = spec;
    socket.send({ type: "start", spec, paused: !playing });
    sendView();
  }

  /** The old run no longer matches the controls: it stops training (and being drawn). */
  function stopOld() {
    socket.send({ type: "pause" });
    playing = false;
    player.setPlaying(false);
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
    counters.step = counters.epoch = 0;
    counters.paintedStep = -1;
    counters.done = "";
    player.setStep(0);
    $("done").textContent = "";
  }

  function sendView() {
    if (!validated || !live) return;
    const kind = validated.data.input_kind;
    const views = viewsFor(kind, state.show, state.judge).filter((v) => v !== "gan_quality" || qualityAsked || kind !== "image");
    socket.send({ type: "view", views, fps: VIEW_FPS, grid: MANIFOLD_GRID, boundary_grid: HEAT_GRID });
    if (state.speed !== null) socket.send({ type: "speed", steps_per_second: state.speed });
  }

  /** @param {import("./player.js").Action} action */
  function act(action) {
    if (action === "play") socket.send({ type: "resume" });
    if (action === "pause") socket.send({ type: "pause" });
    if (action === "step") socket.send({ type: "step", n: 1 });
    if (action === "step_d" || action === "step_g") {
      // That side alone, one step; the toggle shows it (and the link keeps it).
      const side = action === "step_d" ? "discriminator" : "generator";
      if (state.train !== side) change({ train: side });
      socket.send({ type: "step", n: 1 });
    }
    if (action === "reset") {
      resetFrom = counters.step;
      if (validated) resetViews(validated);
      socket.send({ type: "reset", seed: null });
    }
    playing = action === "play" || (playing && action === "reset");
    if (action === "reset" && playing) socket.send({ type: "resume" });
    player.setPlaying(playing);
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

  /** @param {import("../frame.js").Frame} frame kept until the next animation frame paints it */
  function onFrame(frame) {
    counters.framesReceived++;
    if (restarting) return;
    const v = frame.header.values;
    if (Object.keys(v).some((k) => k.startsWith("gan_quality/"))) quality = v; // slow: keep it
    // Latest wins per view: a slow view (the server sends a costly one less often) in a
    // frame not yet painted stays for the paint, unless this frame brings it anew.
    if (pending) for (const [name, array] of Object.entries(pending.arrays)) frame.arrays[name] ??= array;
    pending = frame;
  }

  /** @param {import("../socket.js").ServerEvent} event */
  function onEvent(event) {
    if (event.type === "hello") {
      $("device").textContent = event.device === "cuda" ? "GPU (CUDA)" : "CPU";
      if (event.resumed && event.run && socket.run === event.run && validated && live) sendView();
      else restart();
    } else if (event.type === "status") {
      showProgress(event.step, event.epoch);
      const rate = rateMeter.measure(event.step, event.state === "running");
      counters.stepsPerS = rate ?? 0;
      player.setRate(event.state === "running" ? (rate === null ? "…" : `${Math.round(rate).toLocaleString("en")} steps/s`) : event.state);
      if (event.state === "done" || event.state === "paused") {
        playing = false;
        player.setPlaying(false);
      }
    } else if (event.type === "metrics") {
      for (const p of event.points) {
        if (!resetDone(p.step)) continue;
        charts.loss.push(p.step, [p.d_loss, p.g_loss]);
        charts.scores.push(p.step, [p.d_real, p.d_fake]);
      }
    } else if (event.type === "done") {
      $("done").textContent = event.detail;
      counters.done = event.reason;
    } else if (event.type === "error" && event.field === "views") {
      $("notes").textContent = event.message; // a view this data cannot show: a note, not a fault
    } else if (event.type === "error") {
      reportError(event.field ?? "", event.message);
    }
  }

  /**
   * After a reset, events of the old weights may still arrive: the first from step 0 (or
   * below the step the reset came at) is the reset's answer.
   * @param {number} step
   */
  function resetDone(step) {
    if (resetFrom !== null && (step === 0 || step < resetFrom)) resetFrom = null;
    return resetFrom === null;
  }

  /**
   * @param {number | null} step null when a run failed before it could say
   * @param {number | null} epoch
   */
  function showProgress(step, epoch) {
    if (typeof step !== "number" || !resetDone(step) || step < counters.step) return;
    counters.step = step;
    counters.epoch = epoch ?? counters.epoch;
    player.setStep(step);
  }

  let chartsDrawnAt = 0;

  /** Paints the newest frame, once, on the browser's own clock. */
  function paint() {
    const frame = pending;
    pending = null;
    if (frame && resetDone(frame.header.step)) {
      counters.framesPainted++;
      counters.paintedStep = frame.header.step;
      showProgress(frame.header.step, frame.header.epoch);
      if (kindOf(state.data) === "image") images.update(frame);
      else plane.update(frame);
      if (!qualityAsked) {
        qualityAsked = true;
        if (validated?.data.input_kind === "image") sendView();
      }
    }
    if (quality && !restarting) {
      readouts.update(quality);
      counters.quality = Object.fromEntries(Object.entries(quality).filter(([k]) => k.startsWith("gan_quality/")).map(([k, v]) => [k.slice(12), v]));
      quality = null;
    }
    const now = performance.now();
    if (now - chartsDrawnAt >= CHART_INTERVAL_MS) {
      chartsDrawnAt = now;
      for (const chart of Object.values(charts)) chart.flush();
    }
    requestAnimationFrame(paint);
  }

  render();
  socket.connect();
  requestAnimationFrame(paint);
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
