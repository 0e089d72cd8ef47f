// @ts-check
/**
 * Training settings beyond the top bar: the learning-rate schedule, early stopping and an
 * epoch budget. All apply to the live run except early stopping, which starts a new one.
 */

import { el, select } from "./controls.js";

const PATIENCE = [["", "off"], ["5", "5 epochs"], ["10", "10 epochs"], ["20", "20 epochs"], ["50", "50 epochs"]];
const BUDGETS = [["", "no limit"], ["50", "50"], ["100", "100"], ["300", "300"], ["1000", "1,000"], ["5000", "5,000"]];

/**
 * @param {HTMLElement} container
 * @param {{catalog: any, state: Record<string, any>, onChange: (changes: Record<string, any>) => void}} o
 */
export function createTrainingPanel(container, o) {
  const orNull = (/** @type {string} */ v) => (v === "" ? null : Number(v));
  const schedule = select({
    name: "lr_schedule", label: "LR schedule",
    options: Object.keys(o.catalog.schedules).map((s) => [s, s]), value: o.state.lr_schedule,
    onChange: (v) => o.onChange({ lr_schedule: v }),
  });
  const gamma = select({
    name: "lr_gamma", label: "LR factor (γ)", options: ["0.1", "0.5", "0.9", "0.95", "0.99"].map((v) => [v, v]),
    value: String(o.state.lr_gamma), onChange: (v) => o.onChange({ lr_gamma: Number(v) }),
  });
  const period = select({
    name: "lr_period", label: "LR period (epochs)", options: ["5", "10", "20", "50", "100"].map((v) => [v, v]),
    value: String(o.state.lr_period), onChange: (v) => o.onChange({ lr_period: Number(v) }),
  });
  const patience = select({
    name: "patience", label: "Early stopping", options: /** @type {[string, string][]} */ (PATIENCE),
    value: o.state.patience === null ? "" : String(o.state.patience), onChange: (v) => o.onChange({ patience: orNull(v) }),
  });
  const budget = select({
    name: "max_epochs", label: "Stop after epochs", options: /** @type {[string, string][]} */ (BUDGETS),
    value: o.state.max_epochs === null ? "" : String(o.state.max_epochs), onChange: (v) => o.onChange({ max_epochs: orNull(v) }),
  });
  const box = el("div", { className: "training", "data-control": "training" }, [schedule.node, gamma.node, period.node, patience.node, budget.node]);
  container.append(box);

  return {
    /** @param {Record<string, any>} state */
    update(state) {
      schedule.set(state.lr_schedule);
      gamma.set(String(state.lr_gamma));
      period.set(String(state.lr_period));
      gamma.input.disabled = !["step", "exponential"].includes(state.lr_schedule);
      period.input.disabled = !["step", "cosine"].includes(state.lr_schedule);
      patience.set(state.patience === null ? "" : String(state.patience));
      budget.set(state.max_epochs === null ? "" : String(state.max_epochs));
    },
  };
}
