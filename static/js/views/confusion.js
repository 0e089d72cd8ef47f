// @ts-check
/**
 * The confusion matrix on the validation set: a table with a row per true class and a
 * column per predicted class, each cell holding its count and shaded by its share of the
 * row (the share of that class's images it stands for, so a rare class reads as clearly
 * as a common one). Right answers (the diagonal) take the class's colour, mistakes red.
 */

import { CLASS_COLORS, css, mix } from "../colors.js";
import { el } from "./controls.js";

/** @typedef {import("../colors.js").RGB} RGB */

/**
 * Beyond colors.js's classes: the rest of Okabe–Ito's palette, then muted tones that stay
 * apart from the error red, enough for ten digits.
 * @type {RGB[]}
 */
const MORE_CLASS_COLORS = [
  [86, 180, 233],
  [213, 94, 0],
  [148, 103, 189],
  [140, 86, 75],
  [188, 189, 34],
  [100, 100, 100],
];
/** @type {RGB} */ const MISTAKE = [179, 38, 30]; // site.css --error
/** @type {RGB} */ const WHITE = [255, 255, 255];

/** @param {number} c */
export function classColor(c) {
  const all = [...CLASS_COLORS, ...MORE_CLASS_COLORS];
  return all[c % all.length];
}

/**
 * Accuracy from a confusion matrix: the diagonal's share of all counts.
 * @param {ArrayLike<number>} counts C x C, row = true class, column = predicted
 * @param {number} classes C
 * @returns {{correct: number, total: number, accuracy: number | null}} null when empty
 */
export function accuracyFromCounts(counts, classes) {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < classes; i++) {
    for (let j = 0; j < classes; j++) {
      const n = counts[i * classes + j];
      if (!Number.isFinite(n)) continue;
      total += n;
      if (i === j) correct += n;
    }
  }
  return { correct, total, accuracy: total > 0 ? correct / total : null };
}

/**
 * Each count's share of its row (0 in a row with no images).
 * @param {ArrayLike<number>} counts C x C
 * @param {number} classes C
 */
export function rowShares(counts, classes) {
  const shares = new Float32Array(classes * classes);
  for (let i = 0; i < classes; i++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += counts[i * classes + j] || 0;
    for (let j = 0; j < classes; j++) shares[i * classes + j] = sum > 0 ? (counts[i * classes + j] || 0) / sum : 0;
  }
  return shares;
}

/** "7", "312", "1.2k": a count that fits a cell of a 10 x 10 table on a phone. */
export function formatCount(/** @type {number} */ n) {
  if (!Number.isFinite(n)) return "–";
  return n < 1000 ? String(Math.round(n)) : `${(n / 1000).toFixed(n < 9950 ? 1 : 0)}k`;
}

/**
 * @param {HTMLElement} container
 * @param {{labels: string[]}} options one label per class
 */
export function createConfusion(container, { labels }) {
  const classes = labels.length;
  const caption = el("caption", { textContent: "validation accuracy –" });
  const head = el("tr", {}, [el("td"), ...labels.map((l) => el("th", { scope: "col", textContent: l }))]);
  /** @type {{td: HTMLElement, shown: string}[]} */
  const cells = [];
  const body = labels.map((label, i) => {
    const row = el("tr", {}, [el("th", { scope: "row", textContent: label })]);
    for (let j = 0; j < classes; j++) {
      const td = el("td", { className: i === j ? "diagonal" : "" });
      cells.push({ td, shown: "" });
      row.append(td);
    }
    return row;
  });
  const table = el(
    "table",
    {
      className: "confusion-table",
      "aria-label": "Confusion matrix: a row per true class, a column per predicted class",
    },
    [caption, el("thead", {}, [head]), el("tbody", {}, body)],
  );
  container.append(
    el("figure", { className: "confusion" }, [
      el("div", { className: "confusion-predicted", "aria-hidden": "true", textContent: "predicted" }),
      el("div", { className: "confusion-true", "aria-hidden": "true", textContent: "true" }),
      table,
    ]),
  );

  return {
    /** @param {ArrayLike<number>} counts C x C, row = true class, column = predicted */
    update(counts) {
      const shares = rowShares(counts, classes);
      for (let k = 0; k < classes * classes; k++) {
        const i = Math.floor(k / classes);
        const j = k % classes;
        const share = shares[k];
        const text = formatCount(counts[k]);
        const key = `${text}|${share.toFixed(2)}`;
        if (key === cells[k].shown) continue;
        cells[k].shown = key;
        const { td } = cells[k];
        td.textContent = text;
        td.style.background = css(mix(WHITE, i === j ? classColor(i) : MISTAKE, share));
        td.classList.toggle("dark", share > 0.55);
        td.classList.toggle("zero", !counts[k]);
        td.classList.toggle("long", text.length > 3);
        td.title = `true ${labels[i]}, predicted ${labels[j]}: ${text} (${Math.round(100 * share)}% of ${labels[i]})`;
      }
      caption.textContent = accuracyText(accuracyFromCounts(counts, classes));
    },
    reset() {
      for (const cell of cells) {
        cell.shown = "";
        cell.td.textContent = "";
        cell.td.style.background = "";
        cell.td.title = "";
        cell.td.classList.remove("dark", "zero", "long");
      }
      caption.textContent = "validation accuracy –";
    },
  };
}

/** @param {{correct: number, total: number, accuracy: number | null}} a */
function accuracyText({ correct, total, accuracy }) {
  if (accuracy === null) return "validation accuracy –";
  return `validation accuracy ${(100 * accuracy).toFixed(1)}% (${Math.round(correct)} of ${Math.round(total)})`;
}
