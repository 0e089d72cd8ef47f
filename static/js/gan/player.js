// @ts-check
/**
 * The GAN page's top bar, as GAN Lab's: reset, play/pause, one round (D steps then one G
 * step), "Step D" and "Step G" (train that side alone for one step), which side trains
 * (both, D only, G only), the speed (slow motion to full), the step counter and the rate.
 */

import { button, el, select } from "../views/controls.js";

/** @type {[string, string][]} steps per second; "" trains as fast as the server can */
export const SPEEDS = [
  ["1", "1 step/s"],
  ["5", "5 steps/s"],
  ["30", "30 steps/s"],
  ["200", "200 steps/s"],
  ["", "full speed"],
];
/** @type {[string, string, string][]} value, text, title */
const SIDES = [
  ["both", "Both", "Train the discriminator and the generator in turn"],
  ["discriminator", "D only", "Freeze the generator: only the discriminator learns"],
  ["generator", "G only", "Freeze the discriminator: only the generator learns"],
];

/**
 * @typedef {"play" | "pause" | "step" | "step_d" | "step_g" | "reset"} Action
 * @typedef {{state: Record<string, any>, onAction: (action: Action) => void,
 *            onChange: (changes: Record<string, any>) => void}} Options
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createPlayer(container, o) {
  let playing = false;
  const reset = button({
    label: "↺",
    name: "reset",
    title: "Reset both networks (new weights)",
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
    title: "One round: the D steps, then one G step",
    onClick: () => o.onAction("step"),
  });
  step.setAttribute("aria-label", "Step");
  const stepD = button({
    label: "Step D",
    name: "step_d",
    className: "pill",
    title: "Train only the discriminator, one step",
    onClick: () => o.onAction("step_d"),
  });
  const stepG = button({
    label: "Step G",
    name: "step_g",
    className: "pill",
    title: "Train only the generator, one step",
    onClick: () => o.onAction("step_g"),
  });
  const counter = el("output", { className: "epoch", "aria-live": "off", textContent: "0" });
  const rate = el("output", { className: "rate" });

  const sides = el("div", {
    className: "sides",
    role: "group",
    "aria-label": "Train",
    "data-control": "gan.train_only",
  });
  /** @type {Map<string, HTMLButtonElement>} */
  const sideButtons = new Map();
  for (const [value, text, title] of SIDES) {
    const b = button({ label: text, title, className: "pill", onClick: () => o.onChange({ train: value }) });
    sideButtons.set(value, b);
    sides.append(b);
  }
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
      el("div", { className: "counter" }, [el("span", { textContent: "Step" }), counter]),
      rate,
    ]),
    el("div", { className: "control train-side" }, [
      el("span", { className: "label", textContent: "Train", "aria-hidden": "true" }),
      sides,
    ]),
    el("div", { className: "steppers" }, [stepD, stepG]),
    speed.node,
  );

  return {
    /** @param {Record<string, any>} state */
    update(state) {
      for (const [value, b] of sideButtons) b.setAttribute("aria-pressed", String(value === state.train));
      const listed = SPEEDS.some(([v]) => v === (state.speed === null ? "" : String(state.speed)));
      if (!listed)
        speed.input.append(el("option", { value: String(state.speed), textContent: `${state.speed} steps/s` }));
      speed.set(state.speed === null ? "" : String(state.speed));
    },
    /** @param {boolean} on */
    setPlaying(on) {
      playing = on;
      play.textContent = on ? "❚❚" : "▶";
      play.setAttribute("aria-label", on ? "Pause" : "Play");
      play.title = on ? "Pause" : "Train";
      play.classList.toggle("playing", on);
    },
    /** @param {number} n */
    setStep(n) {
      counter.textContent = n.toLocaleString("en");
    },
    /** @param {string} text */
    setRate(text) {
      rate.textContent = text;
    },
  };
}

/**
 * Steps per second as the class sees them (the server's own figure is its speed while it
 * trains, the same in slow motion): the steps counted over at least a second.
 */
export function createRateMeter() {
  /** @type {{at: number, step: number} | null} */
  let from = null;
  /** @type {number | null} */
  let rate = null;
  return {
    /**
     * @param {number | null} step the status's step
     * @param {boolean} running
     * @param {number} [now] ms
     * @returns {number | null} null until measured (and while not running)
     */
    measure(step, running, now = performance.now()) {
      if (!running || step === null || !from || step < from.step) {
        from = running && step !== null ? { at: now, step } : null;
        rate = null;
      } else if (now - from.at >= 1000) {
        rate = (1000 * (step - from.step)) / (now - from.at);
        from = { at: now, step };
      }
      return rate;
    },
  };
}
