// @ts-check
/**
 * One recorded run in "My runs": a thumbnail of it at its last checkpoint, its name, data
 * and network, when, epochs, best figures and status, with its own controls: a box to pick it for comparing, Open, Rename (inline:
 * Enter keeps the new name, Escape or leaving the box keeps the old), Pin and Delete (asked
 * twice, in the row). What fails is said in words in the row's own slot, next to them.
 */

import { networkWords } from "../layerNames.js";
import { paintThumbnail } from "../thumbnail.js";
import { button, el } from "../views/controls.js";
import { figuresText, statusText, whenText } from "./runText.js";

/**
 * @typedef {import("../api.js").RunSummary} RunSummary
 * @typedef {{
 *   onOpen: (run: RunSummary) => Promise<void>,
 *   onSelect: () => void,
 *   rename: (run: RunSummary, name: string) => Promise<void>,
 *   pin: (run: RunSummary, pinned: boolean) => Promise<void>,
 *   remove: (run: RunSummary) => Promise<void>,
 *   now: () => number,
 * }} RowActions each returns once the server answered; a refusal throws an Error in words
 */

/**
 * @param {RunSummary} run
 * @param {RowActions} actions
 */
export function createRunRow(run, actions) {
  const error = el("span", { className: "field-error run-error", role: "alert" });
  const pick = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", "aria-label": `Compare ${run.name}` }));
  pick.addEventListener("change", actions.onSelect);
  const name = el("span", { className: "run-name", textContent: run.name });
  const summary = run.spec_summary;
  const facts = [
    `${summary.dataset ?? "?"}: ${networkWords(summary.network)}`,
    summary.optimizer ? `${summary.optimizer}, lr ${summary.lr}` : "",
    whenText(run.updated, actions.now()),
    `${run.epochs} epoch${run.epochs === 1 ? "" : "s"}`,
    `best ${figuresText(run.best)}`,
  ].filter(Boolean);
  const status = el("span", { className: `run-status run-${run.status}`, textContent: statusText(run) });
  const confirm = el("span", { className: "run-confirm", hidden: true });
  const node = el("li", { className: "run-row", "data-run": run.id, "data-status": run.status }, [
    el("label", { className: "run-pick" }, [pick]),
    thumbnail(run),
    el("div", { className: "run-text" }, [
      el("span", {}, [name, ...(run.pinned ? [el("span", { className: "run-pinned", textContent: "pinned" })] : [])]),
      el("span", { className: "run-facts muted", textContent: facts.join(" · ") }),
      status,
    ]),
    el("div", { className: "run-actions" }, [...controls(run, actions, { name, error, confirm }), confirm, error]),
  ]);
  return {
    node,
    run,
    get picked() {
      return pick.checked;
    },
  };
}

/** What each kind of thumbnail shows, in words (its label for a screen reader). */
const THUMBNAIL_WORDS = {
  boundary: "its output over the plane",
  classes: "the class it picks over the plane",
  probabilities: "its class probabilities for one example",
  prediction: "its prediction over the truth",
  loss: "its loss per epoch",
};

/**
 * The run drawn small at its last checkpoint (docs/runs.md): an empty frame until it has one.
 * @param {RunSummary} run
 */
function thumbnail(run) {
  const thumb = run.thumbnail;
  if (!thumb) return el("span", { className: "run-thumb run-thumb-none", title: "no checkpoint yet" });
  const words = THUMBNAIL_WORDS[thumb.view] ?? thumb.view;
  const canvas = /** @type {HTMLCanvasElement} */ (
    el("canvas", { className: `run-thumb run-thumb-${thumb.view}`, role: "img", "aria-label": words, title: words })
  );
  paintThumbnail(canvas, thumb);
  return canvas;
}

/**
 * The row's buttons. Open is left out for a GAN (the GAN page shows those).
 * @param {RunSummary} run
 * @param {RowActions} actions
 * @param {{name: HTMLElement, error: HTMLElement, confirm: HTMLElement}} parts
 */
function controls(run, actions, { name, error, confirm }) {
  /** @param {() => Promise<void>} act */
  const attempt = (act) => {
    error.textContent = "";
    act().catch((/** @type {Error} */ e) => (error.textContent = e.message));
  };
  const open = button({
    label: "Open",
    title: "Load this run's network and continue it",
    onClick: () => attempt(() => actions.onOpen(run)),
  });
  const rename = button({
    label: "Rename",
    onClick: () => startRename(run, name, (n) => attempt(() => actions.rename(run, n))),
  });
  const pin = button({
    label: run.pinned ? "Unpin" : "Pin",
    title: "A pinned run is never deleted to make room",
    onClick: () => attempt(() => actions.pin(run, !run.pinned)),
  });
  pin.setAttribute("aria-pressed", String(run.pinned));
  const remove = button({
    label: "Delete",
    onClick: () => {
      const yes = button({
        label: "Delete it",
        className: "danger",
        onClick: () => attempt(() => actions.remove(run)),
      });
      const no = button({ label: "Keep it", onClick: () => void ((confirm.hidden = true), remove.focus()) });
      confirm.replaceChildren(`Delete “${run.name}” for good? `, yes, no);
      confirm.hidden = false;
      no.focus(); // the safe answer has the keyboard
    },
  });
  return run.kind === "gan" ? [rename, pin, remove] : [open, rename, pin, remove];
}

/**
 * The name becomes a text box: Enter keeps what is typed, Escape (or leaving the box) the old.
 * @param {RunSummary} run
 * @param {HTMLElement} name
 * @param {(name: string) => void} save
 */
function startRename(run, name, save) {
  const box = /** @type {HTMLInputElement} */ (
    el("input", {
      type: "text",
      value: run.name,
      maxLength: 120,
      className: "run-rename",
      "aria-label": `New name for ${run.name}`,
    })
  );
  let finished = false;
  const finish = (/** @type {string | null} */ text) => {
    if (finished) return;
    finished = true;
    box.replaceWith(name);
    if (text !== null && text.trim() && text.trim() !== run.name) {
      name.textContent = text.trim();
      save(text.trim());
    }
  };
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(box.value);
    if (e.key === "Escape") finish(null);
  });
  box.addEventListener("blur", () => finish(null));
  name.replaceWith(box);
  box.focus();
  box.select();
}
