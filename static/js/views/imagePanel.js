// @ts-check
/**
 * The image workspace's right-hand panel, for 10-class digit data: validation samples to
 * show the network, a pad to draw one's own digit, what the network sees and its answer
 * (a bar per class), the confusion matrix on the validation set, and the validation
 * images it gets wrong. It reports what the user picked or drew; main.js sends it on.
 *
 * Frames carry the slow views (confusion, mistakes) only now and then: whatever a frame
 * lacks keeps what was last shown.
 */

import { createClassBars } from "./classBars.js";
import { accuracyFromCounts, createConfusion } from "./confusion.js";
import { el } from "./controls.js";
import { createGallery, imageValues, paintImage } from "./gallery.js";
import { createPad } from "./pad.js";

/** The most samples the strip shows. */
const STRIP_LENGTH = 16;
/** @type {import("../frame.js").FrameArray} a frame with a count of mistakes and no images */
const NO_IMAGES = { dtype: "uint8", shape: [0, 0, 0], data: new Uint8Array(0), min: [], max: [] };

/**
 * @typedef {{index: number, x: number[][], y: number}} Example a validation image, H x W, 0..1
 * @typedef {import("./gallery.js").ImageArray} ImageArray
 * @typedef {{header: {values?: Record<string, any>}, arrays: Record<string, ImageArray>}} PanelFrame
 */

/**
 * @param {HTMLElement} container
 * @param {{labels: string[], imageSize: number,
 *          onSample: (valIndex: number) => void,
 *          onDraw: (input: Float32Array | null) => void,
 *          loadExamples?: () => Promise<{examples: Example[]}>}} options
 *   imageSize: the model's input is imageSize x imageSize; onDraw(null): back to the sample
 */
export function createImagePanel(container, { labels, imageSize, onSample, onDraw, loadExamples }) {
  const root = el("div", { className: "image-panel" });
  container.append(root);
  /** @param {string} title @param {string} className */
  const part = (title, className) => {
    const node = el("section", { className: `image-part ${className}` }, [el("h3", { textContent: title })]);
    root.append(node);
    return node;
  };

  const samples = part("Validation samples", "image-samples");
  const strip = el("div", {
    className: "sample-strip",
    role: "group",
    "aria-label": "Validation samples: pick one to show the network",
  });
  const status = el("p", { className: "image-status muted", role: "status" });
  samples.append(strip, status);

  const drawing = part("Draw a digit", "image-draw");
  const pad = createPad(drawing, { size: imageSize, onInput: onDraw });

  const answer = part("The network's answer", "image-answer");
  const seen = /** @type {HTMLCanvasElement} */ (el("canvas", { width: imageSize, height: imageSize }));
  const seenLabel = el("span", { textContent: "–" });
  const row = el("div", { className: "image-answer-row" }, [
    el("figure", { className: "network-sees" }, [
      seen,
      el("figcaption", {}, ["what the network sees", el("br"), seenLabel]),
    ]),
  ]);
  answer.append(row);
  const bars = createClassBars(row, { labels });

  const confusion = createConfusion(part("Confusion matrix (validation)", "image-confusion"), { labels });
  const gallery = createGallery(part("Mistakes (validation)", "image-mistakes"), { labels, onPick: pick });

  /** @type {number | null} */ let selected = null;
  /** @type {number | undefined} */ let valTotal;
  let loads = 0; // a stale answer of loadExamples is dropped

  /** @param {number} index a val index: the network is shown it, the drawing goes */
  function pick(index) {
    pad.clear();
    select(index);
    onSample(index);
  }

  /** Marks a val index as the selected sample (no report). @param {number | null} index */
  function select(index) {
    selected = index;
    for (const node of strip.children) {
      node.setAttribute("aria-pressed", String(Number(/** @type {HTMLElement} */ (node).dataset.index) === index));
    }
  }

  /** @param {Example[]} examples */
  function setExamples(examples) {
    strip.replaceChildren(
      ...examples.slice(0, STRIP_LENGTH).map((example) => {
        const height = example.x.length;
        const width = example.x[0]?.length ?? 0;
        const canvas = /** @type {HTMLCanvasElement} */ (el("canvas"));
        paintImage(canvas, width, height, (i) => example.x[Math.floor(i / width)][i % width]);
        const name = labels[example.y] ?? String(example.y);
        const node = el(
          "button",
          {
            type: "button",
            className: "sample",
            title: `validation image ${example.index}: ${name}`,
            "aria-label": `validation image ${example.index}: ${name}`,
            "data-index": String(example.index),
          },
          [canvas],
        );
        node.addEventListener("click", () => pick(example.index));
        return node;
      }),
    );
    status.textContent = examples.length ? "" : "no samples";
    select(selected);
  }

  /** Asks loadExamples for the samples again (new data), and shows them. */
  async function reloadExamples() {
    if (!loadExamples) return;
    const load = ++loads;
    status.textContent = "loading samples…";
    try {
      const { examples } = await loadExamples();
      if (load === loads) setExamples(examples);
    } catch (error) {
      if (load === loads)
        status.textContent = `could not load the samples: ${error instanceof Error ? error.message : error}`;
    }
  }

  /** @param {ImageArray} input (1, H, W) @param {any} label */
  function showSeen(input, label) {
    const [, height, width] = input.shape;
    paintImage(seen, width, height, imageValues(input, 0, width * height));
    seenLabel.textContent =
      Number.isInteger(label) && label >= 0 ? `true class: ${labels[label] ?? label}` : "your drawing";
  }

  /** @param {PanelFrame} frame */
  function update(frame) {
    const { arrays } = frame;
    const values = frame.header.values ?? {};
    if (arrays.probabilities) bars.update(arrays.probabilities.data);
    if (arrays["example/input"]) showSeen(arrays["example/input"], values["example/label"]);
    if (arrays.confusion) {
      confusion.update(arrays.confusion.data);
      valTotal = accuracyFromCounts(arrays.confusion.data, labels.length).total || undefined;
    }
    const images = arrays["misclassified/images"];
    if (images || values["misclassified/count"] != null) {
      gallery.update(images ?? NO_IMAGES, {
        index: values["misclassified/index"] ?? [],
        truth: values["misclassified/truth"] ?? [],
        predicted: values["misclassified/predicted"] ?? [],
        count: values["misclassified/count"] ?? values["misclassified/index"]?.length ?? 0,
        total: valTotal,
      });
    }
  }

  function reset() {
    bars.reset();
    confusion.reset();
    gallery.reset();
    valTotal = undefined;
    paintImage(seen, imageSize, imageSize, () => 0);
    seenLabel.textContent = "–";
  }

  reset();
  void reloadExamples();
  return {
    update,
    reset,
    setExamples,
    reloadExamples,
    select,
    /** What the network is to be shown: the drawing if there is one, else the selected sample. */
    current: () => ({ sample: selected, drawing: pad.input() }),
  };
}
