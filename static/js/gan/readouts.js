// @ts-check
/**
 * How good and how varied the fakes are, from the server's `gan_quality` view (a slow view:
 * a frame carries it at most twice a second, and the page keeps the last): for the 8
 * gaussians "7 of 8 modes" with a bar per mode (a missing bar is mode collapse), the share
 * of fakes on the data; for digits "62 % confident digits · 9 of 10 classes" with a bar per
 * class, by a classifier trained on the real digits.
 */

import { checkbox, el } from "../views/controls.js";

/** @typedef {Record<string, number | number[] | null>} Values a frame's values */

/**
 * The readout's sentence, from a frame's values (`gan_quality/...`); "" when it has none.
 * @param {Values} v
 * @param {string} kind "points" or "image"
 */
export function qualityText(v, kind) {
  if (kind === "image") {
    const confident = v["gan_quality/confident"];
    if (typeof confident !== "number") return "judging the digits…";
    const classes = v["gan_quality/classes"];
    return `${percent(confident)} confident digits · ${classes ?? "–"} of 10 classes`;
  }
  const parts = [];
  const covered = v["gan_quality/modes_covered"];
  if (typeof covered === "number") parts.push(`${covered} of ${v["gan_quality/modes"] ?? 8} modes`);
  const onData = v["gan_quality/on_data"];
  if (typeof onData === "number") parts.push(`${percent(onData)} of fakes on the data`);
  return parts.join(" · ");
}

/** @param {number} share 0..1 */
export function percent(share) {
  return `${Math.round(share * 100)} %`;
}

/**
 * @param {HTMLElement} container
 * @param {{onJudge: (on: boolean) => void}} o
 */
export function createReadouts(container, o) {
  const sentence = el("p", { className: "quality", "aria-live": "off", textContent: "–" });
  const bars = el("div", { className: "bar-strip", role: "img", "aria-label": "" });
  const caption = el("p", { className: "bar-caption muted" });
  const judge = checkbox({ name: "judge", label: "Judge the digits", value: true, onChange: o.onJudge });
  judge.node.append(
    el("p", {
      className: "judge-note muted",
      textContent:
        "A classifier trained on the real digits reads the fakes. It trains the first time it is asked: seconds for 8×8 digits, minutes for MNIST on a CPU.",
    }),
  );
  container.append(sentence, bars, caption, judge.node);
  let kind = "points";
  let judged = true;

  /** @param {number[]} counts */
  function drawBars(counts) {
    const top = Math.max(1, ...counts);
    const what = kind === "image" ? "digit" : "mode";
    if (bars.childElementCount !== counts.length) {
      bars.replaceChildren(
        ...counts.map((_, i) =>
          el("span", { className: "bar" }, [el("i"), el("b", { textContent: kind === "image" ? String(i) : "" })]),
        ),
      );
    }
    counts.forEach((c, i) => {
      const bar = /** @type {HTMLElement} */ (bars.children[i]);
      /** @type {HTMLElement} */ (bar.firstChild).style.height = `${(100 * c) / top}%`;
      bar.classList.toggle("empty", c === 0);
      bar.title = `${what} ${i}: ${c} fakes`;
    });
    bars.setAttribute("aria-label", `fakes per ${what}: ${counts.join(", ")}`);
    caption.textContent =
      kind === "image"
        ? "confident fakes per digit class"
        : "fakes per mode (an empty one is a mode the generator has dropped)";
  }

  return {
    /**
     * @param {boolean} on whether image samples are judged
     * @param {string} nextKind the data's input kind
     */
    setJudge(on, nextKind) {
      judge.set(on);
      judge.node.hidden = nextKind !== "image";
      if (on === judged) return;
      judged = on;
      if (!on && nextKind === "image") {
        sentence.textContent = "not judged";
        bars.hidden = caption.hidden = true;
      }
    },
    /** @param {Values} v a frame's values that carry `gan_quality` */
    update(v) {
      if (kind === "image" && !judged) return;
      sentence.textContent = qualityText(v, kind) || "–";
      const counts = v["gan_quality/mode_counts"] ?? v["gan_quality/class_counts"];
      bars.hidden = caption.hidden = !Array.isArray(counts);
      if (Array.isArray(counts)) drawBars(counts);
    },
    /** @param {string} next the data's input kind */
    reset(next) {
      kind = next;
      sentence.textContent = kind === "image" && !judged ? "not judged" : "–";
      bars.replaceChildren();
      bars.hidden = caption.hidden = true;
    },
  };
}
