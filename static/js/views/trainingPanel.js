// @ts-check
/**
 * Training settings beyond the top bar: the learning-rate schedule, gradient clipping, early
 * stopping and an epoch budget. The schedule and the budget apply to the live run; clipping
 * and early stopping start a new one.
 */

import { el, select } from "./controls.js";

const PATIENCE = [
  ["", "off"],
  ["5", "5 epochs"],
  ["10", "10 epochs"],
  ["20", "20 epochs"],
  ["50", "50 epochs"],
];
const CLIPS = [
  ["", "off"],
  ["0.1", "0.1"],
  ["1", "1"],
  ["5", "5"],
  ["10", "10"],
];
const BUDGETS = [
  ["", "no limit"],
  ["50", "50"],
  ["100", "100"],
  ["300", "300"],
  ["1000", "1,000"],
  ["5000", "5,000"],
];

/**
 * @param {HTMLElement} container
 * @param {{catalog: any, state: Record<string, any>, onChange: (changes: Record<string, any>) => void}} o
 */
export function createTrainingPanel(container, o) {
  const orNull = (/** @type {string} */ v) => (v === "" ? null : Number(v));
  const schedule = select({
    name: "lr_schedule",
    label: "LR schedule",
    options: Object.keys(o.catalog.schedules).map((s) => [s, s]),
    value: o.state.lr_schedule,
    onChange: (v) => o.onChange({ lr_schedule: v }),
  });
  const gamma = select({
    name: "lr_gamma",
    label: "LR factor (γ)",
    options: ["0.1", "0.5", "0.9", "0.95", "0.99"].map((v) => [v, v]),
    value: String(o.state.lr_gamma),
    onChange: (v) => o.onChange({ lr_gamma: Number(v) }),
  });
  const period = select({
    name: "lr_period",
    label: "LR period (epochs)",
    options: ["5", "10", "20", "50", "100"].map((v) => [v, v]),
    value: String(o.state.lr_period),
    onChange: (v) => o.onChange({ lr_period: Number(v) }),
  });
  const patience = select({
    name: "patience",
    label: "Early stopping",
    options: /** @type {[string, string][]} */ (PATIENCE),
    value: o.state.patience === null ? "" : String(o.state.patience),
    onChange: (v) => o.onChange({ patience: orNull(v) }),
  });
  const clip = select({
    name: "grad_clip",
    label: "Clip gradient norm",
    options: /** @type {[string, string][]} */ (CLIPS),
    title: "Scale the gradients down when their total norm exceeds this: tames exploding gradients (recurrent nets)",
    value: o.state.grad_clip === null ? "" : String(o.state.grad_clip),
    onChange: (v) => o.onChange({ grad_clip: orNull(v) }),
  });
  const budget = select({
    name: "max_epochs",
    label: "Stop after epochs",
    options: /** @type {[string, string][]} */ (BUDGETS),
    value: o.state.max_epochs === null ? "" : String(o.state.max_epochs),
    onChange: (v) => o.onChange({ max_epochs: orNull(v) }),
  });
  const box = el("div", { className: "training", "data-control": "training" }, [
    schedule.node,
    gamma.node,
    period.node,
    clip.node,
    patience.node,
    budget.node,
  ]);
  container.append(box);

  return {
    /** @param {Record<string, any>} state */
    update(state) {
      schedule.set(state.lr_schedule);
      gamma.set(String(state.lr_gamma));
      period.set(String(state.lr_period));
      const uses = o.catalog.schedules[state.lr_schedule]?.params ?? [];
      gamma.input.disabled = !uses.includes("lr_gamma");
      period.input.disabled = !uses.includes("lr_period");
      setShowing(patience, state.patience);
      setShowing(budget, state.max_epochs);
      setShowing(clip, state.grad_clip);
    },
  };
}

/**
 * Selects `value` (null: the first, "off" entry), adding it to the menu when a link or an
 * imported spec brings a value the menu does not list (30 epochs, clipping at 2.5).
 * @param {{input: HTMLSelectElement, set: (v: string) => void}} menu
 * @param {number | null} value
 */
function setShowing(menu, value) {
  const text = value === null ? "" : String(value);
  if (![...menu.input.options].some((o) => o.value === text))
    menu.input.append(el("option", { value: text, textContent: text }));
  menu.set(text);
}
