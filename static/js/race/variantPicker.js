// @ts-check
/**
 * The "Race a variant" control: which one setting to change (race.js's CHANGES), its value
 * (a menu of the setting's choices, or a number typed within its bounds), and a button that
 * asks for the race. A value that does not read is refused beside the control, in words that
 * name the setting and its limit; the page decides what racing means (`onRace`).
 */

import { quote, readValue, whyNot, writeValue } from "../urlValue.js";
import { button, el, select, showError } from "../views/controls.js";
import { CHANGES, changeNamed, variantProblem } from "./race.js";

/**
 * @typedef {import("./race.js").Variant} Variant
 * @typedef {{getState: () => Record<string, any>, taken: Variant[], label: string,
 *            onRace: (variant: Variant) => void}} PickerOptions
 * `getState`: "yours" now; `taken`: the variants already racing (not asked twice);
 * `label`: the button's text.
 */

/**
 * @param {HTMLElement} container
 * @param {PickerOptions} o
 */
export function createVariantPicker(container, o) {
  const which = select({
    name: "race-change",
    label: "Change",
    options: CHANGES.map((c) => [c.name, c.label]),
    value: CHANGES[0].name,
    onChange: () => showValue(),
  });
  const valueBox = el("div", { className: "race-value" });
  const go = button({ label: o.label, className: "race-go", name: "race", onClick: () => race() });
  const node = el("div", { className: "variant-picker" }, [which.node, valueBox, go]);
  container.append(node);
  /** @type {HTMLInputElement | HTMLSelectElement | null} */
  let input = null;

  /** The value's control for the chosen change, set to a value that differs from yours. */
  function showValue() {
    const change = /** @type {import("./race.js").Change} */ (changeNamed(which.input.value));
    const row = change.row();
    const current = change.current(o.getState());
    if (row.choices) {
      const options = row.choices.map((c) => /** @type {[string, string]} */ ([c, change.text?.(c) ?? c]));
      const first = row.choices.find((c) => c !== current) ?? row.choices[0];
      const menu = select({ name: "race-value", label: "to", options, value: first, onChange: () => clear() });
      input = menu.input;
      valueBox.replaceChildren(menu.node);
    } else {
      input = /** @type {HTMLInputElement} */ (el("input", { type: "text", inputMode: "decimal", size: 8 }));
      input.value = writeValue(row, current);
      input.addEventListener("input", () => clear());
      input.addEventListener("keydown", (e) => e.key === "Enter" && race());
      valueBox.replaceChildren(
        el("div", { className: "control", "data-control": "race-value" }, [
          el("label", { textContent: "to " }, [input]),
          el("span", { className: "field-error", role: "alert", "data-error-for": "race-value" }),
        ]),
      );
    }
    clear();
  }

  function clear() {
    showError(node, "race-value", "");
  }

  /** Reads the value; races it, or says beside it why not. */
  function race() {
    const change = /** @type {import("./race.js").Change} */ (changeNamed(which.input.value));
    const text = (input?.value ?? "").trim();
    const value = readValue(change.row(), text);
    if (value === undefined || value === null)
      return void showError(node, "race-value", `${change.label}: ${whyNot(change.row(), text)}`);
    const variant = { change: change.name, value };
    const problem = variantProblem(o.getState(), variant);
    if (problem) return void showError(node, "race-value", `${change.label}: ${problem}`);
    if (o.taken.some((v) => v.change === variant.change && v.value === variant.value))
      return void showError(node, "race-value", `${change.label} ${quote(text)} is racing already`);
    o.onRace(variant);
  }

  showValue();
  return { node };
}
