// @ts-check
/**
 * Race mode (`/?race=optimizer:adam&…`): the playground's network ("yours", as the rest of
 * the address describes it) beside its variants, each differing in one setting, side by
 * side as a lesson's arms are (lessons/armGroup.js): each a run on its own socket, the same
 * seed and data, trained together by one Play for RACE_STEPS steps, their loss and accuracy
 * on shared axes, each with its output view. A line per variant says what differs; another
 * variant may join (up to race.js's MAX_VARIANTS); the way back keeps the playground's spec.
 */

import { mountArmGroup } from "../lessons/armGroup.js";
import { specFromState } from "../state.js";
import { el } from "../views/controls.js";
import { armNames, describeVariant, MAX_VARIANTS, RACE_STEPS, raceHref, variantState } from "./race.js";
import { createVariantPicker } from "./variantPicker.js";

/**
 * @typedef {{root: HTMLElement, state: Record<string, any>, variants: import("./race.js").Variant[],
 *            search: string, kind: string, hide: string[], uPlot: any,
 *            onDevice: (device: string) => void,
 *            onConnection: (state: import("../socket.js").Connection, detail: string) => void,
 *            decorate: (root: HTMLElement) => void}} RaceModeOptions
 * `state`: "yours"; `variants`: readable and distinct (race.js readRace); `search`: the
 * address's query (the race's, which the way back and "add a variant" start from); `kind`:
 * the data's input kind (which output view each card shows).
 */

/** @param {RaceModeOptions} o */
export async function startRaceMode(o) {
  const names = armNames(o.variants.length);
  document.title = `Race: ${names.join(" vs ")} · NN Playground`;
  const intro = el("div", { className: "panel lesson-intro race-intro" }, [
    el("h2", { className: "lesson-title", id: "race-mode-title", textContent: "Race a variant" }),
    el("p", {
      className: "lesson-explanation",
      textContent: `Your network against ${o.variants.length === 1 ? "a copy" : "copies"} of it with one change each: the same seed, the same data, the same ${RACE_STEPS.toLocaleString("en")} steps.`,
    }),
    el(
      "ul",
      { className: "race-differences", "aria-label": "what differs" },
      o.variants.map((v, i) => el("li", { textContent: `${names[i + 1]}: ${describeVariant(o.state, v)}` })),
    ),
  ]);
  const controls = el("div", { className: "lesson-controls" });
  const work = el("div", { className: "lesson-work" });
  o.root.replaceChildren(el("div", { className: "lesson-layout" }, [intro, work]));
  o.root.setAttribute("aria-labelledby", "race-mode-title");
  intro.append(controls);
  if (o.variants.length < MAX_VARIANTS) mountMore(o, intro);
  intro.append(
    el("a", {
      href: raceHref(o.search, []),
      className: "back",
      "data-control": "back",
      textContent: "← Back to the playground",
    }),
  );

  const runs = [o.state, ...o.variants.map((v) => variantState(o.state, v))].map((state, i) => ({
    name: names[i],
    spec: specFromState(state), // the address's seed: every run the same data
  }));
  const group = await mountArmGroup(
    {
      work,
      controls,
      uPlot: o.uPlot,
      steps: RACE_STEPS,
      views: o.kind === "points" ? ["boundary"] : ["network", "confusion"],
      highlight: null,
      tokenPrefix: "nnp.session.race",
      onDevice: o.onDevice,
      onConnection: o.onConnection,
    },
    runs,
  );
  group.refresh("Play trains every run together; Pause pauses them all.");
  o.decorate(o.root);
  for (const node of o.root.querySelectorAll("[data-control]")) {
    node.classList.toggle("classroom-hidden", o.hide.includes(/** @type {HTMLElement} */ (node).dataset.control ?? ""));
  }
}

/**
 * "Add a variant": the same picker as the playground's, opening the race with one more run.
 * @param {RaceModeOptions} o
 * @param {HTMLElement} intro
 */
function mountMore(o, intro) {
  const box = el("section", { className: "race-more", "aria-labelledby": "race-more-title" }, [
    el("h3", { id: "race-more-title", textContent: "Add a variant" }),
  ]);
  intro.append(box);
  createVariantPicker(box, {
    getState: () => o.state,
    taken: o.variants,
    label: "Add to the race",
    onRace: (variant) => location.assign(raceHref(o.search, [...o.variants, variant])),
  });
}
