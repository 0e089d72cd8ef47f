// @ts-check
/**
 * Layers in words, counted from 1 as the layer cards count them: the model's child names
 * (app/nn: `<type><index>`, from 0) stay on the wire, the page says "layer 1 (dense)".
 */

/**
 * @param {string} name a model child's name: "dense0", "conv2d1", "output"
 * @returns {string} "layer 1 (dense)", "layer 2 (conv2d)", "output"
 */
export function layerTitle(name) {
  const match = /^([a-z0-9_]*?[a-z_])(\d+)$/.exec(name);
  return match ? `layer ${Number(match[2]) + 1} (${match[1]})` : name;
}

/**
 * A network's hidden layers in words, input side first, as the teacher's grid writes them
 * (app/web/class_overview.py's words, or just the types): "dense 8 tanh → dropout 0.1".
 * @param {string[]} layers each layer's words
 */
export function networkWords(layers) {
  return layers.join(" → ") || "no hidden layer";
}
