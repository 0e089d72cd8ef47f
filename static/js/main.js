// @ts-check
/**
 * Wires the page: the state (mirrored in the URL), the views, the socket and the server's
 * HTTP API. Views never talk to the server; they report what the user did, and this module
 * decides what it means: a "hot" change (learning rate, optimizer, regularization, batch
 * size) retunes the live run and keeps its weights; any other change validates the new spec
 * and starts a new run, as TensorFlow Playground resets its network. The run's control
 * (restart, reset, play, stale-event gating, progress, painting, error routing) is
 * runController.js's; this module says what each of its events means for the views.
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
import { createFramePacer } from "./framePacer.js";
import { stepsPerEpoch } from "./progress.js";
import { createRunController } from "./runController.js";
import { hotParams, isHot, isPageOnly, newLayer, PRESETS, readQuery, specFromState, toQuery } from "./state.js";
import { createSocket } from "./socket.js";
import { createBoundary } from "./views/boundary.js";
import { createBuilder, LAYER_TYPES_BY_KIND } from "./views/builder.js";
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

  let points = /** @type {import("./views/boundary.js").Points | null} */ (null);
  let validated = /** @type {any} */ (null);
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
  const socket = createSocket({ onEvent: (e) => run.receive(e), onFrame: (f) => run.receiveFrame(f), onConnection: showConnection }, { shown: shownSpec });
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
  const run = createRunController({ socket, pacer, speed: state.speed, hooks: runHooks() });

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
    if ("speed" in changes) run.setSpeed(state.speed);
    if ("sample" in changes) {
      drawn = null;
      run.sendView();
    }
    if ("norm" in changes) stack.setNorm(state.norm);
    if (keepsRun) {
      if (Object.keys(changes).some(isHot)) {
        run.retune(hotParams(state));
        if (run.live) socket.setShown(shownSpec()); // the run trains what is shown
      }
      return;
    }
    run.restartSoon(); // the running network no longer matches the diagram: no more frames
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
    const offered = /** @type {Record<string, string[]>} */ (LAYER_TYPES_BY_KIND)[kind] ?? [];
    addType.replaceChildren(el("option", { value: "", textContent: "choose a type…" }), ...offered.map((t) => el("option", { value: t, textContent: t })));
    if (validated?.spec.data.dataset === state.dataset && validated.layers.length === state.layers.length + 1) {
      builder.showInfo(document, validated.layers);
      stack.name(validated.layers);
    }
  }

  /** The run's events, as this page shows them (runController.js calls them). */
  function runHooks() {
    return {
      validate: () => (kindOf(state.dataset) === "table" && !state.file ? Promise.resolve(null) : validateSpec(specFromState(state))),
      prepare,
      view: viewMessage,
      adopts: (/** @type {any} */ hello) => hello.shown === shownSpec(), // a reload shows the same spec
      onHello: (/** @type {any} */ hello) => ($("device").textContent = hello.device === "cuda" ? "GPU (CUDA)" : "CPU"),
      onStarted: (/** @type {Record<string, any>} */ spec) => socket.setShown(JSON.stringify(spec)),
      onPlaying: (/** @type {boolean} */ on) => topBar.setPlaying(on),
      onProgress: showProgress,
      onStatus: (/** @type {any} */ status) => {
        counters.status = status;
        counters.statusAt = performance.now();
        topBar.showStatus(status);
      },
      onMetrics: showMetrics,
      onDone: showDone,
      onEnded: (/** @type {string} */ reason) => {
        // A diverged run's losses read "diverged" from now on (a late frame must not show
        // the last, huge, finite loss instead).
        if (reason === "diverged") $("train-loss").textContent = $("val-loss").textContent = "diverged";
      },
      onReset: () => validated && resetViews(validated),
      onError: reportError,
      onNote: (/** @type {string} */ message) => ($("view-notes").textContent = message),
      onEvent: (/** @type {any} */ event) => {
        if (event.type !== "generated") return;
        counters.generated = event.text;
        workspace?.showGenerated(event.id, event.text);
      },
      onFrame: () => void counters.framesReceived++,
      paint,
      onAnimationFrame: flushCharts,
    };
  }

  /**
   * Shows the validator's answer (shapes, or errors) for the spec about to start.
   * @param {any} answer null: nothing to validate (a table without its file)
   * @param {() => boolean} current whether this restart is still the latest
   * @returns {{spec: Record<string, any>} | null} the spec to start; null: it cannot train
   */
  function prepare(answer, current) {
    if (!answer) {
      // Nothing to train until a file is chosen: the old network stops, no error is due.
      showBlocked("choose a CSV file to train on (under Data)");
      $("done").textContent = "Choose a CSV file to train on (under Data).";
      return null;
    }
    // Hot settings changed while validating are in this spec: they cannot break its shapes.
    const spec = specFromState(state);
    clearErrors(document);
    if (!answer.valid) {
      for (const e of answer.errors ?? []) reportError(e.field, e.message);
      showBlocked(`fix the network first (${answer.errors?.[0]?.message ?? "it is not valid"})`);
      return null;
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
        if (!current()) return; // overtaken
        points = p;
        boundary.setPoints(p);
        network.drawFeatures(p.domain);
      }, (e) => showError(document, "status", String(e.message)));
    }
    resetViews(answer);
    return { spec };
  }

  /**
   * The network on screen cannot train: the run before it (still the session's, paused by
   * the controller) is hidden, never trained by Play in its place; Play says why it is off.
   * @param {string} reason
   */
  function showBlocked(reason) {
    validated = null;
    topBar.setBlocked(reason);
    network.reset();
    boundary.reset();
    stack.reset();
    workspace?.reset();
    for (const chart of Object.values(charts)) chart.reset();
    $("train-loss").textContent = $("val-loss").textContent = "–";
    $("param-count").textContent = "";
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
    counters.valLoss = counters.valScore = NaN;
    counters.done = "";
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
        run.sendView();
      },
      onGenerate: (/** @type {{prefix: string, length: number, temperature: number}} */ o) => {
        socket.send({ type: "generate", id: ++generateId, ...o });
        return generateId;
      },
    });
  }

  /** The `view` message for the live run (the controller sends it, then the speed). */
  function viewMessage() {
    if (!validated) return null;
    const views = viewsFor(validated.data, state.layers, state.dataset);
    counters.view = { type: "view", views, fps: pacer.fps, grid: NEURON_GRID, boundary_grid: 100, sample: Math.min(state.sample, validated.data.val_examples - 1), ...(drawn ? { input: drawn } : {}) };
    return counters.view;
  }

  /** Steps in one epoch of the running network's data at today's batch size. */
  function epochSteps() {
    return validated ? stepsPerEpoch(validated.data.train_examples, state.batch_size) : 1;
  }

  /** @param {"play" | "pause" | "step" | "reset"} action */
  function act(action) {
    if (action === "play") run.play();
    if (action === "pause") run.pause();
    // Step trains one epoch, as TensorFlow Playground's does (of the new run's data, if
    // Step starts a finished run afresh).
    if (action === "step") run.step(() => Math.min(epochSteps(), MAX_STEP_N));
    if (action === "reset") run.reset();
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

  /** @param {{step: number, epoch: number}} progress the step and epoch shown, never back */
  function showProgress({ step, epoch }) {
    counters.step = step;
    if (epoch === counters.epoch) return;
    counters.epoch = epoch;
    topBar.setEpoch(epoch);
  }

  /** @param {Record<string, any>[]} metricPoints the live run's, after a reset's answer */
  function showMetrics(metricPoints) {
    for (const p of metricPoints) {
      counters.lr = p.lr;
      counters.valLoss = p.val_loss ?? NaN;
      counters.valScore = p.val_score ?? NaN;
      charts.loss.push(p.epoch, [p.train_loss, p.val_loss]);
      charts.score.push(p.epoch, [p.train_score, p.val_score]);
      charts.grads.push(p.epoch, gradLayers.map((name) => p.grad_norms?.[name] ?? null));
    }
  }

  /** @param {import("./socket.js").ServerEvent} event */
  function showDone(event) {
    $("done").textContent = event.detail;
    counters.done = event.reason;
    if (event.reason === "early_stopped" && event.best_epoch) {
      charts.loss.mark(event.best_epoch);
      charts.score.mark(event.best_epoch);
    }
  }

  /**
   * @param {Record<string, any>} next an imported state
   */
  function importState(next) {
    state = next;
    history.replaceState(null, "", `${location.pathname}?${toQuery(state, kindOf)}`);
    render();
    renderNetwork();
    void run.restart();
  }

  /** @param {import("./frame.js").Frame} frame the newest, painted once on the browser's clock */
  function paint(frame) {
    counters.framesPainted++;
    if (kindOf(state.dataset) === "points") {
      network.update(frame);
      if (frame.arrays.boundary) boundary.update(frame.arrays.boundary);
    } else {
      stack.update(frame);
      workspace?.update(frame);
    }
    health.update(frame);
    const v = frame.header.values;
    if (run.ended !== "diverged" && (typeof v["metrics/train_loss"] === "number" || v["metrics/train_loss"] === null)) {
      $("train-loss").textContent = formatLoss(v["metrics/train_loss"]);
      $("val-loss").textContent = formatLoss(v["metrics/val_loss"]);
    }
  }

  let chartsDrawnAt = 0;

  /** @param {number} now ms: the curves redraw a few times a second, not every frame */
  function flushCharts(now) {
    if (now - chartsDrawnAt < CHART_INTERVAL_MS) return;
    chartsDrawnAt = now;
    for (const chart of Object.values(charts)) chart.flush();
  }

  render();
  renderNetwork();
  socket.connect();
  run.startPainting();
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
