// @ts-check
/**
 * A drawing -> the input a digit classifier was trained on. Pure functions, no DOM.
 *
 * A network trained on MNIST or on scikit-learn's digits has only seen digits normalised
 * the way those data sets were made, so a drawing must go through the same steps, or a
 * well-drawn "7" in a corner of the pad reads as noise:
 *
 * - MNIST (28 x 28): each NIST digit was scaled, keeping its aspect ratio, so that its
 *   bounding box's longer side is 20 px, anti-aliased into a 20 x 20 frame, and the frame
 *   moved (by whole pixels) so that the centre of mass, not the box, is at the centre of
 *   the 28 x 28 field (LeCun et al., "The MNIST database"). "Centre" is pixel (14, 14)
 *   counted from 0, half a pixel right of and below the field's middle: over 2,000 MNIST
 *   training images the centre of mass lies at 14.51, 14.49 (pixel i spanning [i, i + 1]),
 *   give or take 0.29 px, the whole-pixel rounding.
 * - scikit-learn digits (8 x 8, UCI optdigits): each digit was size-normalised to fill a
 *   32 x 32 bitmap (box centred) and each 4 x 4 block counted, 0..16: the digit fills the
 *   grid edge to edge (all 1,797 fill the eight rows; most are 6 columns wide), and a
 *   block's value is the share of it that is ink, which is what area-averaging computes.
 * - any other size: fill the box as for optdigits, with a 1 px margin from 16 px up (so
 *   that strokes are not cut by the edge), none below (8 px cannot spare two).
 *
 * Values are 0..1 with ink = 1, as the data sets the page trains on, the darkest pixel 1.
 * Checked on the data: 300 images of each set, enlarged 7x (MNIST) or 24x (digits) and
 * placed off-centre as a drawing, come back within 0.008 (MNIST) and 0.036 (digits) per
 * pixel on average of the originals.
 */

/** A pixel counts for the bounding box from this much ink on (anti-aliased rims are less). */
export const INK_THRESHOLD = 0.1;

/**
 * The MNIST convention: the field, the longer side of the digit's box, and where its
 * centre of mass goes (the middle of pixel 14; pixel i spans [i, i + 1]).
 */
export const MNIST = { size: 28, box: 20, centre: 14.5 };

/**
 * @typedef {{x0: number, y0: number, x1: number, y1: number}} Box pixel indices, inclusive
 */

/**
 * The bounding box of the pixels with at least INK_THRESHOLD ink, or null when there are none.
 * @param {ArrayLike<number>} alpha width x height, row-major, 0..1
 * @param {number} width
 * @param {number} height
 * @returns {Box | null}
 */
export function inkBox(alpha, width, height) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (alpha[row + x] < INK_THRESHOLD) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/**
 * The ink's centre of mass inside a box, in pixel coordinates (pixel i spans [i, i + 1]).
 * @param {ArrayLike<number>} alpha
 * @param {number} width
 * @param {Box} box
 * @returns {[number, number]}
 */
export function centreOfMass(alpha, width, box) {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const a = alpha[y * width + x];
      mass += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
    }
  }
  return [sx / mass, sy / mass];
}

/**
 * The drawing as a size x size model input, scaled and centred like the training data
 * (see the module comment), or null when nothing is drawn.
 * @param {ArrayLike<number>} alpha the drawing's ink, width x height, row-major, 0..1
 * @param {number} width
 * @param {number} height
 * @param {number} size the model's input is size x size (28: MNIST, 8: scikit-learn digits)
 * @returns {Float32Array | null} size * size values, 0..1, ink = 1
 */
export function toDigitInput(alpha, width, height, size) {
  const box = inkBox(alpha, width, height);
  if (!box) return null;
  const boxWidth = box.x1 - box.x0 + 1;
  const boxHeight = box.y1 - box.y0 + 1;
  const longer = Math.max(boxWidth, boxHeight);
  let scale;
  let left; // where the box's left edge lands on the grid, in grid pixels
  let top;
  if (size === MNIST.size) {
    // As MNIST was made: the digit anti-aliased into a 20 x 20 frame (centred along its
    // shorter side), the frame then moved by whole pixels, so strokes stay as sharp.
    scale = MNIST.box / longer;
    const inFrameX = (MNIST.box - boxWidth * scale) / 2;
    const inFrameY = (MNIST.box - boxHeight * scale) / 2;
    const [cx, cy] = centreOfMass(alpha, width, box);
    left = inFrameX + Math.round(MNIST.centre - inFrameX - (cx - box.x0) * scale);
    top = inFrameY + Math.round(MNIST.centre - inFrameY - (cy - box.y0) * scale);
  } else {
    const margin = size >= 16 ? 1 : 0;
    const inner = size - 2 * margin;
    scale = inner / longer;
    left = margin + (inner - boxWidth * scale) / 2;
    top = margin + (inner - boxHeight * scale) / 2;
  }
  return toFullInk(areaAverage(alpha, width, box, { scale, left, top, size }));
}

/**
 * Scales the values so that the darkest pixel is 1, as it is in the training images (their
 * strokes saturate somewhere: the mean maximum is 0.999 in scikit-learn's digits), while a
 * pad stroke averaged into 8 x 8 blocks is less than one block wide.
 * @param {Float32Array} image
 */
function toFullInk(image) {
  let max = 0;
  for (const v of image) max = Math.max(max, v);
  if (max > 0) for (let i = 0; i < image.length; i++) image[i] = Math.min(1, image[i] / max);
  return image;
}

/**
 * Resamples the box onto the grid: each source pixel becomes a scale x scale square at
 * (left, top) + its offset, and a grid pixel takes the ink of the squares covering it,
 * weighted by the area they cover (anti-aliased; ink that falls off the grid is lost).
 * @param {ArrayLike<number>} alpha
 * @param {number} width
 * @param {Box} box
 * @param {{scale: number, left: number, top: number, size: number}} place
 */
function areaAverage(alpha, width, box, { scale, left, top, size }) {
  const out = new Float32Array(size * size);
  const columns = overlaps(box.x1 - box.x0 + 1, left, scale, size);
  const rows = overlaps(box.y1 - box.y0 + 1, top, scale, size);
  for (let j = 0; j < rows.length; j++) {
    const rowStart = (box.y0 + j) * width + box.x0;
    for (let i = 0; i < columns.length; i++) {
      const a = alpha[rowStart + i];
      if (!(a > 0)) continue;
      for (const [ty, wy] of rows[j]) {
        for (const [tx, wx] of columns[i]) out[ty * size + tx] += a * wx * wy;
      }
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = Math.min(1, out[k]); // rounding can pass 1
  return out;
}

/**
 * Along one axis: for each of n source pixels, the grid pixels its span
 * [start + i * scale, start + (i + 1) * scale] covers, with the length covered.
 * @param {number} n
 * @param {number} start
 * @param {number} scale
 * @param {number} size grid pixels 0..size-1; the rest is dropped
 * @returns {[number, number][][]}
 */
function overlaps(n, start, scale, size) {
  /** @type {[number, number][][]} */
  const spans = [];
  for (let i = 0; i < n; i++) {
    const a = start + i * scale;
    const b = a + scale;
    /** @type {[number, number][]} */
    const cover = [];
    for (let t = Math.max(0, Math.floor(a)); t < Math.min(size, Math.ceil(b)); t++) {
      const length = Math.min(b, t + 1) - Math.max(a, t);
      if (length > 0) cover.push([t, length]);
    }
    spans.push(cover);
  }
  return spans;
}
