// @ts-check
/**
 * Two to four recorded runs compared (docs/runs.md, "My runs and comparing"): their curves
 * on shared axes from each run's recorded metric history (the lessons' shared charts, a
 * series per run), what differs between their specs in words, and their final figures side
 * by side.
 */

import { createSharedCharts } from "../lessons/sharedCharts.js";
import { formatLoss } from "../readouts.js";
import { button, el } from "../views/controls.js";
import { specDiff, specInWords } from "./runText.js";

/**
 * @typedef {import("../api.js").RunDetail} RunDetail
 */

/**
 * @param {HTMLElement} container
 * @param {{uPlot: any}} o
 */
export function createCompareRuns(container, { uPlot }) {
  container.hidden = true;

  function close() {
    container.hidden = true;
    container.replaceChildren();
  }

  return {
    /**
     * @param {RunDetail[]} runs in the order the list showed them
     * @param {boolean} regression the runs' task (R² rather than accuracy)
     */
    show(runs, regression) {
      container.replaceChildren(
        el("div", { className: "compare-head" }, [
          el("h3", { textContent: `Comparing ${runs.length} runs` }),
          button({ label: "Close", onClick: close }),
        ]),
        diffList(runs),
      );
      const charts = el("div", { className: "compare-charts" });
      container.append(charts, figuresTable(runs, regression));
      container.hidden = false;
      const shared = createSharedCharts(charts, uPlot, { arms: runs.map((r) => r.name), regression, highlight: null });
      runs.forEach((run, i) => shared.push(i, run.metrics));
      shared.flush();
      container.scrollIntoView({ block: "nearest" });
    },
    close,
  };
}

/**
 * What differs between the runs' specs, one line per field.
 * @param {RunDetail[]} runs
 */
function diffList(runs) {
  const lines = specDiff(runs.map(specInWords));
  const head = el("p", { textContent: `What differs (${runs.map((r) => r.name).join(" → ")}):` });
  if (!lines.length)
    return el("div", { className: "spec-diff" }, [el("p", { textContent: "The specs are the same." })]);
  return el("div", { className: "spec-diff" }, [
    head,
    el(
      "ul",
      {},
      lines.map((d) => el("li", { textContent: d.text })),
    ),
  ]);
}

/**
 * Each run's last figures, and its best validation loss, side by side.
 * @param {RunDetail[]} runs
 * @param {boolean} regression
 */
function figuresTable(runs, regression) {
  const score = (/** @type {any} */ v) =>
    typeof v !== "number" ? "–" : regression ? v.toFixed(3) : `${(100 * v).toFixed(1)}%`;
  const loss = (/** @type {any} */ v) => (v == null ? "–" : formatLoss(v));
  const scoreName = regression ? "R²" : "accuracy";
  /** @type {[string, (run: RunDetail) => string][]} */
  const rows = [
    ["epochs", (r) => String(r.epochs)],
    ["train loss", (r) => loss(r.last?.train_loss)],
    ["val loss", (r) => loss(r.last?.val_loss)],
    [`train ${scoreName}`, (r) => score(r.last?.train_score)],
    [`val ${scoreName}`, (r) => score(r.last?.val_score)],
    ["best val loss", (r) => loss(r.best?.val_loss)],
    ["status", (r) => r.status],
  ];
  return el("table", { className: "compare-figures" }, [
    el("caption", { textContent: "Final figures" }),
    el("thead", {}, [
      el("tr", {}, [
        el("th", { textContent: "" }),
        ...runs.map((r) => el("th", { scope: "col", textContent: r.name })),
      ]),
    ]),
    el(
      "tbody",
      {},
      rows.map(([name, value]) =>
        el("tr", {}, [
          el("th", { scope: "row", textContent: name }),
          ...runs.map((r) => el("td", { textContent: value(r) })),
        ]),
      ),
    ),
  ]);
}
