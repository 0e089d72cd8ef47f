// @ts-check
/**
 * Small labelled form controls, each wrapped in an element marked `data-control="<name>"`
 * (so a classroom link can hide it) holding an error slot that `showError` fills with the
 * server's words. Every control has a visible label tied to it, so keyboards and screen
 * readers reach it by name.
 */

let uid = 0;

/**
 * @param {string} tag
 * @param {Record<string, any>} [props] properties (className, textContent...) or attributes
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith("data-") || key.startsWith("aria-") || key === "for" || key === "role")
      node.setAttribute(key, value);
    else /** @type {any} */ (node)[key] = value;
  }
  node.append(...children);
  return node;
}

/**
 * @param {string} name
 * @param {string} label
 * @param {HTMLElement} input
 */
function wrap(name, label, input) {
  input.id ||= `c${++uid}-${name}`;
  return el("div", { className: "control", "data-control": name }, [
    el("label", { for: input.id, textContent: label }),
    input,
    el("span", { className: "field-error", role: "alert", "data-error-for": name }),
  ]);
}

/**
 * @param {{name: string, label: string, options: [string, string][], value: string,
 *          onChange: (value: string) => void, title?: string}} o options as [value, text]
 */
export function select(o) {
  const input = /** @type {HTMLSelectElement} */ (el("select", { name: o.name, title: o.title ?? "" }));
  for (const [value, text] of o.options) input.append(el("option", { value, textContent: text }));
  input.value = o.value;
  input.addEventListener("change", () => o.onChange(input.value));
  const node = wrap(o.name, o.label, input);
  return { node, input, set: (/** @type {string} */ v) => void (input.value = v) };
}

/**
 * A range slider with its value shown beside it.
 * @param {{name: string, label: string, min: number, max: number, step: number, value: number,
 *          format?: (v: number) => string, onChange: (value: number) => void}} o
 */
export function slider(o) {
  const format = o.format ?? String;
  const input = /** @type {HTMLInputElement} */ (
    el("input", { type: "range", name: o.name, min: o.min, max: o.max, step: o.step })
  );
  const output = el("output", { className: "value" });
  const show = (/** @type {number} */ v) => {
    input.value = String(v);
    output.textContent = format(v);
  };
  show(o.value);
  input.addEventListener("input", () => (output.textContent = format(Number(input.value))));
  input.addEventListener("change", () => o.onChange(Number(input.value)));
  const node = wrap(o.name, o.label, input);
  node.append(output);
  return { node, input, set: show };
}

/**
 * @param {{name: string, label: string, value: boolean, onChange: (on: boolean) => void}} o
 */
export function checkbox(o) {
  const input = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox", name: o.name }));
  input.checked = o.value;
  input.addEventListener("change", () => o.onChange(input.checked));
  const node = wrap(o.name, o.label, input);
  node.classList.add("check");
  return { node, input, set: (/** @type {boolean} */ v) => void (input.checked = v) };
}

/**
 * A button; one whose label is a symbol (+, ×, ↺) is named by its title for screen readers.
 * @param {{label: string, title?: string, className?: string, onClick: () => void, name?: string}} o
 */
export function button(o) {
  const node = /** @type {HTMLButtonElement} */ (
    el("button", { type: "button", textContent: o.label, title: o.title ?? "", className: o.className ?? "" })
  );
  if (o.title && o.label.length <= 2) node.setAttribute("aria-label", o.title);
  if (o.name) node.dataset.control = o.name;
  node.addEventListener("click", o.onClick);
  return node;
}

/**
 * Shows `message` in the error slot of control `name` (anywhere under root), or clears it.
 * @param {ParentNode} root
 * @param {string} name
 * @param {string} message "" clears
 * @returns {boolean} whether such a slot exists
 */
export function showError(root, name, message) {
  const slot = root.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (!slot) return false;
  slot.textContent = message;
  slot.closest("[data-control]")?.classList.toggle("has-error", Boolean(message));
  return true;
}

/** @param {ParentNode} root */
export function clearErrors(root) {
  for (const slot of root.querySelectorAll("[data-error-for]")) {
    slot.textContent = "";
    slot.closest("[data-control]")?.classList.remove("has-error");
  }
}

/**
 * Shows a floating element (tooltip, popover) near a point, kept inside the window.
 * @param {HTMLElement} node
 * @param {number} x viewport coordinates
 * @param {number} y
 */
export function placeAt(node, x, y) {
  node.hidden = false;
  const w = node.offsetWidth;
  const h = node.offsetHeight;
  node.style.left = `${Math.max(4, Math.min(x, innerWidth - w - 4))}px`;
  node.style.top = `${Math.max(4, Math.min(y, innerHeight - h - 4))}px`;
}
