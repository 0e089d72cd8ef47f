// @ts-check
/**
 * The class challenge (docs/classroom.md). On the teacher's page, a panel sets the goal
 * (`POST /api/class/challenge`: a dataset, what is ranked, limits on the network), ends it,
 * and shows the live leaderboard the server computes (`GET /api/class/leaderboard`). On a
 * student's page, a banner shows the goal and the student's own place (`GET /api/challenge`).
 * Scores come from the server only; names come from students and are set as text.
 */

const POLL_MS = 1500;

/**
 * @typedef {{dataset: string, metric: string, max_neurons: number | null,
 *            max_layers: number | null, words: string}} Goal
 * @typedef {{rank: number, name: string, score: number, neurons: number, layers: number}} Ranked
 * @typedef {{challenge: Goal | null, ranked: Ranked[], not_qualifying: {name: string, reason: string}[],
 *            no_score: string[]}} Board
 * @typedef {{challenge: Goal | null, rank?: number | null, score?: number | null, of?: number,
 *            reason?: string | null}} Standing
 */

/**
 * A request to a class route; the answer, or an Error in the server's words.
 * @param {string} path
 * @param {RequestInit} [init]
 */
async function request(path, init = {}) {
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail ?? `HTTP ${response.status}`);
  return answer;
}

/**
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {(Node | string)[]} [children]
 */
function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** @param {number} n  1 -> "1st", 22 -> "22nd" */
export function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/**
 * A student's place in words.
 * @param {Standing} standing
 */
export function standingWords(standing) {
  if (!standing.challenge) return "";
  if (standing.reason) return `Your run does not qualify: ${standing.reason}.`;
  if (standing.rank) return `You are ${ordinal(standing.rank)} of ${standing.of}.`;
  return "Start a run that meets the goal to get a place.";
}

/**
 * Polls `path` every POLL_MS and hands each answer to `update` (errors to `fail`).
 * @param {string} path
 * @param {(answer: any) => void} update
 * @param {(error: Error) => void} fail
 */
function poll(path, update, fail) {
  async function refresh() {
    try {
      update(await request(path));
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }
  refresh();
}

/**
 * The student's banner: hidden while there is no challenge.
 * @param {HTMLElement} container
 */
export function createChallengeBanner(container) {
  /** @param {Standing} standing */
  function update(standing) {
    container.hidden = !standing.challenge;
    if (!standing.challenge) return;
    container.replaceChildren(
      el("strong", { textContent: "Challenge: " }),
      `${standing.challenge.words}. `,
      el("span", { className: "challenge-place", textContent: standingWords(standing) }),
    );
  }
  const reset = () => update({ challenge: null });
  return { update, reset, start: () => poll("/api/challenge", update, reset) };
}

/** @param {number} x */
const score = (x) => x.toPrecision(3);
/** "1 layer", "3 layers" */
const plural = (/** @type {number} */ n, /** @type {string} */ word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The teacher's panel: the goal's form, and the leaderboard.
 * @param {HTMLElement} container
 */
export function createChallengePanel(container) {
  const dataset = el("select", { id: "challenge-dataset" });
  const metric = el("select", { id: "challenge-metric" }, [
    el("option", { value: "val_loss", textContent: "lowest validation loss" }),
    el("option", { value: "val_accuracy", textContent: "highest validation accuracy" }),
  ]);
  const limit = (/** @type {string} */ id) =>
    /** @type {HTMLInputElement} */ (el("input", { id, type: "number", min: "1", placeholder: "no limit" }));
  const neurons = limit("challenge-neurons");
  const layers = limit("challenge-layers");
  const label = (/** @type {string} */ text, /** @type {HTMLElement} */ input) =>
    el("label", { htmlFor: input.id, textContent: text });
  const set = el("button", { type: "button", id: "challenge-set", textContent: "Set the challenge" });
  const end = el("button", { type: "button", id: "challenge-end", textContent: "End the challenge" });
  const result = el("p", { role: "status", id: "challenge-result" });
  const goal = el("p", { id: "challenge-goal" });
  const board = el("ol", { id: "challenge-board", className: "challenge-board" });
  const others = el("ul", { id: "challenge-others" });
  container.replaceChildren(
    el("h2", { textContent: "Challenge" }),
    el("div", { className: "challenge-form" }, [
      label("Dataset", dataset),
      dataset,
      label("Ranked by", metric),
      metric,
      label("At most neurons", neurons),
      neurons,
      label("At most hidden layers", layers),
      layers,
    ]),
    set,
    end,
    result,
    goal,
    board,
    others,
  );

  /** @param {string[]} names */
  function setDatasets(names) {
    dataset.replaceChildren(...names.map((name) => el("option", { value: name, textContent: name })));
  }

  /** @param {HTMLInputElement} input */
  const limitOf = (input) => (input.value.trim() === "" ? null : Number(input.value));

  set.addEventListener("click", async () => {
    const body = {
      dataset: dataset.value,
      metric: metric.value,
      max_neurons: limitOf(neurons),
      max_layers: limitOf(layers),
    };
    try {
      const answer = await request("/api/class/challenge", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      result.textContent = `Challenge set: ${answer.challenge.words}.`;
    } catch (error) {
      result.textContent = `Not set: ${error instanceof Error ? error.message : error}`;
    }
  });
  end.addEventListener("click", async () => {
    await request("/api/class/challenge", { method: "DELETE" }).catch(() => null);
    result.textContent = "Challenge ended.";
  });

  /** @param {Board} answer */
  function update(answer) {
    goal.textContent = answer.challenge ? `Goal: ${answer.challenge.words}.` : "No challenge set.";
    board.replaceChildren(
      ...answer.ranked.map((e) =>
        el("li", {
          value: e.rank,
          textContent: `${e.name}: ${score(e.score)} (${plural(e.neurons, "neuron")}, ${plural(e.layers, "layer")})`,
        }),
      ),
    );
    others.replaceChildren(
      ...answer.not_qualifying.map((e) => el("li", { textContent: `${e.name}: not qualifying, ${e.reason}` })),
      ...answer.no_score.map((name) => el("li", { textContent: `${name}: no score yet` })),
    );
  }
  function start() {
    request("/api/catalog")
      .then((catalog) => setDatasets(Object.keys(catalog.datasets).filter((name) => name !== "csv")))
      .catch(() => setDatasets([]));
    poll(
      "/api/class/leaderboard",
      update,
      (error) => (goal.textContent = `The leaderboard could not be read: ${error.message}`),
    );
  }
  return { update, reset: () => update({ challenge: null, ranked: [], not_qualifying: [], no_score: [] }), start };
}
