// @ts-check
/**
 * The teacher's control over the class (docs/classroom.md). In the playground, opened as the
 * teacher, a panel sends the experiment on screen to every student with the ticked settings
 * locked (`POST /api/class/send`); on the teacher's page, buttons pause, reset or unlock the
 * whole class. The server checks the spec and enforces the locks; these views only ask.
 */

/**
 * The settings a teacher may lock from the panel, by the URL table's names
 * (static/js/state.js PROPS; the server's app/web/class_locks.py accepts these and more).
 */
export const LOCK_CHOICES = [
  ["dataset", "Dataset"],
  ["noise", "Noise"],
  ["features", "Input features"],
  ["layers", "Network"],
  ["optimizer", "Optimizer"],
  ["lr", "Learning rate"],
  ["regularization", "Regularization"],
  ["batch_size", "Batch size"],
];

/**
 * POSTs JSON to a class route; the answer, or an Error in the server's words.
 * @param {string} path
 * @param {Record<string, any>} [body]
 */
async function post(path, body = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail ?? `HTTP ${response.status}`);
  return answer;
}

/** @param {unknown} error */
function words(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * @param {string} text
 * @param {Record<string, any>} [props]
 */
function make(text, props = {}) {
  return Object.assign(document.createElement(props.tag ?? "span"), { textContent: text }, props);
}

/**
 * The playground's "Send to the class" panel (teacher only).
 * @param {HTMLElement} container
 * @param {{getSpec: () => Record<string, any>}} options the experiment on screen
 */
export function createClassSend(container, { getSpec }) {
  const boxes = LOCK_CHOICES.map(([name, label]) => {
    const box = Object.assign(document.createElement("input"), { type: "checkbox", value: name, name: "lock" });
    const row = document.createElement("label");
    row.append(box, ` ${label}`);
    return { box, row };
  });
  const send = make("Send to the class", { tag: "button", type: "button", id: "class-send-button" });
  const result = make("", { tag: "p", role: "status", id: "class-send-result" });
  const fieldset = document.createElement("fieldset");
  fieldset.append(make("Lock for the students", { tag: "legend" }), ...boxes.map((b) => b.row));
  container.replaceChildren(
    make("Every student's page loads the experiment shown here; the ticked settings stay as you set them.", {
      tag: "p",
      className: "hint",
    }),
    fieldset,
    send,
    result,
  );
  send.addEventListener("click", async () => {
    const locks = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
    send.disabled = true;
    try {
      const answer = await post("/api/class/send", { spec: getSpec(), locks });
      const locked = answer.locks.length ? `locked: ${answer.locks.join(", ")}` : "nothing locked";
      result.textContent = `Sent to ${answer.students} student page${answer.students === 1 ? "" : "s"} open now (${locked}).`;
    } catch (error) {
      result.textContent = `Not sent: ${words(error)}`;
    } finally {
      send.disabled = false;
    }
  });
  return { reset: () => (result.textContent = "") };
}

/**
 * The teacher page's buttons for the whole class: pause all, reset all, unlock all.
 * @param {HTMLElement} container
 */
export function createClassActions(container) {
  const result = make("", { tag: "span", role: "status", id: "class-actions-result" });
  /** @type {[string, string, (answer: any) => string][]} */
  const actions = [
    ["pause", "Pause all", (a) => `Paused ${a.paused} run${a.paused === 1 ? "" : "s"}.`],
    ["reset", "Reset all", (a) => `Reset ${a.reset} run${a.reset === 1 ? "" : "s"}.`],
    ["unlock", "Unlock all", () => "Every lock lifted."],
  ];
  const buttons = actions.map(([route, label, done]) => {
    const button = make(label, { tag: "button", type: "button", id: `class-${route}` });
    button.addEventListener("click", async () => {
      try {
        result.textContent = done(await post(`/api/class/${route}`));
      } catch (error) {
        result.textContent = `${label} failed: ${words(error)}`;
      }
    });
    return button;
  });
  const compose = make("Compose an experiment in the playground", { tag: "a", href: "/" });
  container.replaceChildren(...buttons, compose, result);
  return { reset: () => (result.textContent = "") };
}
