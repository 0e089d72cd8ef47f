// @ts-check
/**
 * A student's side of the teacher's control (docs/classroom.md): the `class` event
 * (docs/protocol.md) brings the teacher's experiment and the settings locked in it. A new
 * experiment replaces the page's (the caller loads it) and a banner says so; each locked
 * control is greyed, disabled and labelled "The teacher locked …". The server refuses a
 * locked change anyway (error code `locked`): greying only saves the student a refusal.
 *
 * Controls are redrawn as the page changes (layer cards on every edit), so the locks are
 * applied again whenever the page's controls change, by a MutationObserver.
 */

/**
 * @typedef {{name: string, words: string, controls: string[]}} ClassLock
 * @typedef {{type: "class", experiment: string | null, spec: Record<string, any> | null,
 *            locks: ClassLock[], reset?: boolean}} ClassEvent
 */

const SEEN_KEY = "nnp-class-experiment"; // the last experiment this tab loaded (reloads keep it)
const LOCKED_ATTR = "data-class-locked"; // on an element disabled by a lock (not by its view)
const NOTE_CLASS = "class-lock-note";

/**
 * @param {Document} doc
 * @param {{banner: HTMLElement, onExperiment: (spec: Record<string, any>) => void,
 *          onReset: () => void, storage?: Storage}} options `onExperiment` loads the
 *   teacher's spec into the page; `onReset`: the teacher reset the run, the views start over
 */
export function createClassLocks(doc, { banner, onExperiment, onReset, storage = sessionStorage }) {
  /** @type {ClassLock[]} */
  let locks = [];
  const observer = new MutationObserver(() => apply());

  /** Greys what the locks name, and frees what they no longer name. */
  function apply() {
    observer.disconnect(); // its own changes are not changes of the page
    /** @type {Map<Element, ClassLock>} */
    const locked = new Map();
    for (const lock of locks) {
      for (const name of lock.controls) {
        for (const node of doc.querySelectorAll(`[data-control="${CSS.escape(name)}"]`)) locked.set(node, lock);
      }
    }
    for (const node of doc.querySelectorAll(`[${LOCKED_ATTR}], .${NOTE_CLASS}`)) {
      const owner = node.closest("[data-control]");
      if (owner && locked.has(owner)) continue;
      if (node.classList.contains(NOTE_CLASS)) node.remove();
      else unlock(node);
    }
    locked.forEach((lock, node) => lockControl(node, lock));
    if (locks.length)
      observer.observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
  }

  /**
   * @param {Element} node a control's wrapper (or the control itself)
   * @param {ClassLock} lock
   */
  function lockControl(node, lock) {
    const words = `The teacher locked ${lock.words}`;
    node.classList.add("class-locked");
    const fields = node.matches("input, select, button, textarea")
      ? [node]
      : [...node.querySelectorAll("input, select, button, textarea")];
    for (const field of fields) {
      const input = /** @type {HTMLInputElement} */ (field);
      if (!input.disabled || input.hasAttribute(LOCKED_ATTR)) {
        if (!input.hasAttribute(LOCKED_ATTR)) input.dataset.classTitle = input.title; // kept for unlocking
        input.disabled = true;
        input.setAttribute(LOCKED_ATTR, lock.name);
        input.title = words;
      }
    }
    const host = node.matches("input, select, button, textarea") ? null : node;
    if (host && !host.querySelector(`:scope > .${NOTE_CLASS}`)) {
      host.append(Object.assign(doc.createElement("span"), { className: NOTE_CLASS, textContent: words }));
    }
  }

  /** @param {Element} node */
  function unlock(node) {
    const input = /** @type {HTMLInputElement} */ (node);
    input.disabled = false;
    input.title = input.dataset.classTitle ?? "";
    delete input.dataset.classTitle;
    node.removeAttribute(LOCKED_ATTR);
    node.closest(".class-locked")?.classList.remove("class-locked");
  }

  /** @param {ClassEvent} event */
  function receive(event) {
    if (event.reset) onReset();
    locks = event.locks ?? [];
    const fresh = event.experiment !== null && event.spec && storage.getItem(SEEN_KEY) !== event.experiment;
    if (fresh && event.spec && event.experiment) {
      storage.setItem(SEEN_KEY, event.experiment);
      onExperiment(event.spec);
      showBanner(event);
    } else if (!banner.hidden) showBanner(event); // the locks it names changed
    for (const node of doc.querySelectorAll(".class-locked")) node.classList.remove("class-locked");
    apply();
  }

  /** @param {ClassEvent} event */
  function showBanner(event) {
    const named = event.locks.map((l) => l.words);
    const text = named.length
      ? `The teacher sent a new experiment; it replaced yours. Locked by the teacher: ${named.join(", ")}.`
      : "The teacher sent a new experiment; it replaced yours. Nothing is locked: change what you like.";
    const close = Object.assign(doc.createElement("button"), { type: "button", textContent: "OK", className: "small" });
    close.addEventListener("click", () => (banner.hidden = true));
    banner.replaceChildren(Object.assign(doc.createElement("span"), { textContent: text }), close);
    banner.hidden = false;
  }

  return {
    receive,
    /** Whether a setting (the URL table's name) is locked now. @param {string} name */
    isLocked: (name) => locks.some((l) => l.name === name),
    reset() {
      locks = [];
      apply();
      banner.hidden = true;
    },
  };
}
