// @ts-check
/**
 * A canvas with one pixel per map cell; CSS scales it up (smoothly, as TensorFlow
 * Playground does). Maps arrive as quantized bytes from a frame (see colors.byteScale).
 */

import { paintBytes } from "../colors.js";

/**
 * @param {HTMLCanvasElement} canvas
 */
export function createHeatmap(canvas) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  /** @type {ImageData | null} */
  let image = null;
  return {
    canvas,
    /**
     * @param {Uint8Array} bytes the map's bytes
     * @param {number} offset first byte of this map (several maps share one array)
     * @param {number} size the map is size x size
     * @param {Uint8ClampedArray} lut byte -> RGB (colors.byteScale)
     */
    update(bytes, offset, size, lut) {
      if (!image || image.width !== size) {
        canvas.width = canvas.height = size;
        image = ctx.createImageData(size, size);
      }
      paintBytes(image, bytes, offset, lut);
      ctx.putImageData(image, 0, 0);
    },
    /**
     * Paints from real values (features computed on the page), already on [-1, 1].
     * @param {Float32Array} values size x size
     * @param {number} size
     * @param {(t: number) => [number, number, number]} color
     */
    updateValues(values, size, color) {
      canvas.width = canvas.height = size;
      image = ctx.createImageData(size, size);
      for (let i = 0; i < size * size; i++) {
        const [r, g, b] = color(values[i]);
        image.data.set([r, g, b, 255], i * 4);
      }
      ctx.putImageData(image, 0, 0);
    },
    reset() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    },
  };
}
