// @ts-check
/**
 * The glossary on the page: the first time a technical word (glossaryTerms.js) appears in a
 * label, heading, caption, legend or paragraph, it is wrapped in a focusable
 * `<span class="term">` whose definition one shared tooltip shows on hover and on focus.
 *
 * The matching is pure (`findTerms`, `planWraps`) and tested in node; `applyGlossary` walks
 * the DOM. It is idempotent and cheap (one regular expression over the visible text), so
 * views may call it after every re-render. Definitions and page text only ever reach the
 * DOM as textContent.
 */

import { TERMS } from "./glossaryTerms.js";
import { el, placeAt } from "./views/controls.js";

/** Term → definition, for every term in glossaryTerms.js. */
export const GLOSSARY = Object.freeze(Object.fromEntries(TERMS.map((t) => [t.term, t.definition])));

/** Where terms are looked for: labels, headings, captions, legends, paragraphs, lists. */
export const TEXT_SELECTOR = "label, h1, h2, h3, h4, h5, h6, figcaption, caption, legend, p, dt, dd, th, li";

/**
 * Where they never are: form controls and links (their text is their name), terms already
 * wrapped, code, drawings, live regions (a change there would be read out again), and
 * anything marked `data-no-glossary`.
 */
export const EXCLUDED_SELECTOR = [
  "input",
  "select",
  "option",
  "textarea",
  "button",
  "a",
  "output",
  "summary",
  ".term",
  ".glossary-tip",
  "code",
  "pre",
  "kbd",
  "samp",
  "script",
  "style",
  "svg",
  "canvas",
  "[contenteditable]",
  "[data-no-glossary]",
  "[role='alert']",
  "[role='status']",
  "[role='tooltip']",
  "[aria-live]:not([aria-live='off'])",
].join(", ");

const WORD = "[\\p{L}\\p{N}_]"; // a letter, digit or underscore: a term must not touch one
const SEPARATOR = "[-\\s\\u00a0\\u2010\\u2011]"; // "learning rate" = "learning-rate"

/**
 * @typedef {{term: string, start: number, end: number, text: string}} TermMatch
 *   a term found in a text: [start, end) in UTF-16 units, `text` as written there
 * @typedef {{node: number, start: number, end: number, term: string}} PlannedWrap
 */

/**
 * A word's plurals: "neuron" → "neurons", "loss" → "losses", "accuracy" → "accuracies";
 * both "batches" and "epochs" for a final "ch".
 * @param {string} word
 * @returns {string[]}
 */
function plurals(word) {
  if (/ch$/i.test(word)) return [`${word}es`, `${word}s`];
  if (/(s|x|z|sh)$/i.test(word)) return [`${word}es`];
  if (/[^aeiou]y$/i.test(word)) return [`${word.slice(0, -1)}ies`];
  return [`${word}s`];
}

/** @param {string} text spelling → lookup key: lower case, one space between words */
function normalize(text) {
  return text
    .toLowerCase()
    .split(new RegExp(`${SEPARATOR}+`, "u"))
    .join(" ");
}

/** @param {string} form one spelling → its regular-expression source, any separator between words */
function formPattern(form) {
  return form
    .split(new RegExp(`${SEPARATOR}+`, "u"))
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(SEPARATOR);
}

/** Every spelling (singular and plural) → its term, and one expression matching them all. */
function buildMatcher() {
  /** @type {Map<string, string>} */
  const forms = new Map();
  for (const { term, also = [] } of TERMS) {
    for (const spelling of [term, ...also]) {
      const words = spelling.split(new RegExp(`${SEPARATOR}+`, "u"));
      const many = plurals(words[words.length - 1]).map((last) => [...words.slice(0, -1), last].join(" "));
      for (const form of [spelling, ...many]) {
        const key = normalize(form);
        const other = forms.get(key);
        if (other !== undefined && other !== term)
          throw new Error(`glossary: "${form}" means both ${other} and ${term}`);
        forms.set(key, term);
      }
    }
  }
  // Longest first: at one position the alternation takes the first that fits, so
  // "training loss" wins over "loss" and "feature map" over "feature".
  const sources = [...forms.keys()].sort((a, b) => b.length - a.length).map(formPattern);
  const pattern = new RegExp(`(?<!${WORD})(?:${sources.join("|")})(?!${WORD})`, "giu");
  return { forms, pattern };
}

const MATCHER = buildMatcher();

/**
 * The canonical term a spelling stands for ("Neurons" → "neuron"), or null.
 * @param {string} text
 * @returns {string | null}
 */
export function lookupTerm(text) {
  return MATCHER.forms.get(normalize(text.trim())) ?? null;
}

/**
 * Every glossary term in `text`, left to right, never overlapping; where two overlap the
 * longer wins ("validation loss", not "loss"). Whole words only: "relu" is not in "preluded".
 * @param {string} text
 * @returns {TermMatch[]}
 */
export function findTerms(text) {
  /** @type {TermMatch[]} */
  const found = [];
  for (const m of text.matchAll(MATCHER.pattern)) {
    const term = MATCHER.forms.get(normalize(m[0]));
    if (term !== undefined && m.index !== undefined)
      found.push({ term, start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  return found;
}

/**
 * Which occurrences to wrap, given texts in document order: the first occurrence of each
 * term that is not in `wrapped` (the terms already wrapped). Once these are wrapped, the
 * same texts plan nothing more: this is what makes applyGlossary idempotent.
 * @param {string[]} texts
 * @param {ReadonlySet<string>} [wrapped]
 * @returns {PlannedWrap[]}
 */
export function planWraps(texts, wrapped = new Set()) {
  const seen = new Set(wrapped);
  /** @type {PlannedWrap[]} */
  const plan = [];
  texts.forEach((text, node) => {
    if (seen.size === TERMS.length) return;
    for (const { term, start, end } of findTerms(text)) {
      if (seen.has(term)) continue;
      seen.add(term);
      plan.push({ node, start, end, term });
    }
  });
  return plan;
}

// --- the DOM ---

/** @param {Element} node whether it is laid out and shown (not display:none, not hidden) */
function isShown(node) {
  const check = /** @type {any} */ (node).checkVisibility;
  return typeof check === "function" ? check.call(node) : node.getClientRects().length > 0;
}

/**
 * The text nodes under root where terms may be wrapped, in document order.
 * @param {Element} root
 * @returns {Text[]}
 */
function candidateTexts(root) {
  if (root.closest(EXCLUDED_SELECTOR)) return [];
  /** @type {Map<Element, boolean>} */
  const shown = new Map();
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        return /** @type {Element} */ (node).matches(EXCLUDED_SELECTOR)
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_SKIP;
      }
      const data = /** @type {Text} */ (node).data;
      return data.length > 1 && /\p{L}/u.test(data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
    },
  });
  /** @type {Text[]} */
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const container = node.parentElement?.closest(TEXT_SELECTOR);
    if (!container) continue;
    if (!shown.has(container)) shown.set(container, isShown(container));
    if (shown.get(container)) texts.push(/** @type {Text} */ (node));
  }
  return texts;
}

/**
 * Wraps [start, end) of a text node in a term span; later ranges of the same node first,
 * so earlier offsets stay valid.
 * @param {Text} node
 * @param {PlannedWrap[]} wraps this node's, in order
 * @param {HTMLElement} tip
 */
function wrapRanges(node, wraps, tip) {
  for (const { start, end, term } of [...wraps].reverse()) {
    node.splitText(end);
    const word = node.splitText(start);
    const span = el("span", { className: "term", tabIndex: 0, "data-term": term, "aria-describedby": tip.id });
    word.replaceWith(span);
    span.append(word);
  }
}

/**
 * Wraps the first visible occurrence under `root` of each glossary term not yet wrapped
 * there (a wrapped one that is hidden does not count), and makes sure the shared tooltip
 * exists. Safe to call after every re-render.
 * @param {Element} root
 * @returns {number} how many terms it wrapped
 */
export function applyGlossary(root) {
  const tip = ensureTooltip(root.ownerDocument);
  /** @type {Set<string>} */
  const wrapped = new Set();
  for (const span of root.querySelectorAll(".term[data-term]")) {
    const term = span.getAttribute("data-term");
    if (term && isShown(span)) wrapped.add(term);
  }
  if (wrapped.size === TERMS.length) return 0;
  const texts = candidateTexts(root);
  const plan = planWraps(
    texts.map((t) => t.data),
    wrapped,
  );
  /** @type {Map<number, PlannedWrap[]>} */
  const byNode = new Map();
  for (const wrap of plan) byNode.set(wrap.node, [...(byNode.get(wrap.node) ?? []), wrap]);
  for (const [index, wraps] of byNode) wrapRanges(texts[index], wraps, tip);
  return plan.length;
}

// --- the one tooltip ---

const TIP_ID = "glossary-tip";
const HIDE_DELAY_MS = 150; // time to move the pointer from a term onto its tooltip

/** @type {WeakMap<Document, HTMLElement>} */
const tooltips = new WeakMap();

/**
 * The document's tooltip, created (with its listeners, delegated from the document) on
 * first use.
 * @param {Document} doc
 * @returns {HTMLElement}
 */
function ensureTooltip(doc) {
  const existing = tooltips.get(doc);
  if (existing) return existing;
  const name = el("strong", { className: "glossary-term" });
  const text = el("span", { className: "glossary-definition" });
  const tip = el("div", { id: TIP_ID, className: "glossary-tip", role: "tooltip", hidden: true }, [name, " ", text]);
  doc.body.append(tip);
  tooltips.set(doc, tip);

  /** @type {HTMLElement | null} */
  let current = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let hideTimer;

  /** @param {HTMLElement} term */
  const show = (term) => {
    clearTimeout(hideTimer);
    const key = term.dataset.term ?? "";
    const definition = GLOSSARY[key];
    if (!definition) return;
    current = term;
    name.textContent = key;
    text.textContent = definition;
    const box = term.getBoundingClientRect();
    placeAt(tip, box.left, box.bottom + 6);
    if (tip.getBoundingClientRect().top < box.bottom) placeAt(tip, box.left, box.top - tip.offsetHeight - 6);
  };
  const hide = () => {
    clearTimeout(hideTimer);
    current = null;
    tip.hidden = true;
  };
  const hideSoon = () => {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_DELAY_MS);
  };
  /** @param {EventTarget | null} target */
  const termOf = (target) =>
    /** @type {HTMLElement | null} */ (target instanceof Element ? target.closest(".term[data-term]") : null);

  const focused = () => current !== null && doc.activeElement === current;

  doc.addEventListener("mouseover", (event) => {
    const term = termOf(event.target);
    if (term && term !== current) show(term);
    else if (term || tip.contains(/** @type {Node} */ (event.target))) clearTimeout(hideTimer);
    // the term under the pointer was re-rendered away: its mouseout never came
    else if (!tip.hidden && !focused()) hideSoon();
  });
  doc.addEventListener("mouseout", (event) => {
    const to = /** @type {Node | null} */ (event.relatedTarget);
    const from = termOf(event.target) ?? (tip.contains(/** @type {Node} */ (event.target)) ? tip : null);
    if (!from || focused()) return;
    if (!(to && (from.contains(to) || tip.contains(to) || current?.contains(to)))) hideSoon();
  });
  doc.addEventListener("focusin", (event) => {
    const term = termOf(event.target);
    if (term) show(term);
  });
  doc.addEventListener("focusout", (event) => {
    if (termOf(event.target)) hide();
  });
  doc.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !tip.hidden) hide();
  });
  return tip;
}
