// @ts-check
/**
 * What the GAN page has done, for a benchmark or a test to read as `window.nnp` (as the
 * playground's main.js exposes its own): frames received and painted, the step painted
 * last, the runs started and the spec of the last, the latest quality readout. The samples
 * are copied only when read (getters), so the page does no per-point work for them.
 */

import { meanRingDistance } from "./plane.js";

/**
 * @param {number} ringRadius the ring data's radius, for `ringDistance`
 */
export function createCounters(ringRadius) {
  return {
    framesPainted: 0,
    framesReceived: 0,
    paintedStep: -1,
    step: 0,
    epoch: 0,
    stepsPerS: 0,
    starts: 0,
    done: "",
    /** @type {Record<string, any> | null} the spec of the run last started */
    spec: null,
    /** @type {Record<string, any>} the latest quality readout's values */
    quality: {},
    /** @type {() => {real: Float32Array | null, fake: Float32Array | null, heat: import("../frame.js").FrameArray | null}} the plane's samples and heatmap */
    latest: () => ({ real: null, fake: null, heat: null }),
    /** The fakes drawn last, as flat (x, y) pairs. */
    get fake() {
      const fake = this.latest().fake;
      return fake ? Array.from(fake) : null;
    },
    /**
     * The discriminator's P(real) map drawn last, as its range and its quantized cells
     * ([min, max, ...bytes]): the colours alone can hide a small step of D near 0.5.
     */
    get heat() {
      const map = this.latest().heat;
      return map ? [map.min, map.max, ...map.data] : null;
    },
    /** The real samples drawn last, as flat (x, y) pairs. */
    get real() {
      const real = this.latest().real;
      return real ? Array.from(real) : null;
    },
    /** Mean distance of the fakes to the ring (the ring data's shape). */
    get ringDistance() {
      const fake = this.latest().fake;
      return fake ? meanRingDistance(fake, ringRadius) : NaN;
    },
  };
}
