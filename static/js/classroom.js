// @ts-check
/**
 * A classroom link's `hide=`: the controls it names vanish wherever and whenever they are
 * drawn (layer cards and feature toggles are rebuilt on every change), and a panel left with
 * nothing to show goes too, so no empty box remains. It declutters; it does not lock (the
 * server enforces what a class may change).
 */

const NAME = /^[a-z0-9_-]{1,40}$/; // a control's name: anything else from the URL is ignored
const STYLE_ID = "classroom-hide";

/**
 * Hides every element marked `data-control="<name>"` for the names in `hide`, by one style
 * rule, so that elements made later are hidden too.
 * @param {Document} doc
 * @param {string[]} hide
 */
export function applyHidden(doc, hide) {
  let style = doc.getElementById(STYLE_ID);
  if (!style) {
    style = doc.createElement("style");
    style.id = STYLE_ID;
    doc.head.append(style);
  }
  const names = hide.filter((name) => NAME.test(name));
  style.textContent = names.length
    ? `${names.map((n) => `[data-control="${n}"]`).join(",\n")} { display: none !important; }`
    : "";
  hideEmptyPanels(doc, names.length > 0);
}

/**
 * Marks `classroom-empty` each panel with controls of which none shows: a panel of views
 * (curves, layer health) is never empty by hiding, even before its first frame.
 * @param {Document} doc
 * @param {boolean} hiding whether anything is hidden at all
 */
function hideEmptyPanels(doc, hiding) {
  for (const panel of doc.querySelectorAll(".panel")) {
    panel.classList.remove("classroom-empty"); // measured as it would show
    if (!hiding || !panel.querySelector("[data-control]")) continue;
    const content = [...panel.children].filter((child) => child.tagName !== "H2");
    const shown = content.some((child) => child.getBoundingClientRect().height > 0);
    panel.classList.toggle("classroom-empty", !shown);
  }
}
