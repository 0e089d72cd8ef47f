// @ts-check
/** The popover in which a user types a new value for the weight or bias they clicked. */

import { el, placeAt } from "./controls.js";

/**
 * The small popover that edits one weight or bias, labelled in words.
 * @param {(param: string, index: number[], value: number) => void} onEdit
 */
export function createWeightEditor(onEdit) {
  const input = /** @type {HTMLInputElement} */ (
    el("input", { type: "number", step: "0.1", min: "-1000", max: "1000", id: "weight-value" })
  );
  const label = el("label", { for: "weight-value" });
  const form = el("form", { className: "weight-editor", hidden: true }, [
    label,
    input,
    el("button", { type: "submit", textContent: "Set" }),
  ]);
  /** @type {{param: string, index: number[]} | null} */
  let target = null;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = Number(input.value);
    if (target && input.value !== "" && Number.isFinite(value) && Math.abs(value) <= 1000) {
      onEdit(target.param, target.index, value);
    }
    form.hidden = true;
  });
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") form.hidden = true;
  });
  return {
    node: form,
    /**
     * @param {string} param
     * @param {number[]} index
     * @param {number} value
     * @param {number} x
     * @param {number} y
     * @param {string} words what is edited: "weight from X₁ to neuron 2 of layer 1"
     */
    open(param, index, value, x, y, words) {
      target = { param, index };
      label.textContent = words.charAt(0).toUpperCase() + words.slice(1);
      input.value = value.toFixed(3);
      placeAt(form, x + 8, y + 8);
      input.focus();
      input.select();
    },
  };
}
