// @ts-check
/**
 * Sharing: the link to this exact experiment, a classroom link that hides chosen controls
 * (as TensorFlow Playground's), presentation mode for a projector, and the spec as a JSON
 * file to download or import (validated by the server before anything changes).
 */

import { validateSpec } from "../api.js";
import { stateFromSpec } from "../state.js";
import { button, checkbox, el, showError } from "./controls.js";

const MAX_IMPORT_BYTES = 64 * 1024; // the server's request limit
/** Controls a teacher may hide from a classroom link, with the words shown for each. */
const HIDEABLE = {
  play: "play / pause",
  step: "step",
  reset: "reset",
  show_val: "show validation data",
  discretize: "discretize output",
  problem: "problem type",
  dataset: "datasets",
  n_classes: "classes",
  val_fraction: "training data",
  noise: "noise",
  batch_size: "batch size",
  regenerate: "regenerate",
  input: "features",
  layers: "layer builder",
  lr: "learning rate",
  activation: "activation",
  regularization: "regularization",
  reg_rate: "regularization rate",
  optimizer: "optimizer",
  speed: "speed",
  training: "training settings",
  share: "this panel",
  flip: "wrong labels",
  seq_len: "sequence length",
  file: "CSV upload",
  normalize: "input standardisation",
  norm: "feature-map scale",
  lessons: "lessons menu",
  gan: "GANs link",
  back: "lesson: back to the playground",
  race: "race a variant",
  runs: "my runs",
};

/**
 * @typedef {{getState: () => Record<string, any>, getSpec: () => Record<string, any>,
 *            onImport: (state: Record<string, any>) => void,
 *            onChange: (changes: Record<string, any>) => void,
 *            exportRun?: () => Promise<Blob>}} Options
 *   `exportRun`: the current run as a zip (its PyTorch script, weights, ONNX...)
 */

/**
 * @param {HTMLElement} container
 * @param {Options} o
 */
export function createSharePanel(container, o) {
  const link = /** @type {HTMLInputElement} */ (
    el("input", { type: "text", readOnly: true, id: "share-link", "aria-label": "link to this experiment" })
  );
  const copy = button({ label: "Copy link", onClick: () => copyText(link.value, copy) });
  const present = checkbox({
    name: "present",
    label: "Presentation mode (large type)",
    value: false,
    onChange: (on) => o.onChange({ present: on }),
  });

  const hideBoxes = el("fieldset", { className: "hide-list" }, [el("legend", { textContent: "Classroom link: hide" })]);
  /** @type {Set<string>} */
  const toHide = new Set();
  for (const [name, words] of Object.entries(HIDEABLE)) {
    hideBoxes.append(
      checkbox({
        name: `hide-${name}`,
        label: words,
        value: false,
        onChange: (on) => {
          if (on) toHide.add(name);
          else toHide.delete(name);
          update(o.getState());
        },
      }).node,
    );
  }
  const classroom = /** @type {HTMLInputElement} */ (
    el("input", { type: "text", readOnly: true, id: "classroom-link", "aria-label": "classroom link" })
  );
  const copyClassroom = button({
    label: "Copy classroom link",
    onClick: () => copyText(classroom.value, copyClassroom),
  });

  const download = button({
    label: "Download spec (JSON)",
    name: "export",
    onClick: () => {
      const blob = new Blob([JSON.stringify(o.getSpec(), null, 2)], { type: "application/json" });
      const a = el("a", { href: URL.createObjectURL(blob), download: "experiment.json" });
      a.click();
      setTimeout(() => URL.revokeObjectURL(/** @type {HTMLAnchorElement} */ (a).href), 1000);
    },
  });
  const exportError = el("span", { className: "field-error", role: "alert", id: "export-run-error" });
  const exportRun = button({
    label: "Export model (PyTorch, zip)",
    name: "export-run",
    onClick: async () => {
      if (!o.exportRun) return;
      exportError.textContent = "";
      exportRun.disabled = true;
      try {
        const blob = await o.exportRun();
        const a = el("a", { href: URL.createObjectURL(blob), download: "nnplayground-export.zip" });
        a.click();
        setTimeout(() => URL.revokeObjectURL(/** @type {HTMLAnchorElement} */ (a).href), 1000);
      } catch (error) {
        exportError.textContent = error instanceof Error ? error.message : String(error);
      } finally {
        exportRun.disabled = false;
      }
    },
  });
  const file = /** @type {HTMLInputElement} */ (
    el("input", { type: "file", accept: ".json,application/json", id: "import-file" })
  );
  file.addEventListener("change", () => file.files?.[0] && importFile(file.files[0]).finally(() => (file.value = "")));
  const importControl = el("div", { className: "control", "data-control": "import" }, [
    el("label", { for: "import-file", textContent: "Import a spec (JSON)" }),
    file,
    el("span", { className: "field-error", role: "alert", "data-error-for": "import" }),
  ]);

  container.append(
    el("div", { className: "share-row" }, [link, copy]),
    present.node,
    hideBoxes,
    el("div", { className: "share-row" }, [classroom, copyClassroom]),
    download,
    ...(o.exportRun ? [el("div", { className: "share-row" }, [exportRun, exportError])] : []),
    importControl,
  );

  /** @param {File} f */
  async function importFile(f) {
    showError(container, "import", "");
    if (f.size > MAX_IMPORT_BYTES)
      return showError(container, "import", `the file is ${Math.round(f.size / 1024)} KB; a spec is at most 64 KB`);
    let spec;
    try {
      spec = JSON.parse(await f.text());
    } catch {
      return showError(container, "import", "this file is not JSON");
    }
    const answer = await validateSpec(spec);
    if (!answer.valid) {
      const e = answer.errors?.[0];
      return showError(container, "import", e ? `${e.field || "spec"}: ${e.message}` : "the spec is not valid");
    }
    o.onImport(stateFromSpec(answer.spec, o.getState(), answer.data.input_kind));
  }

  /** @param {Record<string, any>} state */
  function update(state) {
    link.value = location.href;
    present.set(state.present);
    const url = new URL(location.href);
    url.searchParams.delete("hide");
    if (toHide.size) url.searchParams.set("hide", [...toHide].join(","));
    classroom.value = url.href.replaceAll("%2C", ",");
  }

  return { update };
}

/**
 * @param {string} text
 * @param {HTMLButtonElement} button
 */
function copyText(text, button) {
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = label), 1200);
  };
  navigator.clipboard?.writeText(text).then(done, () => undefined);
}
