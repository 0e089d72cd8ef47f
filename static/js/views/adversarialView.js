// @ts-check
/**
 * An adversarial example (the `adversarial` view, app/train/probes/adversarial.py): the
 * digit, the change the fast gradient sign method makes to it (each pixel ±eps; amplified
 * to the full colour scale so it can be seen at all: orange darker, blue lighter), and the
 * changed digit, each with the network's answer and its probability. The original and the
 * changed digit are painted on the same 0..1 ink scale, so the eye compares them honestly.
 */

import { diverging } from "../colors.js";
import { el } from "./controls.js";
import { paintImage } from "./gallery.js";

/**
 * @typedef {import("../frame.js").Frame} Frame
 * @typedef {{before: number, p_before: number, after: number, p_after: number,
 *            label: number | null, eps: number}} AdversarialValues
 */

/**
 * The view's numbers from a frame's values ("adversarial/before", ...); null when absent.
 * @param {Record<string, any>} values
 * @returns {AdversarialValues | null}
 */
export function adversarialValues(values) {
  const get = (/** @type {string} */ key) => values[`adversarial/${key}`];
  if (typeof get("before") !== "number" || typeof get("after") !== "number") return null;
  return {
    before: get("before"),
    p_before: get("p_before"),
    after: get("after"),
    p_after: get("p_after"),
    label: typeof get("label") === "number" ? get("label") : null,
    eps: get("eps"),
  };
}

/**
 * "7 (98%)": a class name and its probability.
 * @param {string[]} classes
 * @param {number} c
 * @param {number} p
 */
export function answerText(classes, c, p) {
  const name = classes[c] ?? String(c);
  return `${name} (${Number.isFinite(p) ? (100 * p).toFixed(0) : "–"}%)`;
}

/**
 * Paints the perturbation on the diverging scale, ±eps mapped to the scale's ends.
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 * @param {ArrayLike<number>} data (H×W) values in [-eps, eps]
 * @param {number} eps
 */
function paintChange(canvas, width, height, data, eps) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    // more ink (a darker pixel) shows orange, less ink blue
    const [r, g, b] = diverging(eps > 0 ? -data[i] / eps : 0);
    image.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * @param {HTMLElement} container
 * @param {{classes: string[]}} options the data's class names
 */
export function createAdversarialView(container, { classes }) {
  /** @param {string} label */
  const canvas = (label) =>
    /** @type {HTMLCanvasElement} */ (
      el("canvas", { width: 1, height: 1, className: "adv-image", role: "img", "aria-label": label })
    );
  const images = {
    original: canvas("the digit"),
    perturbation: canvas("the change to each pixel, amplified"),
    perturbed: canvas("the changed digit"),
  };
  const captions = {
    original: el("figcaption", { className: "adv-before", textContent: "–" }),
    perturbation: el("figcaption", { className: "adv-eps", textContent: "–" }),
    perturbed: el("figcaption", { className: "adv-after", textContent: "–" }),
  };
  const verdict = el("p", { className: "adv-verdict muted", "aria-live": "polite" });
  const node = el("div", { className: "adversarial" }, [
    el("div", { className: "adv-row" }, [
      el("figure", {}, [images.original, captions.original]),
      el("span", { className: "adv-op", textContent: "+", "aria-hidden": "true" }),
      el("figure", {}, [images.perturbation, captions.perturbation]),
      el("span", { className: "adv-op", textContent: "=", "aria-hidden": "true" }),
      el("figure", {}, [images.perturbed, captions.perturbed]),
    ]),
    verdict,
  ]);
  container.append(node);

  return {
    node,
    /** @param {Frame} frame */
    update(frame) {
      const v = adversarialValues(frame.header.values);
      const arrays = frame.names.includes("adversarial/original") ? frame.arrays : null;
      if (!v || !arrays) return;
      const [height, width] = arrays["adversarial/original"].shape;
      paintImage(images.original, width, height, (i) => arrays["adversarial/original"].data[i]);
      paintChange(images.perturbation, width, height, arrays["adversarial/perturbation"].data, v.eps);
      paintImage(images.perturbed, width, height, (i) => arrays["adversarial/perturbed"].data[i]);
      captions.original.textContent = `network: ${answerText(classes, v.before, v.p_before)}`;
      captions.perturbation.textContent = `each pixel ±${v.eps} (amplified)`;
      captions.perturbed.textContent = `network: ${answerText(classes, v.after, v.p_after)}`;
      node.dataset.flipped = String(v.before !== v.after);
      verdict.textContent =
        v.before !== v.after
          ? `The answer changed from ${classes[v.before] ?? v.before} to ${classes[v.after] ?? v.after}.`
          : "The answer held for this digit.";
    },
    reset() {
      for (const c of Object.values(captions)) c.textContent = "–";
      verdict.textContent = "";
      delete node.dataset.flipped;
    },
  };
}
