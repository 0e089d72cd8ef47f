// @ts-check
/**
 * A lesson for the whole class (docs/classroom.md). A student's page follows the lesson the
 * teacher opens (`GET /api/class-lesson`, polled): it opens `/?lesson=<id>` once per class
 * lesson, and sends the student's answer to its question (`POST /api/class-lesson/answer`).
 * The teacher's page opens a lesson for everyone, shows the answers' distribution live, then
 * the verdict and how many predicted it (`/api/class/lesson...`). The server counts the
 * answers; these views only ask and show.
 */

const POLL_MS = 1500;
const SEEN_KEY = "nnp-class-lesson"; // the class lesson this tab has opened (reloads keep it)

/**
 * @typedef {{id: string | null, lesson?: string, title?: string}} OpenLesson
 * @typedef {OpenLesson & {question: string, choices: string[], counts: number[], skipped: number,
 *            answered: number, students: number, revealed: boolean, answer: number | null,
 *            right: number | null}} Tally
 */

/**
 * @param {string} path
 * @param {RequestInit} [init]
 */
async function request(path, init = {}) {
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(typeof answer.detail === "string" ? answer.detail : `HTTP ${response.status}`);
  return answer;
}

/**
 * @param {string} path
 * @param {Record<string, any>} [body]
 */
const post = (path, body = {}) =>
  request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

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

/**
 * Where a student's page should go for the class lesson `open`, or null to stay: a lesson
 * newly opened (not the one this tab opened last). A page that shows the same lesson on its
 * own opens it again too: its question starts fresh, so its answer counts in this round.
 * @param {OpenLesson} open
 * @param {string | null} seen the class lesson this tab opened last
 */
export function lessonToOpen(open, seen) {
  if (!open.id || !open.lesson || open.id === seen) return null;
  return `/?lesson=${encodeURIComponent(open.lesson)}`;
}

/**
 * A student's page: follows the class's lesson, and tells the server the student's answer.
 * @param {string | null} showing the lesson the page shows (null: the playground)
 * @param {{go?: (href: string) => void, storage?: Storage}} [o]
 */
export function followClassLesson(showing, { go = (href) => location.assign(href), storage = sessionStorage } = {}) {
  async function refresh() {
    try {
      /** @type {OpenLesson} */
      const open = await request("/api/class-lesson");
      const href = lessonToOpen(open, storage.getItem(SEEN_KEY));
      if (href && open.id) {
        storage.setItem(SEEN_KEY, open.id);
        go(href);
        return;
      }
    } catch {
      // the server restarting, or this tab leaving: the next poll tries again
    }
    setTimeout(refresh, POLL_MS);
  }
  refresh();
  return {
    /** @param {number | null} choice the student's answer (null: skipped) */
    async answer(choice) {
      /** @type {OpenLesson} */
      const open = await request("/api/class-lesson").catch(() => ({ id: null }));
      if (!open.id || open.lesson !== showing) return; // a lesson of their own, not the class's
      await post("/api/class-lesson/answer", { id: open.id, choice }).catch(() => null);
    },
  };
}

/**
 * The answers' distribution in words, one line per choice (the right one marked once shown).
 * @param {Tally} tally
 */
export function distributionLines(tally) {
  return tally.choices.map((choice, i) => {
    const mark = tally.revealed && i === tally.answer ? " ✓ right" : "";
    return `${choice}: ${tally.counts[i]}${mark}`;
  });
}

/**
 * The teacher's panel: open a lesson for the class, watch the answers, show the verdict.
 * @param {HTMLElement} container
 */
export function createClassLessonPanel(container) {
  const menu = el("select", { id: "class-lesson-choice" });
  const open = el("button", { type: "button", id: "class-lesson-open", textContent: "Open for the class" });
  const verdict = el("button", { type: "button", id: "class-lesson-verdict", textContent: "Show the verdict" });
  const end = el("button", { type: "button", id: "class-lesson-end", textContent: "End the lesson" });
  const result = el("p", { role: "status", id: "class-lesson-result" });
  const question = el("p", { id: "class-lesson-question" });
  const counts = el("ul", { id: "class-lesson-counts" });
  const summary = el("p", { id: "class-lesson-summary", "aria-live": "polite" });
  container.replaceChildren(
    el("h2", { textContent: "Lesson for the class" }),
    el("label", { htmlFor: menu.id, textContent: "Lesson " }),
    menu,
    open,
    verdict,
    end,
    result,
    question,
    counts,
    summary,
  );

  /** @param {() => Promise<any>} act */
  const acting = (act) => async () => {
    try {
      const answer = await act();
      if (answer.id) update(answer);
      else update({ id: null });
    } catch (error) {
      result.textContent = error instanceof Error ? error.message : String(error);
    }
  };
  open.addEventListener(
    "click",
    acting(() => post("/api/class/lesson", { lesson: menu.value })),
  );
  verdict.addEventListener(
    "click",
    acting(() => post("/api/class/lesson/verdict")),
  );
  end.addEventListener(
    "click",
    acting(() => request("/api/class/lesson", { method: "DELETE" })),
  );

  /** @param {Tally | {id: null}} tally */
  function update(tally) {
    verdict.disabled = end.disabled = !tally.id;
    if (!tally.id) {
      question.textContent = "No lesson open for the class.";
      counts.replaceChildren();
      summary.textContent = "";
      return;
    }
    const t = /** @type {Tally} */ (tally);
    question.textContent = `${t.title}: ${t.question}`;
    counts.replaceChildren(...distributionLines(t).map((line) => el("li", { textContent: line })));
    const answered = `${t.answered} of ${t.students} answered (${t.skipped} skipped).`;
    summary.textContent =
      t.revealed && t.answer !== null
        ? `Verdict: “${t.choices[t.answer]}”. ${t.right} of ${t.answered} predicted it. ${answered}`
        : answered;
  }

  function start() {
    request("/api/lessons")
      .then((/** @type {{id: string, title: string}[]} */ lessons) =>
        menu.replaceChildren(...lessons.map((l) => el("option", { value: l.id, textContent: l.title }))),
      )
      .catch(() => null);
    async function refresh() {
      try {
        update(await request("/api/class/lesson"));
      } catch (error) {
        summary.textContent = `The answers could not be read: ${error instanceof Error ? error.message : error}`;
      } finally {
        setTimeout(refresh, POLL_MS);
      }
    }
    refresh();
  }
  return { update, reset: () => update({ id: null }), start };
}
