// @ts-check
/**
 * The teacher's grid of the class: one card per student, in joining order, with their name,
 * the thumbnail of their run's output, the network's shape, the status, epoch and losses.
 * A card is a button: clicking it (or Enter) opens that student's run large. Cards are kept
 * from one refresh to the next (keyed by name), so the page repaints a thumbnail only when
 * its step moved. Names come from students: they are set as text, never as HTML.
 */

import { networkWords } from "./layerNames.js";
import { paintThumbnail } from "./thumbnail.js";

/**
 * @typedef {import("./thumbnail.js").Thumbnail} Thumbnail
 * @typedef {{kind: string, dataset: string | null, layers: string[], step: number, epoch: number,
 *            train_loss: number | null, val_loss: number | null, status: string,
 *            thumbnail: Thumbnail | null}} RunSummary
 * @typedef {{name: string, number: number, run: RunSummary | null}} StudentEntry
 * @typedef {{card: HTMLButtonElement, canvas: HTMLCanvasElement, step: number,
 *            fields: Record<string, HTMLElement>}} Card
 */

/** @param {number | null | undefined} x */
export function lossText(x) {
  return x === null || x === undefined ? "–" : x.toPrecision(3);
}

/**
 * @param {HTMLElement} container
 * @param {(student: StudentEntry) => void} onOpen a card was clicked
 */
export function createClassGrid(container, onOpen) {
  /** @type {Map<string, Card>} */
  const cards = new Map();
  /** @type {Map<string, StudentEntry>} */
  const latest = new Map();

  /** @param {string} id */
  function makeCard(id) {
    const card = document.createElement("button");
    card.type = "button";
    card.className = "student-card";
    card.dataset.student = id;
    const canvas = document.createElement("canvas");
    canvas.className = "student-thumb";
    canvas.width = canvas.height = 24;
    /** @type {Record<string, HTMLElement>} */
    const fields = {};
    for (const name of ["name", "network", "status", "epoch", "loss"]) {
      fields[name] = document.createElement("span");
      fields[name].className = `student-${name}`;
    }
    card.append(fields.name, canvas, fields.network, fields.status, fields.epoch, fields.loss);
    card.addEventListener("click", () => {
      const student = latest.get(id);
      if (student) onOpen(student);
    });
    return { card, canvas, step: -1, fields };
  }

  /**
   * @param {Card} entry
   * @param {StudentEntry} student
   */
  function fill(entry, student) {
    const run = student.run;
    const f = entry.fields;
    f.name.textContent = student.name;
    entry.card.setAttribute("aria-label", `${student.name}: open their run large`);
    f.network.textContent = run ? `${run.dataset ?? "?"}: ${networkWords(run.layers)}` : "no run";
    f.status.textContent = run ? run.status : "";
    f.epoch.textContent = run ? `epoch ${run.epoch}` : "";
    f.loss.textContent = run ? `loss ${lossText(run.train_loss)} / ${lossText(run.val_loss)}` : "";
    const thumb = run?.thumbnail ?? null;
    entry.canvas.hidden = thumb === null;
    if (thumb && thumb.step !== entry.step) {
      paintThumbnail(entry.canvas, thumb);
      entry.step = thumb.step;
      entry.canvas.dataset.step = String(thumb.step);
    }
  }

  /** @param {StudentEntry[]} students */
  function update(students) {
    latest.clear();
    const order = students.map((student) => {
      latest.set(String(student.number), student);
      let entry = cards.get(String(student.number));
      if (!entry) cards.set(String(student.number), (entry = makeCard(String(student.number))));
      fill(entry, student);
      return entry.card;
    });
    for (const id of [...cards.keys()]) if (!latest.has(id)) cards.delete(id);
    if (order.some((card, i) => container.children[i] !== card) || container.children.length !== order.length) {
      container.replaceChildren(...order);
    }
  }

  function reset() {
    cards.clear();
    latest.clear();
    container.replaceChildren();
  }
  return { update, reset };
}
