// @ts-check
/**
 * The header's "Lessons" menu: a disclosure button opening a list of links, one per lesson
 * in the course's order, each to `/?lesson=<id>` with the rest of the address kept (the
 * playground's model, the seed, presentation mode, a classroom's hidden controls), so a
 * teacher's link stays what it was. Links, so Tab, Enter and "open in a new tab" all work.
 */

import { el } from "../views/controls.js";

/** @typedef {import("../api.js").LessonSummary} LessonSummary */

/**
 * Lessons in their `order` (where the server gives one), else as listed.
 * @param {LessonSummary[]} lessons
 */
export function sortLessons(lessons) {
  return lessons
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (a.l.order ?? a.i) - (b.l.order ?? b.i) || a.i - b.i)
    .map(({ l }) => l);
}

/**
 * The address of a lesson: `lesson` first, then this address's other parameters.
 * @param {string} id
 * @param {string} search location.search
 */
export function lessonHref(id, search) {
  const params = new URLSearchParams(search);
  params.delete("lesson");
  const rest = params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
  return `/?lesson=${encodeURIComponent(id)}${rest ? `&${rest}` : ""}`;
}

/**
 * The playground with this address's settings, out of lesson mode.
 * @param {string} search
 */
export function playgroundHref(search) {
  const params = new URLSearchParams(search);
  params.delete("lesson");
  const rest = params.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
  return `/${rest ? `?${rest}` : ""}`;
}

/**
 * @param {HTMLElement} container
 * @param {{lessons: LessonSummary[], current: string | null, search: () => string}} o
 *   `search`: the address's query when the menu opens (the playground keeps it current)
 */
export function createLessonsMenu(container, o) {
  const list = el("ul", { className: "lessons-list", "aria-label": "lessons" });
  /** @type {[HTMLAnchorElement, string][]} */
  const links = [];
  for (const lesson of sortLessons(o.lessons)) {
    const link = /** @type {HTMLAnchorElement} */ (
      el("a", { href: lessonHref(lesson.id, o.search()) }, [
        el("span", { className: "menu-title", textContent: lesson.title }),
        el("span", { className: "menu-concept muted", textContent: lesson.concept }),
      ])
    );
    links.push([link, lesson.id]);
    if (lesson.id === o.current) link.setAttribute("aria-current", "page");
    list.append(el("li", {}, [link]));
  }
  if (!o.lessons.length) list.append(el("li", { className: "muted", textContent: "no lessons on this server" }));
  const summary = el("summary", { textContent: "Lessons" });
  const menu = /** @type {HTMLDetailsElement} */ (
    el("details", { className: "lessons-menu", "data-control": "lessons" }, [summary, list])
  );
  container.replaceChildren(menu);
  menu.addEventListener("toggle", () => {
    if (menu.open) for (const [link, id] of links) link.href = lessonHref(id, o.search());
  });

  // Escape closes it (focus back on its button); so does a click or focus elsewhere.
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    menu.open = false;
    summary.focus();
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(/** @type {Node} */ (event.target))) menu.open = false;
  });
  menu.addEventListener("focusout", (event) => {
    if (menu.open && !menu.contains(/** @type {Node | null} */ (event.relatedTarget))) menu.open = false;
  });
  return { node: menu };
}
