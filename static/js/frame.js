// @ts-check
/**
 * Decodes the server's binary `frame` messages (docs/protocol.md, "frame: binary"):
 *   | H: u32 LE | header: UTF-8 JSON (H bytes) | array bytes, back to back |
 * uint8 arrays stay raw bytes (maps quantized over [min, max]); float16 arrays are
 * widened to Float32Array, since JavaScript has no half floats to compute with.
 * A sliced map (feature maps, filters, misclassified images) has one range per index along
 * its first axis: `min` and `max` are then arrays; `sliceRange` reads either form.
 *
 * Only the header is read when a frame arrives (its run and step decide whether it is
 * shown); the arrays are decoded when first read, so a frame that a newer one replaces
 * before the next paint costs no decoding (`supersede`).
 */

/**
 * @typedef {{dtype: "uint8" | "float16", shape: number[], data: Uint8Array | Float32Array,
 *            min?: number | number[], max?: number | number[]}} FrameArray
 * @typedef {{type: "frame", run: string, step: number, epoch: number,
 *            values: Record<string, number | number[] | null>}} FrameHeader
 * @typedef {{header: FrameHeader, names: string[], readonly arrays: Record<string, FrameArray>}} Frame
 *   `names`: its arrays' names, known before they are decoded
 */

const decoder = new TextDecoder();

/**
 * @param {ArrayBuffer} buffer one websocket binary message
 * @returns {Frame} its header now, its arrays decoded when first read (once)
 */
export function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const headerBytes = view.getUint32(0, true);
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, headerBytes)));
  const specs = header.arrays;
  delete header.arrays;
  /** @type {Record<string, FrameArray> | null} */
  let arrays = null;
  return {
    header,
    names: specs.map((/** @type {{name: string}} */ s) => s.name),
    get arrays() {
      return (arrays ??= decodeArrays(view, 4 + headerBytes, specs));
    },
  };
}

/**
 * @param {DataView} view the whole message
 * @param {number} body the offset of the first array byte
 * @param {{name: string, dtype: "uint8" | "float16", shape: number[], offset: number,
 *          min?: number | number[], max?: number | number[]}[]} specs the header's array table
 */
function decodeArrays(view, body, specs) {
  /** @type {Record<string, FrameArray>} */
  const arrays = {};
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const start = body + spec.offset;
    const data =
      spec.dtype === "uint8" ? new Uint8Array(view.buffer, start, count) : halvesToFloats(view, start, count);
    arrays[spec.name] = { dtype: spec.dtype, shape: spec.shape, data, min: spec.min, max: spec.max };
  }
  return arrays;
}

/**
 * The frame to paint when `newer` arrives before `older` was painted: `newer`, with what
 * only `older` carries (the slow views, sent a few times a second and absent from the
 * frames between: a confusion matrix, the misclassified images). Nothing is decoded here;
 * `older`'s arrays only if the painted frame reads one of its own.
 * @param {Frame | null} older
 * @param {Frame} newer
 * @returns {Frame}
 */
export function supersede(older, newer) {
  if (!older) return newer;
  const only = older.names.filter((n) => !newer.names.includes(n));
  const values = Object.entries(older.header.values).filter(([k]) => !(k in newer.header.values));
  if (!only.length && !values.length) return newer;
  const header = { ...newer.header, values: { ...Object.fromEntries(values), ...newer.header.values } };
  /** @type {Record<string, FrameArray> | null} */
  let arrays = null;
  return {
    header,
    names: [...newer.names, ...only],
    get arrays() {
      if (!arrays) {
        const kept = older.arrays;
        arrays = { ...Object.fromEntries(only.map((n) => [n, kept[n]])), ...newer.arrays };
      }
      return arrays;
    },
  };
}

/**
 * The value range [min, max] of slice `i` (index `i` along the first axis) of a uint8 map:
 * its own range for a sliced map, the whole map's otherwise. A byte b of that slice stands
 * for min + b / 255 * (max - min).
 * @param {FrameArray} array
 * @param {number} i
 * @returns {[number, number]}
 */
export function sliceRange(array, i) {
  const { min, max } = array;
  if (min === undefined || max === undefined) throw new Error("only uint8 maps have a range");
  if (Array.isArray(min) && Array.isArray(max)) return [min[i], max[i]];
  if (typeof min === "number" && typeof max === "number") return [min, max];
  throw new Error("a map's min and max must both be numbers or both be lists");
}

/**
 * The range [min, max] of a whole uint8 map: for a sliced one, the widest over its slices
 * (what normalizing a layer's maps together needs). A map with no slices gives [0, 0].
 * @param {FrameArray} array
 * @returns {[number, number]}
 */
export function mapRange(array) {
  const { min, max } = array;
  if (Array.isArray(min) && Array.isArray(max)) {
    return min.length ? [Math.min(...min), Math.max(...max)] : [0, 0];
  }
  return sliceRange(array, 0);
}

/**
 * @param {DataView} view
 * @param {number} start byte offset of the first half float
 * @param {number} count
 */
function halvesToFloats(view, start, count) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(start + 2 * i, true));
  return out;
}

/**
 * IEEE 754 binary16 bits -> number (subnormals, ±0, ±Infinity and NaN included).
 * @param {number} bits
 */
export function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
