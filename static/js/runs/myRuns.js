// @ts-check
/**
 * "My runs" (docs/runs.md, "My runs and comparing"): the runs this browser trained, as the
 * server recorded them (`GET /api/runs`), newest first, each a row of runRow.js. Two to
 * four picked rows can be compared. The view talks to the server only through the functions
 * it is given (api.js's), and reports Open and Compare to the page.
 */

import { button, el } from "../views/controls.js";
import { createRunRow } from "./runRow.js";

/** The most runs compared at once: more curves on one chart stop being readable. */
export const MAX_COMPARED = 4;

/**
 * @typedef {import("../api.js").RunSummary} RunSummary
 * @typedef {{
 *   list: () => Promise<RunSummary[]>,
 *   change: (id: string, change: {name?: string, pinned?: boolean}) => Promise<RunSummary>,
 *   remove: (id: string) => Promise<null>,
 *   onOpen: (run: RunSummary) => Promise<void>,
 *   onCompare: (runs: RunSummary[]) => Promise<void>,
 *   now?: () => number,
 * }} MyRunsOptions `onOpen` and `onCompare` throw an Error in words when they cannot
 */

/**
 * @param {HTMLElement} container
 * @param {MyRunsOptions} o
 */
export function createMyRuns(container, o) {
  const list = el("ul", { className: "run-list", "aria-label": "My runs" });
  const note = el("span", { className: "field-error runs-note", role: "alert" });
  const compare = button({
    label: "Compare",
    title: `Pick 2 to ${MAX_COMPARED} runs to compare`,
    onClick: () => void compareSome(),
  });
  const refresh = button({ label: "Refresh", onClick: () => void load() });
  container.append(el("div", { className: "runs-tools" }, [refresh, compare, note]), list);
  /** @type {ReturnType<typeof createRunRow>[]} */
  let rows = [];

  const actions = {
    onOpen: o.onOpen,
    onSelect: pickedChanged,
    now: o.now ?? (() => Date.now()),
    rename: async (/** @type {RunSummary} */ run, /** @type {string} */ name) => {
      Object.assign(run, await o.change(run.id, { name }));
    },
    pin: async (/** @type {RunSummary} */ run, /** @type {boolean} */ pinned) => {
      await o.change(run.id, { pinned });
      await load();
    },
    remove: async (/** @type {RunSummary} */ run) => {
      await o.remove(run.id);
      await load();
    },
  };

  function pickedChanged() {
    const n = rows.filter((r) => r.picked).length;
    compare.disabled = n < 2 || n > MAX_COMPARED;
    compare.textContent = n >= 2 ? `Compare ${n}` : "Compare";
    note.textContent = n > MAX_COMPARED ? `pick at most ${MAX_COMPARED} runs to compare (${n} picked)` : "";
  }

  async function compareSome() {
    note.textContent = "";
    try {
      await o.onCompare(rows.filter((r) => r.picked).map((r) => r.run));
    } catch (e) {
      note.textContent = /** @type {Error} */ (e).message;
    }
  }

  /** Lists the runs anew (the rows' picks are kept by id). */
  async function load() {
    const picked = new Set(rows.filter((r) => r.picked).map((r) => r.run.id));
    let runs;
    try {
      runs = await o.list();
    } catch (e) {
      note.textContent = `the runs did not load: ${/** @type {Error} */ (e).message}`;
      return;
    }
    note.textContent = "";
    rows = runs.map((run) => createRunRow(run, actions));
    for (const row of rows)
      if (picked.has(row.run.id)) /** @type {HTMLInputElement} */ (row.node.querySelector("input")).checked = true;
    list.replaceChildren(...rows.map((r) => r.node));
    if (!rows.length) list.append(el("li", { className: "muted", textContent: "No runs recorded yet: press Play." }));
    pickedChanged();
  }

  return { node: container, refresh: load };
}
