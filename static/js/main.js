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
 * each with its socket; the playground's socket and panels are not started. So does
 * `?race=…` (race/raceMode.js): the playground's network beside its variants.
 */

import {
  changeRun,
  deleteRun,
  exportRun,
  fetchCatalog,
  fetchExamples,
  fetchLessons,
  fetchPoints,
  fetchRun,
  listRuns,
  uploadCsv,
  validateSpec,
} from "./api.js";
import { applyGlossary } from "./glossary.js";
import { startLessonMode } from "./lessons/lessonMode.js";
import { createLessonsMenu } from "./lessons/lessonsMenu.js";
import { readRace, raceHref } from "./race/race.js";
import { startRaceMode } from "./race/raceMode.js";
import { createVariantPicker } from "./race/variantPicker.js";
import { applyHidden } from "./classroom.js";
import { createChallengeBanner } from "./classChallenge.js";
import { followClassLesson } from "./classLesson.js";
import { createClassLocks } from "./classLocks.js";
import { createClassSend } from "./classSend.js";
import { layerTitle } from "./layerNames.js";
import { createFramePacer } from "./framePacer.js";
import { stepsPerEpoch } from "./progress.js";
import { createRunController } from "./runController.js";
import { createCompareRuns } from "./runs/compareRuns.js";
import { createMyRuns } from "./runs/myRuns.js";
import {
  hotParams,
  isHot,
  isPageOnly,
  newLayer,
  PRESETS,
  readQuery,
  specFromState,
  stateFromSpec,
  toQuery,
  useCatalog,
} from "./state.js";
import { createSocket } from "./socket.js";
import { createWatchSocket } from "./watchSocket.js";
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
// What a read-only view (`/?watch=N`) puts out of reach: every control and editable view.
const WATCH_INERT =
  "header.top, .panel.data, .network-head, #network, .stack-tools, #stack, .checks, #workspace, #training";
const CHART_INTERVAL_MS = 100; // curves redraw 10 times a second: smooth enough, and cheap
const MAX_STEP_N = 10_000; // the most steps one `step` message may ask for (docs/protocol.md)
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Counters a benchmark or a test can read: frames painted, the epoch shown; the server's
 * latest status of the run shown, with its arrival (performance.now(), ms), and the last
 * `view` message sent (bench/page.py reads these rather than tapping the websocket).
 */
const counters = {
  framesPainted: 0,
  framesReceived: 0,
  epoch: 0,
  step: 0,
  lr: 0,
  valLoss: NaN,
  valScore: NaN,
  done: "",
  generated: "",
  /** @type {Record<string, any> | null} */ status: null,
  statusAt: 0,
  /** @type {Record<string, any> | null} */ view: null,
};
Object.assign(window, { nnp: counters });

/**
 * The playground: its state, its views and its run, shared by the functions below (each
 * takes it).
 * @typedef {{
 *   catalog: any,
 *   kindOf: (dataset: string) => string,
 *   uPlot: any,
 *   state: Record<string, any>,
 *   points: import("./views/boundary.js").Points | null,
 *   validated: any,
 *   gradLayers: string[],
 *   drawn: number[][] | null,
 *   generateId: number,
 *   workspace: ReturnType<typeof createWorkspace> | null,
 *   workspaceKey: string,
 *   chartsDrawnAt: number,
 *   session: string | null,
 *   pacer: ReturnType<typeof createFramePacer>,
 *   socket: ReturnType<typeof createSocket>,
 *   views: ReturnType<typeof mountViews>,
 *   run: ReturnType<typeof createRunController>,
 *   classLocks: ReturnType<typeof createClassLocks> | null,
 *   opening: {resolve: () => void, reject: (error: Error) => void} | null,
 * }} Page
 * `points`: the 2-D data drawn under the output map; `validated`: the validator's answer
 * for the running spec; `gradLayers`: the layers in the gradient-flow chart, input side
 * first; `drawn`: a digit drawn on the pad, which the per-example views show; `workspace`:
 * the image, sequence or table panel, made anew (`workspaceKey`) when the data changes;
 * `session`: the token the server's `hello` gave (what an export names); `opening`: a
 * recorded run's `reopen` sent, until its first status (or the server's refusal).
 */

async function main() {
  const catalog = await fetchCatalog();
  useCatalog(catalog); // the URL table's bounds and layer fields, before the link is read
  const kindOf = (/** @type {string} */ dataset) => catalog.datasets[dataset]?.input_kind ?? "points";
  const link = readQuery(location.search, kindOf, Object.keys(catalog.datasets));
  const state = link.state;
  const uPlot = await loadUPlot();
  const lessonId = new URLSearchParams(location.search).get("lesson");
  // Class mode: a student's page opens the lesson the teacher opens for the class.
  const classLesson = document.body.dataset.classRole === "student" ? followClassLesson(lessonId) : null;
  mountLessonsMenu(lessonId, state.hide);
  document.querySelector(".page-nav")?.classList.toggle("classroom-hidden", state.hide.includes("gan")); // lessons too
  if (lessonId) {
    await openLesson(lessonId, state, uPlot, (chosen) => classLesson?.answer(chosen));
    return;
  }
  const watched = watchedStudent();
  const raceParam = new URLSearchParams(location.search).get("race");
  if (watched === null && raceParam !== null) {
    const race = readRace(raceParam, state);
    link.problems.push(...race.problems);
    if (race.variants.length) {
      showLinkProblems(link.problems);
      // The address says what the page shows: the race's readable variants only.
      const search = `?${toQuery(state, kindOf)}`;
      history.replaceState(null, "", raceHref(search, race.variants));
      await openRace(state, race.variants, uPlot, kindOf);
      return;
    }
  }
  if (watched === null) {
    showLinkProblems(link.problems);
    // The address says what the page shows: what could not be read is left out of it.
    if (link.problems.length) history.replaceState(null, "", address(state, kindOf));
  }

  /** @type {Page} */
  const page = {
    catalog,
    kindOf,
    uPlot,
    state,
    points: null,
    validated: null,
    gradLayers: [],
    drawn: null,
    generateId: 0,
    workspace: null,
    workspaceKey: "",
    chartsDrawnAt: 0,
    session: null,
    pacer: createFramePacer({ max: VIEW_FPS }),
    socket: /** @type {any} */ (null),
    views: /** @type {any} */ (null),
    run: /** @type {any} */ (null), // set just below: each needs the page
    classLocks: null,
    opening: null,
  };
  const handlers = {
    onEvent: (/** @type {any} */ e) => page.run.receive(e),
    onFrame: (/** @type {any} */ f) => page.run.receiveFrame(f),
    onConnection: showConnection,
  };
  page.socket =
    watched === null
      ? createSocket(handlers, { shown: () => shownSpec(page) })
      : /** @type {any} */ (createWatchSocket(watched, { ...handlers, onWatching: (w) => watchRun(page, w.spec) }));
  page.views = mountViews(page);
  page.run = createRunController({ socket: page.socket, pacer: page.pacer, speed: state.speed, hooks: runHooks(page) });
  bindControls(page);
  render(page);
  renderNetwork(page);
  if (watched === null) {
    page.classLocks = mountClass(page);
    void mountMyRuns(page).refresh();
  } else showReadOnly();
  page.socket.connect();
  page.run.startPainting();
  applyGlossary(document.body);
}

/**
 * Class mode (docs/classroom.md): the teacher gets a panel that sends the experiment on
 * screen to the class; a student's page loads what the teacher sends and greys the locks.
 * @param {Page} page
 */
function mountClass(page) {
  const role = document.body.dataset.classRole;
  if (role === "teacher") createClassSend($("class-send"), { getSpec: () => specFromState(page.state) });
  if (role !== "student") return null;
  createChallengeBanner($("challenge-banner")).start(); // the goal and the student's own place
  return createClassLocks(document, {
    banner: $("class-banner"),
    onExperiment: (spec) => importState(page, stateFromSpec(spec, page.state, page.kindOf(spec.data?.dataset))),
    onReset: () => page.run.resetShown(),
  });
}

/**
 * The student whose run this page shows, read-only (`/?watch=N`: the teacher's large view
 * of a student's run, docs/classroom.md), or null: the page's own run.
 */
function watchedStudent() {
  const number = new URLSearchParams(location.search).get("watch");
  return document.body.dataset.classRole === "teacher" && number ? number : null;
}

/**
 * The watched run's network becomes the page's (again each time the student starts
 * another), and its run the page's live run; the page sends nothing.
 * @param {Page} page
 * @param {Record<string, any>} spec
 */
function watchRun(page, spec) {
  page.state = stateFromSpec(spec, page.state, page.kindOf(spec.data?.dataset));
  render(page);
  renderNetwork(page);
  void page.run.adopt();
}

/** Every control is out of reach (inert: neither the mouse nor the keyboard gets to it). */
function showReadOnly() {
  document.body.classList.add("watching");
  for (const controls of document.querySelectorAll(WATCH_INERT)) controls.setAttribute("inert", "");
  const banner = $("class-banner");
  banner.textContent = "Read-only: the teacher's view of a student's run. Only the student changes it.";
  banner.hidden = false;
}

/**
 * The page's address for this state: the path, and its query if any.
 * @param {Record<string, any>} state
 * @param {(dataset: string) => string} kindOf
 */
function address(state, kindOf) {
  const query = toQuery(state, kindOf);
  return `${location.pathname}${query ? `?${query}` : ""}`;
}

/**
 * What the page shows, as the text a resumed session's run must match.
 * @param {Page} page
 */
function shownSpec(page) {
  return JSON.stringify(specFromState(page.state));
}

/**
 * The playground's views, each reporting what the user did.
 * @param {Page} page
 */
function mountViews(page) {
  const { catalog, uPlot, state } = page;
  const change = (/** @type {Record<string, any>} */ changes) => changeState(page, changes);
  const toggled = (/** @type {string[]} */ features, /** @type {string} */ f) =>
    features.includes(f) ? features.filter((x) => x !== f) : [...features, f];
  return {
    topBar: createTopBar($("top-bar"), {
      catalog,
      state,
      onAction: (action) => act(page, action),
      onChange: change,
      stepsPerEpoch: () => epochSteps(page),
    }),
    dataPanel: createDataPanel($("data-panel"), {
      catalog,
      state,
      onChange: change,
      loadPoints: (dataset) => fetchPoints({ dataset, n_samples: 200, noise: 0.1, n_classes: 2 }, 1),
      loadExamples: (dataset) => fetchExamples({ dataset }, 0, 1),
      upload: (file) => uploadCsv(file, catalog.limits.max_csv_bytes),
      onOpenGan: () => location.assign("/gan"),
    }),
    stack: createLayerStack($("stack")),
    builder: createBuilder({ catalog, onChange: (layers) => change({ layers }) }),
    network: createNetwork($("network"), {
      onEditWeight: (param, index, value) => page.socket.send({ type: "edit_weight", param, index, value }),
      onToggleFeature: (f) => change({ features: toggled(page.state.features, f) }),
    }),
    boundary: createBoundary(
      /** @type {HTMLCanvasElement} */ ($("boundary-map")),
      /** @type {HTMLCanvasElement} */ ($("boundary-points")),
    ),
    charts: {
      loss: createChart($("charts"), uPlot, {
        title: "Loss",
        series: [
          { label: "train", stroke: "#0877bd" },
          { label: "val", stroke: "#f59322", dash: [5, 3] },
        ],
      }),
      score: createChart($("charts"), uPlot, {
        title: "Accuracy",
        series: [
          { label: "train", stroke: "#0877bd" },
          { label: "val", stroke: "#f59322", dash: [5, 3] },
        ],
      }),
      grads: createChart($("charts"), uPlot, { title: "Gradient norm per layer (log scale)", series: [], logY: true }),
    },
    health: createLayerHealth($("health")),
    training: createTrainingPanel($("training"), { catalog, state, onChange: change }),
    race: createVariantPicker($("race"), {
      getState: () => page.state,
      taken: [],
      label: "Race",
      onRace: (variant) => location.assign(raceHref(location.search, [variant])),
    }),
    share: createSharePanel($("share"), {
      getState: () => page.state,
      getSpec: () => specFromState(page.state),
      onImport: (next) => importState(page, next),
      onChange: change,
      exportRun: () =>
        page.session ? exportRun(page.session) : Promise.reject(new Error("not connected to the server yet")),
    }),
    norm: /** @type {HTMLSelectElement} */ ($("norm")),
    addType: /** @type {HTMLSelectElement} */ ($("add-type")),
  };
}

/**
 * The controls of the page's shell (templates/index.html): the output map's boxes, the
 * layer buttons, the type to add and the feature-map colour scale.
 * @param {Page} page
 */
function bindControls(page) {
  const { catalog, views } = page;
  const change = (/** @type {Record<string, any>} */ changes) => changeState(page, changes);
  const layers = () => page.state.layers;
  for (const id of ["show-val", "discretize"]) {
    const box = /** @type {HTMLInputElement} */ ($(id));
    box.addEventListener("change", () =>
      change(id === "show-val" ? { show_val: box.checked } : { discretize: box.checked }),
    );
  }
  $("add-layer").addEventListener(
    "click",
    () =>
      layers().length < catalog.limits.max_layers &&
      change({ layers: [...layers(), { type: "dense", units: 4, activation: lastActivation(layers()) }] }),
  );
  $("remove-layer").addEventListener("click", () => change({ layers: layers().slice(0, -1) }));
  views.addType.addEventListener("change", () => {
    const type = views.addType.value;
    views.addType.value = "";
    if (type && layers().length < catalog.limits.max_layers) change({ layers: [...layers(), newLayer(type)] });
  });
  views.norm.addEventListener("change", () => change({ norm: views.norm.value }));
}

/** @param {Record<string, any>[]} layers */
function lastActivation(layers) {
  const dense = layers.filter((l) => l.type === "dense");
  return dense.length ? dense[dense.length - 1].activation : "tanh";
}

/**
 * What a change means: a hot one retunes the live run; any other starts a new one soon.
 * @param {Page} page
 * @param {Record<string, any>} changes
 */
function changeState(page, changes) {
  const { kindOf, run } = page;
  if ("dataset" in changes && changes.dataset !== page.state.dataset) {
    changes.seq_len ??= null; // each dataset has its own default length
    changes.sample = 0;
    page.drawn = null;
    // New kind of data, new network: a dense net for points is a poor start for images.
    const kind = kindOf(changes.dataset);
    if (kind !== kindOf(page.state.dataset) && !("layers" in changes)) changes = { ...PRESETS[kind], ...changes };
  }
  if ("activation" in changes) {
    const activation = changes.activation;
    delete changes.activation;
    // Every layer with an activation: dense and convolution alike.
    changes.layers = page.state.layers.map((/** @type {any} */ l) => ("activation" in l ? { ...l, activation } : l));
  }
  const keepsRun = Object.keys(changes).every((k) => isHot(k) || isPageOnly(k));
  const state = (page.state = { ...page.state, ...changes });
  history.replaceState(null, "", address(state, kindOf));
  render(page);
  if (["layers", "features", "dataset", "n_classes"].some((k) => k in changes)) renderNetwork(page);
  if ("speed" in changes) run.setSpeed(state.speed);
  if ("sample" in changes) {
    page.drawn = null;
    run.sendView();
  }
  if ("norm" in changes) page.views.stack.setNorm(state.norm);
  if (!keepsRun)
    run.restartSoon(); // the running network no longer matches the diagram: no more frames
  else if (Object.keys(changes).some(isHot)) {
    run.retune(hotParams(state));
    if (run.live) page.socket.setShown(shownSpec(page)); // the run trains what is shown
  }
}

/** @param {Page} page */
function render({ state, kindOf, views }) {
  document.documentElement.classList.toggle("present", state.present);
  document.documentElement.dataset.kind = kindOf(state.dataset);
  views.norm.value = state.norm;
  views.topBar.update(state);
  views.dataPanel.update(state);
  views.training.update(state);
  views.share.update(state);
  /** @type {HTMLInputElement} */ ($("show-val")).checked = state.show_val;
  /** @type {HTMLInputElement} */ ($("discretize")).checked = state.discretize;
  views.boundary.setOptions({ showVal: state.show_val, discretize: state.discretize });
  applyHidden(document, state.hide);
  $("layer-count").textContent = `${state.layers.length} hidden layer${state.layers.length === 1 ? "" : "s"}`;
}

/**
 * Redraws the diagram and its layer cards at once, so quick clicks act on fresh cards.
 * @param {Page} page
 */
function renderNetwork({ state, kindOf, catalog, views, points, validated }) {
  const kind = kindOf(state.dataset);
  // One set of cards on the page at a time: their info and error slots are found by name.
  if (kind === "points") {
    views.stack.clear();
    const columns = layerColumns(state, views.builder.cards(state.layers), catalog);
    // The features' column heads their error ("keep at least one input feature").
    columns[0].header = el("div", { className: "column-head" }, [
      el("span", { className: "field-error", role: "alert", "data-error-for": "features" }),
    ]);
    views.network.render(columns);
    if (points) views.network.drawFeatures(points.domain);
    return;
  }
  views.network.render([]);
  const data = validated?.spec.data.dataset === state.dataset ? validated.data : null;
  views.stack.render(views.builder.cards(state.layers, kind), kind, stackEnds(data));
  const offered = /** @type {string[]} */ (catalog.layer_menus[kind] ?? []);
  views.addType.replaceChildren(
    el("option", { value: "", textContent: "choose a type…" }),
    ...offered.map((t) => el("option", { value: t, textContent: t })),
  );
  if (validated?.spec.data.dataset === state.dataset && validated.layers.length === state.layers.length + 1) {
    views.builder.showInfo(document, validated.layers);
    views.stack.name(validated.layers);
  }
}

/**
 * The run's events, as this page shows them (runController.js calls them).
 * @param {Page} page
 * @returns {import("./runController.js").RunHooks}
 */
function runHooks(page) {
  const { views } = page;
  return {
    validate: () =>
      page.kindOf(page.state.dataset) === "table" && !page.state.file
        ? Promise.resolve(null)
        : validateSpec(specFromState(page.state)),
    prepare: (answer, current) => prepare(page, answer, current),
    view: () => viewMessage(page),
    adopts: (hello) => hello.shown === shownSpec(page), // a reload shows the same spec
    onHello: (hello) => {
      page.session = hello.session;
      $("device").textContent = hello.device === "cuda" ? "GPU (CUDA)" : "CPU";
    },
    onStarted: (spec) => page.socket.setShown(JSON.stringify(spec)),
    onPlaying: (on) => views.topBar.setPlaying(on),
    onProgress: (progress) => showProgress(page, progress),
    onStatus: (status) => {
      page.opening?.resolve();
      counters.status = status;
      counters.statusAt = performance.now();
      views.topBar.showStatus(/** @type {any} */ (status));
    },
    onMetrics: (points) => showMetrics(page, points),
    onDone: (event) => showDone(page, event),
    onEnded: (reason) => {
      // A diverged run's losses read "diverged" from now on (a late frame must not show
      // the last, huge, finite loss instead).
      if (reason === "diverged") $("train-loss").textContent = $("val-loss").textContent = "diverged";
    },
    onReset: () => page.validated && resetViews(page, page.validated),
    onError: (field, message) => {
      if (field !== "id" || !page.opening) return reportError(field, message);
      page.opening.reject(new Error(message)); // a refused reopen, said next to its Open
      void page.run.restart(); // nothing was reopened: the page trains the spec it shows
    },
    onNote: (message) => ($("view-notes").textContent = message),
    onEvent: (event) => {
      if (event.type === "class") page.classLocks?.receive(/** @type {any} */ (event));
      if (event.type !== "generated") return;
      counters.generated = event.text;
      page.workspace?.showGenerated(event.id, event.text);
    },
    onFrame: () => void counters.framesReceived++,
    paint: (frame) => paint(page, frame),
    onAnimationFrame: (now) => flushCharts(page, now),
  };
}

/**
 * Shows the validator's answer (shapes, or errors) for the spec about to start.
 * @param {Page} page
 * @param {any} answer null: nothing to validate (a table without its file)
 * @param {() => boolean} current whether this restart is still the latest
 * @returns {{spec: Record<string, any>} | null} the spec to start; null: it cannot train
 */
function prepare(page, answer, current) {
  const { views } = page;
  if (!answer) {
    // Nothing to train until a file is chosen: the old network stops, no error is due.
    showBlocked(page, "choose a CSV file to train on (under Data)");
    $("done").textContent = "Choose a CSV file to train on (under Data).";
    return null;
  }
  // Hot settings changed while validating are in this spec: they cannot break its shapes.
  const spec = specFromState(page.state);
  clearErrors(document);
  if (!answer.valid) {
    for (const e of answer.errors ?? []) reportError(e.field, e.message);
    showBlocked(page, `fix the network first (${answer.errors?.[0]?.message ?? "it is not valid"})`);
    return null;
  }
  views.topBar.setBlocked("");
  page.validated = answer;
  if (page.kindOf(page.state.dataset) === "points") views.builder.showInfo(document, answer.layers);
  else renderNetwork(page);
  if (answer.data.input_kind === "table")
    views.dataPanel.setColumns([...answer.data.features, spec.data.target ?? ""].filter(Boolean));
  mountWorkspace(page, answer);
  $("param-count").textContent = `${answer.total_params.toLocaleString("en")} parameters`;
  page.points = null;
  if (answer.data.input_kind === "points") {
    fetchPoints(spec.data, spec.seed).then(
      (p) => {
        if (!current()) return; // overtaken
        page.points = p;
        views.boundary.setPoints(p);
        views.network.drawFeatures(p.domain);
      },
      (e) => showError(document, "status", String(e.message)),
    );
  }
  resetViews(page, answer);
  return { spec };
}

/**
 * The network on screen cannot train: the run before it (still the session's, paused by
 * the controller) is hidden, never trained by Play in its place; Play says why it is off.
 * @param {Page} page
 * @param {string} reason
 */
function showBlocked(page, reason) {
  const { views } = page;
  page.validated = null;
  views.topBar.setBlocked(reason);
  views.network.reset();
  views.boundary.reset();
  views.stack.reset();
  page.workspace?.reset();
  for (const chart of Object.values(views.charts)) chart.reset();
  $("train-loss").textContent = $("val-loss").textContent = "–";
  $("param-count").textContent = "";
  views.topBar.restart();
}

/**
 * @param {Page} page
 * @param {any} answer the validator's summary of the new run
 */
function resetViews(page, answer) {
  const { views } = page;
  const palette = ["#0877bd", "#f59322", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#e69f00", "#000000"];
  page.gradLayers = answer.layers.filter((/** @type {any} */ l) => l.params > 0).map((/** @type {any} */ l) => l.name);
  views.charts.loss.reset();
  views.charts.score.reset();
  views.charts.grads.reset(
    page.gradLayers.map((n, i) => ({ label: layerTitle(n), stroke: palette[i % palette.length] })),
  );
  views.charts.score.setTitle(answer.data.task === "regression" ? "R² (1 is perfect)" : "Accuracy");
  views.health.reset();
  views.network.reset();
  views.boundary.reset();
  views.stack.reset();
  page.workspace?.reset();
  $("train-loss").textContent = $("val-loss").textContent = "–";
  counters.valLoss = counters.valScore = NaN;
  counters.done = "";
  views.topBar.restart();
  $("done").textContent = "";
  $("view-notes").textContent = "";
}

/**
 * The image, sequence or table panel for this run's data, made anew when the data changes.
 * @param {Page} page
 * @param {any} answer the validator's summary
 */
function mountWorkspace(page, answer) {
  const key = JSON.stringify([answer.data, page.state.seed]);
  if (key === page.workspaceKey) return;
  page.workspaceKey = key;
  page.drawn = null;
  page.workspace = createWorkspace($("workspace"), {
    uPlot: page.uPlot,
    data: answer.data,
    loadExamples: () => fetchExamples(specFromState(page.state).data, page.state.seed, 16),
    onSample: (/** @type {number} */ index) => changeState(page, { sample: index }),
    onDraw: (/** @type {number[][] | null} */ input) => {
      page.drawn = input;
      page.run.sendView();
    },
    onGenerate: (/** @type {{prefix: string, length: number, temperature: number}} */ o) => {
      page.socket.send({ type: "generate", id: ++page.generateId, ...o });
      return page.generateId;
    },
  });
}

/**
 * The `view` message for the live run (the controller sends it, then the speed).
 * @param {Page} page
 */
function viewMessage({ validated, state, drawn, pacer }) {
  if (!validated) return null;
  const views = viewsFor(validated.data, validated.layers);
  counters.view = {
    type: "view",
    views,
    fps: pacer.fps,
    grid: NEURON_GRID,
    boundary_grid: 100,
    sample: Math.min(state.sample, validated.data.val_examples - 1),
    ...(drawn ? { input: drawn } : {}),
  };
  return counters.view;
}

/**
 * Steps in one epoch of the running network's data at today's batch size.
 * @param {Page} page
 */
function epochSteps({ validated, state }) {
  return validated ? stepsPerEpoch(validated.data.train_examples, state.batch_size) : 1;
}

/**
 * @param {Page} page
 * @param {"play" | "pause" | "step" | "reset"} action
 */
function act(page, action) {
  const { run } = page;
  if (action === "play") run.play();
  if (action === "pause") run.pause();
  // Step trains one epoch, as TensorFlow Playground's does (of the new run's data, if
  // Step starts a finished run afresh).
  if (action === "step") run.step(() => Math.min(epochSteps(page), MAX_STEP_N));
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

/**
 * @param {Page} page
 * @param {{step: number, epoch: number}} progress the step and epoch shown, never back
 */
function showProgress(page, { step, epoch }) {
  counters.step = step;
  if (epoch === counters.epoch) return;
  counters.epoch = epoch;
  page.views.topBar.setEpoch(epoch);
}

/**
 * @param {Page} page
 * @param {Record<string, any>[]} points the live run's metric points, after a reset's answer
 */
function showMetrics({ views, gradLayers }, points) {
  for (const p of points) {
    counters.lr = p.lr;
    counters.valLoss = p.val_loss ?? NaN;
    counters.valScore = p.val_score ?? NaN;
    views.charts.loss.push(p.epoch, [p.train_loss, p.val_loss]);
    views.charts.score.push(p.epoch, [p.train_score, p.val_score]);
    views.charts.grads.push(
      p.epoch,
      gradLayers.map((name) => p.grad_norms?.[name] ?? null),
    );
  }
}

/**
 * @param {Page} page
 * @param {import("./socket.js").ServerEvent} event
 */
function showDone({ views }, event) {
  $("done").textContent = event.detail;
  counters.done = event.reason;
  if (event.reason === "early_stopped" && event.best_epoch) {
    views.charts.loss.mark(event.best_epoch);
    views.charts.score.mark(event.best_epoch);
  }
}

/**
 * @param {Page} page
 * @param {Record<string, any>} next an imported state
 */
function importState(page, next) {
  page.state = next;
  history.replaceState(null, "", `${location.pathname}?${toQuery(next, page.kindOf)}`);
  render(page);
  renderNetwork(page);
  void page.run.restart();
}

/**
 * @param {Page} page
 * @param {import("./frame.js").Frame} frame the newest, painted once on the browser's clock
 */
function paint(page, frame) {
  const { views } = page;
  counters.framesPainted++;
  if (page.kindOf(page.state.dataset) === "points") {
    views.network.update(frame);
    if (frame.arrays.boundary) views.boundary.update(frame.arrays.boundary);
  } else {
    views.stack.update(frame);
    page.workspace?.update(frame);
  }
  views.health.update(frame);
  const v = frame.header.values;
  if (
    page.run.ended !== "diverged" &&
    (typeof v["metrics/train_loss"] === "number" || v["metrics/train_loss"] === null)
  ) {
    $("train-loss").textContent = formatLoss(v["metrics/train_loss"]);
    $("val-loss").textContent = formatLoss(v["metrics/val_loss"]);
  }
}

/**
 * The curves redraw a few times a second, not every frame.
 * @param {Page} page
 * @param {number} now ms
 */
function flushCharts(page, now) {
  if (now - page.chartsDrawnAt < CHART_INTERVAL_MS) return;
  page.chartsDrawnAt = now;
  for (const chart of Object.values(page.views.charts)) chart.flush();
}

/**
 * "My runs" and comparing them (docs/runs.md): the list, and the comparison under it.
 * @param {Page} page
 */
function mountMyRuns(page) {
  const compare = createCompareRuns($("compare-runs"), { uPlot: page.uPlot });
  const regression = (/** @type {string | null} */ dataset) =>
    page.catalog.datasets[dataset ?? ""]?.task === "regression";
  return createMyRuns($("my-runs"), {
    list: listRuns,
    change: changeRun,
    remove: deleteRun,
    onOpen: (run) => openRecorded(page, run.id),
    onCompare: async (runs) => {
      const details = await Promise.all(runs.map((r) => fetchRun(r.id)));
      compare.show(details, regression(runs[0].spec_summary.dataset));
    },
  });
}

const OPEN_TIMEOUT_MS = 20_000; // a reopen waits for a worker at most this long (then: in words)

/**
 * Opens a recorded run as the page's: its spec becomes the page's, its recorded curves are
 * drawn, and the run continues (paused) from its last checkpoint (`reopen`,
 * docs/protocol.md). Resolves at its first status; a refusal throws the server's words.
 * @param {Page} page
 * @param {string} id
 */
async function openRecorded(page, id) {
  const run = await fetchRun(id);
  if (!run.checkpoint) throw new Error("this run has no checkpoint yet: there is nothing to continue from");
  const opened = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not answer the reopen")), OPEN_TIMEOUT_MS);
    const settle = (/** @type {() => void} */ then) => {
      clearTimeout(timer);
      page.opening = null;
      then();
    };
    page.opening = {
      resolve: () => settle(() => resolve(null)),
      reject: (error) => settle(() => reject(error)),
    };
  });
  page.state = stateFromSpec(run.spec, page.state, page.kindOf(run.spec.data?.dataset));
  history.replaceState(null, "", address(page.state, page.kindOf));
  render(page);
  renderNetwork(page);
  await page.run.reopen(id);
  // The server does not send the points it recorded: they are drawn from the record, up to
  // the checkpoint the run continues from (the later ones it trains again).
  showMetrics(
    page,
    run.metrics.filter((p) => p.epoch <= /** @type {any} */ (run.checkpoint).epoch),
  );
  await opened;
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
 * @param {(chosen: number | null) => void} onAnswer the student answered the question
 */
async function openLesson(id, state, uPlot, onAnswer) {
  await startLessonMode({ ...modeOptions(state, uPlot), id, seed: state.seed, onAnswer });
  applyGlossary(document.body);
}

/**
 * Race mode: the playground's panels give way to the race's runs, side by side.
 * @param {Record<string, any>} state "yours", as the address describes it
 * @param {import("./race/race.js").Variant[]} variants
 * @param {any} uPlot
 * @param {(dataset: string) => string} kindOf
 */
async function openRace(state, variants, uPlot, kindOf) {
  await startRaceMode({ ...modeOptions(state, uPlot, "race-mode"), variants, kind: kindOf(state.dataset) });
  applyGlossary(document.body);
}

/**
 * The playground's panels give way to a lesson's or a race's runs: what both modes take.
 * @param {Record<string, any>} state the address's settings (seed, model, presentation, hide)
 * @param {any} uPlot
 * @param {string[]} classes the mode's own classes on the document, beside lesson-mode's
 */
function modeOptions(state, uPlot, ...classes) {
  document.documentElement.classList.add("lesson-mode", ...classes);
  document.documentElement.classList.toggle("present", state.present);
  const root = $("lesson");
  root.hidden = false;
  return {
    root,
    search: location.search,
    state,
    hide: state.hide,
    uPlot,
    onDevice: showDevice,
    onConnection: showConnection,
    decorate: (/** @type {HTMLElement} */ node) => void applyGlossary(node),
  };
}

/** @param {string} device the server's device ("cuda", "cpu") */
function showDevice(device) {
  const names = /** @type {Record<string, string>} */ ({ cuda: "GPU (CUDA)", cpu: "CPU" });
  $("device").textContent = names[device] ?? device;
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
    el(
      "ul",
      {},
      problems.map((p) => el("li", { textContent: p })),
    ),
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
