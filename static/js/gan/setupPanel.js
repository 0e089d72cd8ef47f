// @ts-check
/**
 * The left column: the real data (GAN Lab's 2-D sets, your own drawing, the digits), its
 * noise, and the game's settings: latent size and distribution, the loss, discriminator
 * steps per generator step, batch size, and the presets of the data's family.
 */

import { button, el, select, slider } from "../views/controls.js";
import { ensure } from "./netEditor.js";
import { GAN_PRESETS, matchingPreset, presetFamily } from "./presets.js";

const BATCHES = [8, 16, 32, 64, 128, 256, 512];
const D_STEPS = [1, 2, 3, 4, 5, 10];

/**
 * @typedef {{catalog: any, state: Record<string, any>, kindOf: (d: string) => string,
 *            onChange: (changes: Record<string, any>) => void,
 *            onPreset: (name: string) => void}} Options
 */

/**
 * @param {HTMLElement} data the data section
 * @param {HTMLElement} game the game's settings section
 * @param {Options} o
 */
export function createSetupPanel(data, game, o) {
  const sets = o.catalog.gan.datasets;
  const params = o.catalog.gan.params;
  const tiles = el("div", {
    className: "gan-sets",
    role: "group",
    "aria-label": "dataset",
    "data-control": "data.dataset",
  });
  /** @type {Map<string, HTMLButtonElement>} */
  const tileButtons = new Map();
  for (const [name, info] of Object.entries(sets)) {
    const tile = /** @type {HTMLButtonElement} */ (
      el("button", {
        type: "button",
        className: "gan-set",
        title: /** @type {any} */ (info).description,
        textContent: /** @type {any} */ (info).label ?? name,
        "data-dataset": name,
      })
    );
    tile.addEventListener("click", () => o.onChange({ data: name }));
    tileButtons.set(name, tile);
    tiles.append(tile);
  }
  const noise = slider({
    name: "data.noise",
    label: "Noise (spread around the shape)",
    min: o.catalog.data_params.noise.min,
    max: o.catalog.data_params.noise.max,
    step: 0.05,
    value: o.state.noise,
    format: (v) => `${Math.round(v * 100)}%`,
    onChange: (v) => o.onChange({ noise: v }),
  });
  const drawnCount = el("span", { className: "muted" });
  const drawTools = el("div", { className: "draw-tools", "data-control": "data.points" }, [
    drawnCount,
    button({ label: "Clear", title: "Clear the drawn points", onClick: () => o.onChange({ points: [] }) }),
    el("span", { className: "field-error", role: "alert", "data-error-for": "data.points" }),
  ]);
  const regenerate = button({
    label: "New sample of the data",
    title: "Draw a new sample of the data and new weights (a new seed)",
    onClick: () => o.onChange({ seed: Math.floor(Math.random() * 1_000_000) }),
  });
  data.append(
    tiles,
    el("span", { className: "field-error", role: "alert", "data-error-for": "data.dataset" }),
    noise.node,
    drawTools,
    regenerate,
  );

  const latent = numberControl("gan.latent_size", "Latent size (numbers in z)", params.latent_size, (v) =>
    o.onChange({ latent: v }),
  );
  const dist = select({
    name: "gan.latent",
    label: "Latent distribution",
    options: [
      ["uniform", "uniform on [−1, 1]"],
      ["normal", "normal (Gaussian)"],
    ],
    value: o.state.dist,
    title: params.latent.description,
    onChange: (v) => o.onChange({ dist: v }),
  });
  const loss = select({
    name: "gan.loss",
    label: "Loss",
    options: Object.entries(o.catalog.gan.losses).map(([k, v]) => [k, /** @type {any} */ (v).label]),
    value: o.state.loss,
    title: Object.entries(o.catalog.gan.losses)
      .map(([k, v]) => `${k}: ${/** @type {any} */ (v).description}`)
      .join("\n"),
    onChange: (v) => o.onChange({ loss: v }),
  });
  const dSteps = select({
    name: "gan.d_steps",
    label: "D steps per G step",
    options: D_STEPS.map((n) => [String(n), String(n)]),
    value: String(o.state.d_steps),
    title: params.d_steps.description,
    onChange: (v) => o.onChange({ d_steps: Number(v) }),
  });
  const batch = select({
    name: "gan.batch_size",
    label: "Batch size",
    options: BATCHES.map((n) => [String(n), String(n)]),
    value: String(o.state.batch),
    title: params.batch_size.description,
    onChange: (v) => o.onChange({ batch: Number(v) }),
  });
  const preset = select({
    name: "preset",
    label: "Preset",
    options: [],
    value: "",
    onChange: (name) => name && o.onPreset(name),
  });
  game.append(preset.node, latent.node, dist.node, loss.node, dSteps.node, batch.node);

  return {
    /** @param {Record<string, any>} state */
    update(state) {
      const kind = o.kindOf(state.data);
      for (const [name, tile] of tileButtons) tile.setAttribute("aria-pressed", String(name === state.data));
      noise.node.hidden = kind !== "points";
      noise.set(state.noise);
      drawTools.hidden = state.data !== "drawn";
      drawnCount.textContent = `${state.points.length} point${state.points.length === 1 ? "" : "s"} drawn`;
      regenerate.hidden = kind !== "points";
      latent.set(state.latent);
      dist.set(state.dist);
      loss.set(state.loss);
      ensure(dSteps, String(state.d_steps));
      ensure(batch, String(state.batch));
      const family = presetFamily(state.data, kind);
      const presets = Object.entries(GAN_PRESETS[family] ?? {});
      preset.input.replaceChildren(
        ...presets.map(([name, p]) => el("option", { value: name, textContent: p.label })),
        el("option", { value: "", textContent: "custom" }),
      );
      preset.set(matchingPreset(family, state));
    },
  };
}

/**
 * A labelled number input whose value goes to the server as typed (whole numbers only), so
 * that a value out of bounds gets the validator's words next to it.
 * @param {string} name the spec path (its error slot)
 * @param {string} label
 * @param {{min?: number, max?: number, description?: string}} param the catalog's entry
 * @param {(value: number) => void} onChange
 */
function numberControl(name, label, param, onChange) {
  const id = `gan-${name.replaceAll(".", "-")}`;
  const input = /** @type {HTMLInputElement} */ (
    el("input", {
      type: "number",
      id,
      name,
      step: "1",
      min: String(param.min ?? ""),
      max: String(param.max ?? ""),
      title: param.description ?? "",
    })
  );
  let last = 0;
  input.addEventListener("change", () => {
    const v = Number(input.value);
    if (input.value.trim() !== "" && Number.isInteger(v)) onChange(v);
    else input.value = String(last);
  });
  const node = el("div", { className: "control", "data-control": name }, [
    el("label", { for: id, textContent: label }),
    input,
    el("span", { className: "field-error", role: "alert", "data-error-for": name }),
  ]);
  return {
    node,
    /** @param {number} v */
    set(v) {
      last = v;
      if (document.activeElement !== input) input.value = String(v);
    },
  };
}
