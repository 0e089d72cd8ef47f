// @ts-check
/**
 * Colour scales, shared by every heatmap. The diverging scale is TensorFlow Playground's
 * orange–grey–blue, which stays readable for the common colour-vision deficiencies (it
 * varies in lightness and along the blue–yellow axis, not red–green). Classes beyond two
 * take the Okabe–Ito palette, designed for the same readers.
 */

/** @typedef {[number, number, number]} RGB */

/** @type {RGB} */ export const NEGATIVE = [245, 147, 34]; // #f59322, class 0, weights < 0
/** @type {RGB} */ export const NEUTRAL = [232, 234, 235]; // #e8eaeb
/** @type {RGB} */ export const POSITIVE = [8, 119, 189]; // #0877bd, class 1, weights > 0

/** Class colours: the two of the diverging scale, then Okabe–Ito's green and purple. */
/** @type {RGB[]} */
export const CLASS_COLORS = [NEGATIVE, POSITIVE, [0, 158, 115], [204, 121, 167]];

/**
 * @param {number} t in [-1, 1] (clamped): -1 orange, 0 grey, 1 blue
 * @returns {RGB}
 */
export function diverging(t) {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  return u < 0 ? mix(NEUTRAL, NEGATIVE, -u) : mix(NEUTRAL, POSITIVE, u);
}

/**
 * @param {RGB} a
 * @param {RGB} b
 * @param {number} f 0 gives a, 1 gives b
 * @returns {RGB}
 */
export function mix(a, b, f) {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** @param {RGB} c */
export function css(c) {
  return `rgb(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])})`;
}

/**
 * A 256-entry lookup from a quantized map's bytes to colours: byte b stands for
 * value = min + b / 255 * (max - min), which `toUnit` places on [-1, 1].
 * @param {number} min
 * @param {number} max
 * @param {(value: number) => number} toUnit
 * @param {boolean} [discrete] only the two ends of the scale (TF Playground's "discretize")
 */
export function byteScale(min, max, toUnit, discrete = false) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    let t = toUnit(min + (b / 255) * (max - min));
    if (discrete) t = t >= 0 ? 1 : -1;
    lut.set(diverging(t).map(Math.round), b * 3);
  }
  return lut;
}

/**
 * Paints `count` pixels of bytes (from `offset`) into an RGBA image through a lookup.
 * @param {ImageData} image
 * @param {Uint8Array} bytes
 * @param {number} offset
 * @param {Uint8ClampedArray} lut
 */
export function paintBytes(image, bytes, offset, lut) {
  const px = image.data;
  const count = image.width * image.height;
  for (let i = 0; i < count; i++) {
    const c = bytes[offset + i] * 3;
    const p = i * 4;
    px[p] = lut[c];
    px[p + 1] = lut[c + 1];
    px[p + 2] = lut[c + 2];
    px[p + 3] = 255;
  }
}
