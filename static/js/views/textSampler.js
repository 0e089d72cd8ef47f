// @ts-check
/**
 * Text sampling from a character model (the names set): a prefix, a length and a
 * temperature, a Sample button, and "resample as it learns", which asks again every ~2 s so
 * the samples visibly improve as the network trains. Only the answer to the latest request
 * is shown, and always as text, never as HTML (it is whatever the model wrote).
 */

import { button, checkbox, el, slider } from "./controls.js";

export const RESAMPLE_MS = 2000;
/** A request unanswered this long no longer holds back the next resample. */
const PATIENCE_MS = 6000;
export const MAX_PREFIX = 100;
export const MAX_LENGTH = 500;
let uid = 0;

/**
 * Generated text as a list of names: '.' ends a name; empty pieces are dropped, an
 * unfinished last piece is kept.
 * @param {string} text
 * @returns {string[]}
 */
export function splitNames(text) {
  return text.split(/[.\n]/).filter((name) => name.trim() !== "");
}

/**
 * A whole number within [min, max] from a text field; `fallback` when it is not a number.
 * @param {string} text
 * @param {number} min
 * @param {number} max
 * @param {number} fallback
 */
export function clampInteger(text, min, max, fallback) {
  const n = Math.round(Number(text));
  return text.trim() === "" || !Number.isFinite(n) ? fallback : Math.max(min, Math.min(max, n));
}

/** @typedef {{prefix: string, length: number, temperature: number}} SampleRequest */

/**
 * @param {HTMLElement} container
 * @param {{onGenerate: (request: SampleRequest) => number | null | undefined}} o returns the
 *   request's id, which `show` receives with the text (null when nothing was sent)
 */
export function createTextSampler(container, o) {
  const temperature = slider({
    name: "temperature",
    label: "Temperature",
    min: 0.1,
    max: 2,
    step: 0.1,
    value: 1,
    format: (v) => v.toFixed(1),
    onChange: () => {},
  });
  const length = field("sample_length", "Length (characters)", {
    type: "number",
    min: 1,
    max: MAX_LENGTH,
    step: 1,
    value: "60",
    inputMode: "numeric",
  });
  const prefix = field("sample_prefix", "Starts with (optional)", {
    type: "text",
    maxLength: MAX_PREFIX,
    placeholder: "e.g. ma",
    autocomplete: "off",
    spellcheck: false,
  });
  const resample = checkbox({
    name: "resample",
    label: "resample as it learns",
    value: false,
    onChange: (on) => (on ? start() : stop()),
  });
  const status = el("p", { className: "chart-note", "aria-live": "polite" });
  const list = el("ol", { className: "samples", "aria-label": "generated names" });
  const node = el("section", { className: "text-sampler" }, [
    el("h3", { textContent: "Sample names" }),
    el("div", { className: "sampler-controls" }, [
      temperature.node,
      el("p", {
        className: "chart-note temperature-hint",
        textContent: "low: safe, repetitive; high: adventurous, misspelled",
      }),
      length.node,
      prefix.node,
      el("div", { className: "sampler-actions" }, [
        button({ label: "Sample", className: "sample-button", name: "sample", onClick: request }),
        resample.node,
      ]),
    ]),
    status,
    list,
  ]);
  container.append(node);
  /** @type {number | null} */
  let latest = null;
  let askedAt = 0;
  let answered = true;
  /** @type {ReturnType<typeof setInterval> | null} */
  let timer = null;

  function request() {
    const id = o.onGenerate({
      prefix: prefix.input.value.slice(0, MAX_PREFIX),
      length: clampInteger(length.input.value, 1, MAX_LENGTH, 60),
      temperature: Number(temperature.input.value),
    });
    if (typeof id !== "number") return;
    latest = id;
    askedAt = Date.now();
    answered = false;
    status.textContent = list.childElementCount ? "" : "sampling…";
  }

  function tick() {
    if (!node.isConnected) return stop(); // the panel left the page
    if (answered || Date.now() - askedAt > PATIENCE_MS) request();
  }

  function start() {
    stop();
    resample.set(true);
    request();
    timer = setInterval(tick, RESAMPLE_MS);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    resample.set(false);
  }

  return {
    node,
    /**
     * Shows the text answering request `id`; answers to older requests are dropped.
     * @param {number} id
     * @param {string} text
     * @returns {boolean} whether it was shown
     */
    show(id, text) {
      if (id !== latest) return false;
      answered = true;
      const names = splitNames(text);
      list.replaceChildren(...names.map((name) => el("li", { textContent: name })));
      status.textContent = names.length ? "" : "(the model wrote only ends of names)";
      return true;
    },
    /** Forgets the shown samples (a new network); pending answers are then dropped. */
    clear() {
      latest = null;
      answered = true;
      list.replaceChildren();
      status.textContent = "";
    },
    stop,
  };
}

/**
 * A labelled input in the same wrapper as controls.js's (classroom links can hide it).
 * @param {string} name
 * @param {string} label
 * @param {Record<string, any>} props
 */
function field(name, label, props) {
  const input = /** @type {HTMLInputElement} */ (el("input", { name, id: `sampler${++uid}-${name}`, ...props }));
  const node = el("div", { className: "control", "data-control": name }, [
    el("label", { for: input.id, textContent: label }),
    input,
    el("span", { className: "field-error", role: "alert", "data-error-for": name }),
  ]);
  return { node, input };
}
