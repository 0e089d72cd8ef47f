// @ts-check
/**
 * Wires the page: the state (mirrored in the URL), the views, the socket and the server's
 * HTTP API. Views never talk to the server; they report what the user did, and this module
 * decides what it means: a "hot" change (learning rate, optimizer, regularization, batch
 * size) retunes the live run and keeps its weights; any other change validates the new spec
 * and starts a new run, as TensorFlow Playground resets its network.
 *
 * The data's input kind picks the workspace: 2-D points get the neuron diagram and the
 * output map; images, sequences, text and tables get a row of layer columns (feature maps
 * under convolutions) and a panel of their own views (workspace.js says which views each
 * needs).
 *
 * `?lesson=<id>` opens lesson mode instead (lessons/lessonMode.js): the lesson's own runs,
 * each with its socket; the playground's socket and panels are not started.
 */

import { fetchCatalog, fetchExamples, fetchLessons, fetchPoints, uploadCsv, validateSpec } from "./api.js";
import { applyGlossary } from "./glossary.js";
import { startLessonMode } from "./lessons/lessonMode.js";
import { createLessonsMenu } from "./lessons/lessonsMenu.js";
import { applyHidden } from "./classroom.js";
import { layerTitle } from "./layerNames.js";
import { supersede } from "./frame.js";
import { createFramePacer } from "./framePacer.js";
import { stepsPerEpoch } from "./progress.js";
import { hotParams, isHot, isPageOnly, newLayer, PRESETS, readQuery, specFromState, toQuery, useCatalog } from "./state.js";
import { createSocket } from "./socket.js";
import { createBoundary } from "./views/boundary.js";
import { createBuilder } from "./views/builder.js";
import { createChart, loadUPlot } from "./views/charts.js";
import { clearErrors, el, showError } from "./views/controls.js";
import { createDataPanel } from "./views/dataPanel.js";
import { createLayerHealth } from "./views/layerHealth.js";
import { createLayerStack, stackEnds } from "./views/layerStack.js";
import { createNetwork } from "./views/network.js";
import { createSharePanel } from "./views/sharePanel.js";
import { createTopBar } from "./views/topBar.js";
import { createTrainingPanel } from "./views/trainingPanel.js";
import { errorSlot, layerColumns } from "./layout.js";
import { createWorkspace, viewsFor } from "./workspace.js";
import { formatLoss } from "./readouts.js";

const VIEW_FPS = 30; // the most frames a second the page asks; fewer if it paints fewer
const NEURON_GRID = 20;
const CHART_INTERVAL_MS = 100; // curves redraw 10 times a second: smooth enough, and cheap
const MAX_STEP_N = 10_000; // the most steps one `step` message may ask for (docs/protocol.md)
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Counters a benchmark or a test can read: frames painted, the epoch shown; the server's
 * latest status of the run shown, with its arrival (performance.now(), ms), and the last
 * `view` message sent (bench/page.py reads these rather than tapping the websocket).
 */
const counters = {
  framesPainted: 0, framesReceived: 0, epoch: 0, step: 0, lr: 0, valLoss: NaN, valScore: NaN, done: "", generated: "",
  /** @type {Record<string, any> | null} */ status: null, statusAt: 0,
  /** @type {Record<string, any> | null} */ view: null,
};
Object.assign(window, { nnp: counters });

async function main() {
  const catalog = await fetchCatalog();
  useCatalog(catalog); // the URL table's bounds and layer fields, before the link is read
  const kindOf = (/** @type {string} */ dataset) => catalog.datasets[dataset]?.input_kind ?? "points";
  const link = readQuery(location.search, kindOf, Object.keys(catalog.datasets));
  let state = link.state;
  const uPlot = await loadUPlot();
  const lessonId = new URLSearchParams(location.search).get("lesson");
  mountLessonsMenu(lessonId, state.hide);
  document.querySelector(".page-nav")?.classList.toggle("classroom-hidden", state.hide.includes("gan")); // lessons too
  if (lessonId) {
    await openLesson(lessonId, state, uPlot);
    return;
  }
  showLinkProblems(link.problems);
  // The address says what the page shows: what could not be read is left out of it.
  if (link.problems.length) history.replaceState(null, "", `${location.pathname}${toQuery(state, kindOf) ? "?" + toQuery(state, kindOf) : ""}`);

  let playing = false;
  /** @type {import("./frame.js").Frame | null} */
  let pending = null;
  let points = /** @type {import("./views/boundary.js").Points | null} */ (null);
  let validated = /** @type {any} */ (null);
  let startTimer = 0;
  let generation = 0; // of structural changes: a restart that sees it move was overtaken
  let resumedAt = -1; // the generation a resumed run was adopted at
  let restarting = true; // until this page starts its own run, frames are someone else's
  /** @type {number | null} the step a reset was asked at, until the server answers it */
  let resetFrom = null;
  /** why the current run ended ("diverged", "failed"…), "" while it can train */
  let ended = "";
  /** @type {import("./socket.js").ServerEvent | null} the resumed run's first status, adopted */
  let resumedStatus = null;
  let adopting = false; // a run resumed after a reload: its first status says if it plays
  /** @type {string[]} the layers in the gradient-flow chart, input side first */
  let gradLayers = [];
  /** @type {number[][] | null} a digit drawn on the pad, which the per-example views show */
  let drawn = null;
  let generateId = 0;
  /** @type {ReturnType<typeof createWorkspace> | null} */
  let workspace = null;
  let workspaceKey = "";

  const pacer = createFramePacer({ max: VIEW_FPS });
  const shownSpec = () => JSON.stringify(specFromState(state));
  const socket = createSocket({ onEvent, onFrame, onConnection: showConnection }, { shown: shownSpec });
  const topBar = createTopBar($("top-bar"), { catalog, state, onAction: act, onChange: change, stepsPerEpoch: epochSteps });
  const dataPanel = createDataPanel($("data-panel"), {
    catalog, state, onChange: change,
    loadPoints: (dataset) => fetchPoints({ dataset, n_samples: 200, noise: 0.1, n_classes: 2 }, 1),
    loadExamples: (dataset) => fetchExamples({ dataset }, 0, 1),
    upload: (file) => uploadCsv(file, catalog.limits.max_csv_bytes),
    onOpenGan: () => location.assign("/gan"),
  });
  const stack = createLayerStack($("stack"));
  const builder = createBuilder({ catalog, onChange: (layers) => change({ layers }) });
  const network = createNetwork($("network"), {
    onEditWeight: (param, index, value) => socket.send({ type: "edit_weight", param, index, value }),
    onToggleFeature: (f) => change({ features: state.features.includes(f) ? state.features.filter((/** @type {string} */ x) => x !== f) : [...state.features, f] }),
  });
  const boundary = createBoundary(/** @type {HTMLCanvasElement} */ ($("boundary-map")), /** @type {HTMLCanvasElement} */ ($("boundary-points")));
  const charts = {
    loss: createChart($("charts"), uPlot, { title: "Loss", series: [{ label: "train", stroke: "#0877bd" }, { label: "val", stroke: "#f59322", dash: [5, 3] }] }),
    score: createChart($("charts"), uPlot, { title: "Accuracy", series: [{ label: "train", stroke: "#0877bd" }, { label: "val", stroke: "#f59322", dash: [5, 3] }] }),
    grads: createChart($("charts"), uPlot, { title: "Gradient norm per layer (log scale)", series: [], logY: true }),
  };
  const health = createLayerHealth($("health"));
  const training = createTrainingPanel($("training"), { catalog, state, onChange: change });
  const share = createSharePanel($("share"), { getState: () => state, getSpec: () => specFromState(state), onImport: importState, onChange: change });

  for (const id of ["show-val", "discretize"]) {
    const box = /** @type {HTMLInputElement} */ ($(id));
    box.addEventListener("change", () => change(id === "show-val" ? { show_val: box.checked } : { discretize: box.checked }));
  }
  $("add-layer").addEventListener("click", () => state.layers.length < catalog.limits.max_layers && change({ layers: [...state.layers, { type: "dense", units: 4, activation: lastActivation() }] }));
  $("remove-layer").addEventListener("click", () => change({ layers: state.layers.slice(0, -1) }));
  const addType = /** @type {HTMLSelectElement} */ ($("add-type"));
  addType.addEventListener("change", () => {
    const type = addType.value;
    addType.value = "";
    if (type && state.layers.length < catalog.limits.max_layers) change({ layers: [...state.layers, newLayer(type)] });
  });
  const norm = /** @type {HTMLSelectElement} */ ($("norm"));
  norm.addEventListener("change", () => change({ norm: norm.value }));

  function lastActivation() {
    const dense = state.layers.filter((/** @type {any} */ l) => l.type === "dense");
    return dense.length ? dense[dense.length - 1].activation : "tanh";
  }

  /** @param {Record<string, any>} changes */
  function change(changes) {
    if ("dataset" in changes && changes.dataset !== state.dataset) {
      changes.seq_len ??= null; // each dataset has its own default length
      changes.sample = 0;
      drawn = null;
      // New kind of data, new network: a dense net for points is a poor start for images.
      const kind = kindOf(changes.dataset);
      if (kind !== kindOf(state.dataset) && !("layers" in changes)) changes = { ...PRESETS[kind], ...changes };
    }
    if ("activation" in changes) {
      const activation = changes.activation;
      delete changes.activation;
      // Every layer with an activation: dense and convolution alike.
      changes.layers = state.layers.map((/** @type {any} */ l) => ("activation" in l ? { ...l, activation } : l));
    }
    const keepsRun = Object.keys(changes).every((k) => isHot(k) || isPageOnly(k));
    state = { ...state, ...changes };
    history.replaceState(null, "", `${location.pathname}${toQuery(state, kindOf) ? "?" + toQuery(state, kindOf) : ""}`);
    render();
    if (["layers", "features", "dataset", "n_classes"].some((k) => k in changes)) renderNetwork();
    if ("speed" in changes) socket.send({ type: "speed", steps_per_second: state.speed });
    if ("sample" in changes) {
      drawn = null;
      sendView();
    }
    if ("norm" in changes) stack.setNorm(state.norm);
    if (keepsRun) {
      if (Object.keys(changes).some(isHot)) {
        socket.send({ type: "set", params: hotParams(state) });
        if (!restarting) socket.setShown(shownSpec()); // the run trains what is shown
      }
      return;
    }
    clearTimeout(startTimer);
    generation += 1;
    startTimer = setTimeout(restart, 120); // a burst of clicks (+ + +) starts one run
    restarting = true; // the running network no longer matches the diagram: no more frames
  }

  function render() {
    document.documentElement.classList.toggle("present", state.present);
    document.documentElement.dataset.kind = kindOf(state.dataset);
    norm.value = state.norm;
    topBar.update(state);
    dataPanel.update(state);
    training.update(state);
    share.update(state);
    /** @type {HTMLInputElement} */ ($("show-val")).checked = state.show_val;
    /** @type {HTMLInputElement} */ ($("discretize")).checked = state.discretize;
    boundary.setOptions({ showVal: state.show_val, discretize: state.discretize });
    applyHidden(document, state.hide);
    $("layer-count").textContent = `${state.layers.length} hidden layer${state.layers.length === 1 ? "" : "s"}`;
  }

  /** Redraws the diagram and its layer cards at once, so quick clicks act on fresh cards. */
  function renderNetwork() {
    const kind = kindOf(state.dataset);
    // One set of cards on the page at a time: their info and error slots are found by name.
    if (kind === "points") {
      stack.clear();
      const columns = layerColumns(state, builder.cards(state.layers), catalog);
      // The features' column heads their error ("keep at least one input feature").
      columns[0].header = el("div", { className: "column-head" }, [el("span", { className: "field-error", role: "alert", "data-error-for": "features" })]);
      network.render(columns);
      if (points) network.drawFeatures(points.domain);
      return;
    }
    network.render([]);
    const data = validated?.spec.data.dataset === state.dataset ? validated.data : null;
    stack.render(builder.cards(state.layers, kind), kind, stackEnds(data));
    const offered = /** @type {string[]} */ (catalog.layer_menus[kind] ?? []);
    addType.replaceChildren(el("option", { value: "", textContent: "choose a type…" }), ...offered.map((t) => el("option", { value: t, textContent: t })));
    if (validated?.spec.data.dataset === state.dataset && validated.layers.length === state.layers.length + 1) {
      builder.showInfo(document, validated.layers);
      stack.name(validated.layers);
    }
  }

  /**
   * Validates the state's spec, shows its shapes (or errors) and starts it as a new run.
   * @param {{stepAfter?: boolean, resume?: boolean}} [o] `stepAfter`: train one step of the
   *   new run (Step); `resume`: the session's run (resumed after a reload) is this spec's,
   *   so it goes on instead of a new one
   */
  async function restart({ stepAfter = false, resume = false } = {}) {
    const mine = generation;
    if (kindOf(state.dataset) === "table" && !state.file) {
      // Nothing to train until a file is chosen: the old network stops, no error is due.
      block("choose a CSV file to train on (under Data)");
      $("done").textContent = "Choose a CSV file to train on (under Data).";
      return;
    }
    const answer = await validateSpec(specFromState(state));
    if (mine !== generation) return; // a newer structural change will restart
    // Hot settings changed while validating are in this spec: they cannot break its shapes.
    const spec = specFromState(state);
    clearErrors(document);
    if (!answer.valid) {
      for (const e of answer.errors ?? []) reportError(e.field, e.message);
      block(`fix the network first (${answer.errors?.[0]?.message ?? "it is not valid"})`);
      return;
    }
    topBar.setBlocked("");
    validated = answer;
    if (kindOf(state.dataset) === "points") builder.showInfo(document, answer.layers);
    else renderNetwork();
    if (answer.data.input_kind === "table") dataPanel.setColumns([...answer.data.features, spec.data.target ?? ""].filter(Boolean));
    mountWorkspace(answer);
    $("param-count").textContent = `${answer.total_params.toLocaleString("en")} parameters`;
    points = null;
    if (answer.data.input_kind === "points") {
      fetchPoints(spec.data, spec.seed).then((p) => {
        if (mine !== generation) return; // overtaken
        points = p;
        boundary.setPoints(p);
        network.drawFeatures(p.domain);
      }, (e) => showError(document, "status", String(e.message)));
    }
    resetViews(answer);
    pending = null;
    pacer.reset();
    restarting = false;
    resetFrom = null;
    if (resume && mine === resumedAt) {
      adoptStatus();
    } else {
      adopting = false; // a run of this page's own: nothing resumed to adopt
      socket.send({ type: "start", spec, paused: !playing });
      socket.setShown(JSON.stringify(spec));
      if (stepAfter) sendStepEpoch();
    }
    sendView();
  }

  /**
   * The network on screen cannot train: the run before it (still the session's) is paused
   * and hidden, never trained by Play in its place; Play says why it is off.
   * @param {string} reason
   */
  function block(reason) {
    restarting = true; // its frames and statuses are not the diagram's
    validated = null;
    socket.send({ type: "pause" });
    playing = false;
    topBar.setPlaying(false);
    topBar.setBlocked(reason);
    pending = null;
    network.reset();
    boundary.reset();
    stack.reset();
    workspace?.reset();
    for (const chart of Object.values(charts)) chart.reset();
    $("train-loss").textContent = $("val-loss").textContent = "–";
    $("param-count").textContent = "";
    counters.epoch = counters.step = 0;
    topBar.setEpoch(0);
    topBar.restart();
  }

  /** @param {any} answer the validator's summary of the new run */
  function resetViews(answer) {
    const palette = ["#0877bd", "#f59322", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#e69f00", "#000000"];
    gradLayers = answer.layers.filter((/** @type {any} */ l) => l.params > 0).map((/** @type {any} */ l) => l.name);
    charts.loss.reset();
    charts.score.reset();
    charts.grads.reset(gradLayers.map((n, i) => ({ label: layerTitle(n), stroke: palette[i % palette.length] })));
    charts.score.setTitle(answer.data.task === "regression" ? "R² (1 is perfect)" : "Accuracy");
    health.reset();
    network.reset();
    boundary.reset();
    stack.reset();
    workspace?.reset();
    $("train-loss").textContent = $("val-loss").textContent = "–";
    counters.epoch = counters.step = 0;
    counters.valLoss = counters.valScore = NaN;
    counters.done = "";
    ended = "";
    topBar.setEpoch(0);
    topBar.restart();
    $("done").textContent = "";
    $("view-notes").textContent = "";
  }

  /**
   * The image, sequence or table panel for this run's data, made anew when the data changes.
   * @param {any} answer the validator's summary
   */
  function mountWorkspace(answer) {
    const key = JSON.stringify([answer.data, state.seed]);
    if (key === workspaceKey) return;
    workspaceKey = key;
    drawn = null;
    workspace = createWorkspace($("workspace"), {
      uPlot, data: answer.data,
      loadExamples: () => fetchExamples(specFromState(state).data, state.seed, 16),
      onSample: (/** @type {number} */ index) => change({ sample: index }),
      onDraw: (/** @type {number[][] | null} */ input) => {
        drawn = input;
        sendView();
      },
      onGenerate: (/** @type {{prefix: string, length: number, temperature: number}} */ o) => {
        socket.send({ type: "generate", id: ++generateId, ...o });
        return generateId;
      },
    });
  }

  function sendView() {
    if (!validated) return;
    const views = viewsFor(validated.data, validated.layers);
    counters.view = { type: "view", views, fps: pacer.fps, grid: NEURON_GRID, boundary_grid: 100, sample: Math.min(state.sample, validated.data.val_examples - 1), ...(drawn ? { input: drawn } : {}) };
    socket.send(counters.view);
    if (state.speed !== null) socket.send({ type: "speed", steps_per_second: state.speed });
  }

  /** Steps in one epoch of the running network's data at today's batch size. */
  function epochSteps() {
    return validated ? stepsPerEpoch(validated.data.train_examples, state.batch_size) : 1;
  }

  /** Step trains one epoch, as TensorFlow Playground's does. */
  function sendStepEpoch() {
    socket.send({ type: "step", n: Math.min(epochSteps(), MAX_STEP_N) });
  }

  /** @param {"play" | "pause" | "step" | "reset"} action */
  function act(action) {
    if (ended && (action === "play" || action === "step")) {
      // A finished run (diverged, failed, done) trains no more: Play starts the network
      // on screen afresh, as a new run, with the settings shown now.
      playing = action === "play";
      topBar.setPlaying(playing);
      generation += 1;
      restarting = true;
      void restart({ stepAfter: action === "step" });
      return;
    }
    if (action === "play") socket.send({ type: "resume" });
    if (action === "pause") socket.send({ type: "pause" });
    if (action === "step") sendStepEpoch();
    if (action === "reset") {
      resetFrom = counters.step;
      if (validated) resetViews(validated);
      socket.send({ type: "reset", seed: null });
    }
    playing = action === "play" || (playing && action === "reset");
    if (action === "reset" && playing) socket.send({ type: "resume" });
    topBar.setPlaying(playing);
  }

  /**
   * The server's words next to the control the field belongs to, or under the output map
   * (with the field named) when no control shows it.
   * @param {string} field
   * @param {string} message
   */
  function reportError(field, message) {
    if (!showError(document, errorSlot(field), message)) showError(document, "status", `${field}: ${message}`);
  }

  /**
   * @param {import("./frame.js").Frame} frame kept until the next animation frame paints
   *   it; one it replaces first is never decoded, but passes on its slow views
   */
  function onFrame(frame) {
    counters.framesReceived++;
    if (restarting) return;
    pending = supersede(pending, frame);
    pacer.received();
  }

  /** @param {import("./socket.js").ServerEvent} event */
  function onEvent(event) {
    if (event.type === "hello") {
      $("device").textContent = event.device === "cuda" ? "GPU (CUDA)" : "CPU";
      if (event.resumed && event.run && socket.run === event.run && validated) sendView();
      else if (event.resumed && event.run && event.shown === shownSpec()) {
        // A reload (or this tab reopened): the run showing this very spec goes on.
        adopting = true;
        resumedStatus = null;
        resumedAt = generation;
        restart({ resume: true });
      } else restart();
    } else if (event.type === "status") {
      if (adopting) {
        resumedStatus = event;
        if (!restarting) adoptStatus();
      }
      if (restarting) return; // the run being replaced: its progress is not the diagram's
      if (typeof event.step === "number" && !resetDone(event.step)) return; // from before a reset
      showProgress(event.step, event.epoch);
      counters.status = event;
      counters.statusAt = performance.now();
      if (topBar.showStatus(/** @type {any} */ (event)) === false) playing = false;
      if (event.state === "done") endRun(event.reason ?? "done");
      else ended = ""; // revived (a reset, a larger epoch budget): Play resumes it again
    } else if (event.type === "metrics") {
      for (const p of event.points) {
        if (!resetDone(p.step)) continue;
        counters.lr = p.lr;
        counters.valLoss = p.val_loss ?? NaN;
        counters.valScore = p.val_score ?? NaN;
        charts.loss.push(p.epoch, [p.train_loss, p.val_loss]);
        charts.score.push(p.epoch, [p.train_score, p.val_score]);
        charts.grads.push(p.epoch, gradLayers.map((name) => p.grad_norms?.[name] ?? null));
      }
    } else if (event.type === "done") {
      $("done").textContent = event.detail;
      counters.done = event.reason;
      endRun(event.reason);
      if (event.reason === "early_stopped" && event.best_epoch) {
        charts.loss.mark(event.best_epoch);
        charts.score.mark(event.best_epoch);
      }
    } else if (event.type === "generated") {
      counters.generated = event.text;
      workspace?.showGenerated(event.id, event.text);
    } else if (event.type === "error" && event.field === "views") {
      // A view this network cannot show (accuracy by length for a model that reads one
      // length only): the server stopped sending it; say so quietly, it is not a mistake.
      $("view-notes").textContent = event.message;
    } else if (event.type === "error" && event.code === "no_run") {
      // The session's run is gone (its worker died): the next command needs a new one.
      endRun("failed");
    } else if (event.type === "error") {
      reportError(event.field ?? "", event.message);
    }
  }

  /** The resumed run's state becomes the page's: playing or not, its counter, its end. */
  function adoptStatus() {
    const status = resumedStatus;
    if (!status) return; // the first status is still on its way
    adopting = false;
    resumedStatus = null;
    playing = status.state === "running";
    topBar.setPlaying(playing);
    topBar.showStatus(/** @type {any} */ (status));
    showProgress(status.step, status.epoch);
    if (status.state === "done") endRun(status.reason ?? "done");
  }

  /**
   * The run trains no more; a diverged one's losses read "diverged" from now on (a late
   * frame must not show the last, huge, finite loss instead).
   * @param {string} reason
   */
  function endRun(reason) {
    ended = reason;
    playing = false;
    topBar.setPlaying(false);
    if (reason === "diverged") $("train-loss").textContent = $("val-loss").textContent = "diverged";
  }

  /**
   * After a reset, events of the old weights may still arrive: the first event from step 0
   * (or below the step the reset came at) is the reset's answer.
   * @param {number} step
   */
  function resetDone(step) {
    if (resetFrom !== null && (step === 0 || step < resetFrom)) resetFrom = null;
    return resetFrom === null;
  }

  /**
   * Statuses and frames both carry the progress; a frame painted late must not move the
   * counter back, so the step orders them (a reset starts again from step 0).
   * @param {number | null} step null in a failed run's status
   * @param {number | null} epoch
   */
  function showProgress(step, epoch) {
    if (typeof step !== "number" || typeof epoch !== "number") return; // a failed run's status
    if (!resetDone(step) || step < counters.step) return;
    counters.step = step;
    if (epoch === counters.epoch) return;
    counters.epoch = epoch;
    topBar.setEpoch(epoch);
  }

  /**
   * @param {Record<string, any>} next an imported state
   */
  function importState(next) {
    state = next;
    history.replaceState(null, "", `${location.pathname}?${toQuery(state, kindOf)}`);
    render();
    renderNetwork();
    generation += 1;
    restart();
  }

  let chartsDrawnAt = 0;

  /** Paints the newest frame, once, on the browser's own clock. */
  function paint() {
    const frame = pending;
    pending = null;
    if (frame && resetDone(frame.header.step)) {
      counters.framesPainted++;
      pacer.painted();
      showProgress(frame.header.step, frame.header.epoch);
      if (kindOf(state.dataset) === "points") {
        network.update(frame);
        if (frame.arrays.boundary) boundary.update(frame.arrays.boundary);
      } else {
        stack.update(frame);
        workspace?.update(frame);
      }
      health.update(frame);
      const v = frame.header.values;
      if (ended !== "diverged" && (typeof v["metrics/train_loss"] === "number" || v["metrics/train_loss"] === null)) {
        $("train-loss").textContent = formatLoss(v["metrics/train_loss"]);
        $("val-loss").textContent = formatLoss(v["metrics/val_loss"]);
      }
    }
    const now = performance.now();
    if (pacer.tick(now) !== null) sendView(); // frames at the rate this browser paints them
    if (now - chartsDrawnAt >= CHART_INTERVAL_MS) {
      chartsDrawnAt = now;
      for (const chart of Object.values(charts)) chart.flush();
    }
    requestAnimationFrame(paint);
  }

  render();
  renderNetwork();
  socket.connect();
  requestAnimationFrame(paint);
  applyGlossary(document.body);
}

/**
 * The header's menu of lessons (left out quietly when the server lists none or cannot).
 * @param {string | null} current the lesson open, if any
 * @param {string[]} hide the classroom link's hidden controls
 */
function mountLessonsMenu(current, hide) {
  fetchLessons().then(
    (lessons) => {
      const menu = createLessonsMenu($("lessons-menu"), { lessons, current, search: () => location.search });
      menu.node.classList.toggle("classroom-hidden", hide.includes("lessons"));
    },
    (error) => ($("lessons-menu").title = error.message),
  );
}

/**
 * Lesson mode: the playground's panels give way to the lesson's.
 * @param {string} id
 * @param {Record<string, any>} state the address's settings (seed, model, presentation, hide)
 * @param {any} uPlot
 */
async function openLesson(id, state, uPlot) {
  document.documentElement.classList.add("lesson-mode");
  document.documentElement.classList.toggle("present", state.present);
  const root = $("lesson");
  root.hidden = false;
  const deviceNames = { cuda: "GPU (CUDA)", cpu: "CPU" };
  await startLessonMode({
    root, id, seed: state.seed, search: location.search, state, hide: state.hide, uPlot,
    onDevice: (device) => ($("device").textContent = /** @type {Record<string, string>} */ (deviceNames)[device] ?? device),
    onConnection: showConnection,
    decorate: (node) => void applyGlossary(node),
  });
  applyGlossary(document.body);
}

/**
 * What in the link could not be read and what stands instead, above the panels.
 * @param {string[]} problems
 */
function showLinkProblems(problems) {
  const box = $("link-problems");
  box.replaceChildren();
  if (!problems.length) return;
  box.append(
    el("p", { textContent: "Parts of this link could not be read; the page shows what it could:" }),
    el("ul", {}, problems.map((p) => el("li", { textContent: p }))),
  );
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
