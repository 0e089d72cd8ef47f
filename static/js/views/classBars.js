// @ts-check
/**
 * The network's answer for one image: a bar per class with its probability, the most
 * likely class highlighted. Screen readers get one sentence ("Prediction: 7, 93%; then 1,
 * 4%"), not ten numbers that change thirty times a second.
 */

import { el } from "./controls.js";

/**
 * @param {HTMLElement} container
 * @param {{labels: string[]}} options one label per class
 */
export function createClassBars(container, { labels }) {
  const root = el("div", { className: "class-bars", role: "img", "aria-label": "Prediction: none yet" });
  const rows = labels.map((label) => {
    const fill = el("span", { className: "class-bar-fill" });
    const percent = el("span", { className: "class-bar-percent", textContent: "–" });
    const row = el("div", { className: "class-bar" }, [
      el("span", { className: "class-bar-label", textContent: label }),
      el("span", { className: "class-bar-track" }, [fill]),
      percent,
    ]);
    root.append(row);
    return { row, fill, percent, shown: "" };
  });
  container.append(root);

  return {
    /** @param {ArrayLike<number>} probabilities one per class, summing to 1 */
    update(probabilities) {
      const top = topClasses(probabilities, 2);
      rows.forEach((r, c) => {
        const p = Number.isFinite(probabilities[c]) ? Math.max(0, Math.min(1, probabilities[c])) : 0;
        const text = formatPercent(p);
        if (text !== r.shown) {
          r.shown = text;
          r.percent.textContent = text;
          r.fill.style.width = `${(100 * p).toFixed(1)}%`;
        }
        r.row.classList.toggle("top", c === top[0]);
      });
      const [first, second] = top.map((c) => `${labels[c]}, ${formatPercent(probabilities[c])}`);
      root.setAttribute("aria-label", `Prediction: ${first}${second ? `; then ${second}` : ""}`);
    },
    reset() {
      for (const r of rows) {
        r.shown = "";
        r.percent.textContent = "–";
        r.fill.style.width = "0";
        r.row.classList.remove("top");
      }
      root.setAttribute("aria-label", "Prediction: none yet");
    },
  };
}

/**
 * The indices of the n largest values, largest first (NaN last).
 * @param {ArrayLike<number>} values
 * @param {number} n
 */
export function topClasses(values, n) {
  const order = Array.from({ length: values.length }, (_, i) => i);
  const key = (/** @type {number} */ i) => (Number.isFinite(values[i]) ? values[i] : -Infinity);
  order.sort((a, b) => key(b) - key(a) || a - b);
  return order.slice(0, n);
}

/**
 * "93%", "0.4%", "<0.1%": small probabilities keep a digit, so a close second is visible.
 * @param {number} p 0..1
 */
export function formatPercent(p) {
  const percent = 100 * p;
  if (!(percent >= 0.05)) return percent > 0 ? "<0.1%" : "0%";
  return percent < 9.95 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}
