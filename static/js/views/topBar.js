// @ts-check
/**
 * The top bar: reset, play/pause and step, the epoch counter, and the settings a class
 * changes most (learning rate, activation, regularization and its rate, optimizer, speed),
 * with the training rate and device beside them. lr, optimizer and regularization apply to
 * the running network live; the activation (of every dense and convolution layer) rebuilds it.
 * Step trains one epoch, as TensorFlow Playground's; the rate is the page's own measure, and
 * under the epoch the step counter and how far into its epoch the run is (slow motion shows
 * it move step by step).
 */

import { OPTIMIZERS } from "../state.js";
import { createRateMeter, formatRate } from "../progress.js";
import { button, el, select } from "./controls.js";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
/** @type {[string, string][]} steps per second; "" trains as fast as the server can */
const SPEEDS = [
  ["1", "slow: 1 step/s"],
  ["5", "5 steps/s"],
  ["25", "25 steps/s"],
  ["100", "100 steps/s"],
  ["1000", "1,000 steps/s"],
  ["", "turbo"],
];
/** The page's own entries of the optimizer menu (state.js OPTIMIZERS); the rest: the catalog's. */
const VARIANT_NAMES = { momentum: "SGD + momentum", nesterov: "Nesterov" };

/**
 * @typedef {{state: string, step?: number | null, epoch?: number | null, steps_per_s?: number | null,
 *            reason?: string | null, detail?: string}} Status a `status` event (docs/protocol.md)
 */

/** @param {number} n */
export function formatEpoch(n) {
  return n.toLocaleString("en", { minimumIntegerDigits: 6 });
}

/** @param {unknown} n @returns {n is number} */
const isNumber = (n) => typeof n === "number" && Number.isFinite(n);

/**
 * What the top bar shows of a status. A run that failed outside its worker's care (the
 * worker died) reports no step or epoch (null): the last ones shown stay.
 * @param {Status} status
 * @param {number | null} measured steps per second as the page measured them (null: not yet)
 * @returns {{epoch: number | null, rate: string, playing: boolean | null}}
 */
export function statusDisplay(status, measured) {
  const epoch = isNumber(status.epoch) ? status.epoch : null;
  if (status.state === "running") return { epoch, rate: measured === null ? "…" : formatRate(measured), playing: null };
  const rate = status.state === "done" && status.reason ? String(status.reason).replace("_", " ") : status.state;
  return { epoch, rate, playing: status.state === "done" || status.state === "paused" ? false : null };
}

/**
 * @typedef {{catalog: any, state: Record<string, any>,
 *            onAction: (action: "play" | "pause" | "step" | "reset") => void,
 *            onChange: (changes: Record<string, any>) => void,
 *            stepsPerEpoch: () => number}} Options
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createTopBar(container, o) {
  let playing = false;
  const reset = button({
    label: "↺",
    name: "reset",
    title: "Reset the network (new weights)",
    className: "round",
    onClick: () => o.onAction("reset"),
  });
  reset.setAttribute("aria-label", "Reset");
  const play = button({
    label: "▶",
    name: "play",
    className: "round play",
    title: "Train",
    onClick: () => o.onAction(playing ? "pause" : "play"),
  });
  play.setAttribute("aria-label", "Play");
  const step = button({
    label: "+1",
    name: "step",
    className: "round",
    title: "Step: train one epoch",
    onClick: () => o.onAction("step"),
  });
  step.setAttribute("aria-label", "Step: train one epoch");
  const epoch = el("output", { className: "epoch", "aria-live": "off", textContent: "000,000" });
  const progress = el("output", { className: "progress", "aria-live": "off", textContent: "" });
  const rate = el("output", { className: "rate", textContent: "" });
  const meter = createRateMeter();
  /** the step at which the epoch counter last moved: where the current epoch began */
  let epochStart = { epoch: 0, step: 0 };
  // Why Play cannot train now (the network on screen is invalid): beside it, in words.
  const blocked = el("span", { className: "play-blocked field-error", role: "alert" });

  const lr = select({
    name: "lr",
    label: "Learning rate",
    options: LEARNING_RATES.map((v) => [String(v), String(v)]),
    value: String(o.state.lr),
    onChange: (v) => o.onChange({ lr: Number(v) }),
  });
  const activation = select({
    name: "activation",
    label: "Activation",
    options: [
      ["", "per layer"],
      ...Object.keys(o.catalog.activations).map((a) => /** @type {[string, string]} */ ([a, a])),
    ],
    value: "",
    onChange: (a) => a && o.onChange({ activation: a }),
  });
  const regularization = select({
    name: "regularization",
    label: "Regularization",
    options: [
      ["none", "None"],
      ["l1", "L1"],
      ["l2", "L2"],
    ],
    value: o.state.regularization,
    onChange: (v) => o.onChange({ regularization: v }),
  });
  const regRate = select({
    name: "reg_rate",
    label: "Regularization rate",
    options: REG_RATES.map((v) => [String(v), String(v)]),
    value: String(o.state.reg_rate),
    onChange: (v) => o.onChange({ reg_rate: Number(v) }),
  });
  const optimizer = select({
    name: "optimizer",
    label: "Optimizer",
    options: Object.keys(OPTIMIZERS).map((name) => [
      name,
      o.catalog.optimizers[name]?.label ?? VARIANT_NAMES[/** @type {keyof VARIANT_NAMES} */ (name)] ?? name,
    ]),
    value: o.state.optimizer,
    onChange: (v) => o.onChange({ optimizer: v }),
  });
  const speed = select({
    name: "speed",
    label: "Speed",
    options: SPEEDS,
    value: o.state.speed === null ? "" : String(o.state.speed),
    onChange: (v) => o.onChange({ speed: v === "" ? null : Number(v) }),
  });

  container.append(
    el("div", { className: "player" }, [
      reset,
      play,
      step,
      el("div", { className: "counter" }, [el("span", { textContent: "Epoch" }), epoch, progress]),
      rate,
      blocked,
    ]),
    lr.node,
    activation.node,
    regularization.node,
    regRate.node,
    optimizer.node,
    speed.node,
  );

  /**
   * A select may lack the exact value (an imported spec's lr 0.05): add it as an option.
   * @param {{input: HTMLSelectElement, set: (v: string) => void}} control
   * @param {string} value
   */
  function ensure(control, value) {
    if (![...control.input.options].some((opt) => opt.value === value))
      control.input.append(el("option", { value, textContent: value }));
    control.set(value);
  }

  /**
   * "step 12 · 5 of 25 in this epoch". Statuses sample the counters a few times a second,
   * so the epoch's first step is counted on from the last one known, an epoch's length at a
   * time (never past the step now); a reset or a resumed run starts from whole epochs.
   * @param {number} stepNow
   * @param {number} epochNow
   */
  function showProgress(stepNow, epochNow) {
    const length = Math.max(1, o.stepsPerEpoch());
    if (stepNow < epochStart.step || epochNow < epochStart.epoch)
      epochStart = { epoch: epochNow, step: epochNow * length };
    else if (epochNow > epochStart.epoch) {
      epochStart = {
        epoch: epochNow,
        step: Math.min(stepNow, epochStart.step + (epochNow - epochStart.epoch) * length),
      };
    }
    const into = Math.min(length, Math.max(0, stepNow - epochStart.step));
    progress.textContent = `step ${stepNow.toLocaleString("en")} · ${into} of ${length.toLocaleString("en")} in this epoch`;
  }

  return {
    /** @param {Record<string, any>} state */
    update(state) {
      ensure(lr, String(state.lr));
      ensure(regRate, String(state.reg_rate));
      regularization.set(state.regularization);
      regRate.input.disabled = state.regularization === "none";
      optimizer.set(state.optimizer);
      speed.set(state.speed === null ? "" : String(state.speed));
      const acting = state.layers.filter((/** @type {any} */ l) => "activation" in l); // dense, conv2d
      const shared = acting.length && acting.every((/** @type {any} */ l) => l.activation === acting[0].activation);
      activation.set(shared ? acting[0].activation : "");
    },
    /** @param {boolean} on */
    setPlaying(on) {
      playing = on;
      play.textContent = on ? "❚❚" : "▶";
      play.setAttribute("aria-label", on ? "Pause" : "Play");
      if (!play.disabled) play.title = on ? "Pause" : "Train";
      play.classList.toggle("playing", on);
    },
    /** @param {number | null | undefined} n a failed run's status has none: kept as shown */
    setEpoch(n) {
      if (isNumber(n)) epoch.textContent = formatEpoch(n);
    },
    /**
     * A status event: the rate measured here from its step over wall time (or the state),
     * the step counter with its place in the epoch, and Play's face (a finished or paused
     * run is not playing). The epoch counter moves only by `setEpoch`: the page orders
     * statuses and frames, and drops those from before a reset.
     * @param {Status} status
     * @returns {boolean | null} whether the run plays now; null: the status does not say
     */
    showStatus(status) {
      const measured = isNumber(status.step) ? meter.add(status.step, performance.now()) : null;
      const shown = statusDisplay(status, measured);
      rate.textContent = shown.rate; // the epoch counter is the page's to move (setEpoch)
      if (isNumber(status.step) && shown.epoch !== null) showProgress(status.step, shown.epoch);
      if (shown.playing === false) this.setPlaying(false);
      return shown.playing;
    },
    /**
     * Play and Step off, with the reason beside them ("" turns them back on): the page
     * trains only the network it shows, never a hidden older one.
     * @param {string} reason
     */
    setBlocked(reason) {
      play.disabled = step.disabled = Boolean(reason);
      blocked.textContent = reason ? `Cannot train: ${reason}` : "";
      play.title = reason ? `Cannot train: ${reason}` : playing ? "Pause" : "Train";
    },
    /** A new run: the rate and the epoch's start are counted again. */
    restart() {
      meter.reset();
      epochStart = { epoch: 0, step: 0 };
      rate.textContent = progress.textContent = "";
    },
  };
}
