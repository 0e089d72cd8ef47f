// @ts-check
/**
 * The teacher's read-only socket on one student's run, `WS /ws?watch=N` (docs/classroom.md,
 * "Opening a student's run large"): what socket.js is to a page's own run, for a run the
 * page may only look at. It sends nothing (the server refuses every message from it). It
 * follows the run the server says it watches (`watching`, again whenever the student starts
 * another) and hands on only that run's events and frames.
 */

import { decodeFrame } from "./frame.js";

/**
 * @typedef {import("./socket.js").ServerEvent} ServerEvent
 * @typedef {{
 *   onWatching: (watching: ServerEvent) => void,
 *   onEvent: (event: ServerEvent) => void,
 *   onFrame: (frame: import("./frame.js").Frame) => void,
 *   onConnection: (state: "connecting" | "open" | "lost", detail: string) => void,
 * }} WatchHandlers
 * `onWatching`: the run now shown and its spec; that run's latest status follows at once
 * when it came first (a round of the server's outbox sends statuses before other events).
 */

/**
 * @param {string} number the student's `number` in GET /api/class
 * @param {WatchHandlers} handlers
 */
export function createWatchSocket(number, handlers) {
  /** @type {string | null} */
  let run = null;
  /** @type {ServerEvent | null} */
  let latestStatus = null; // of any run: the next `watching` may be for it

  /** @param {ServerEvent} event */
  function receive(event) {
    if (event.type === "hello") return; // a watcher's: no session, nothing to resume
    if (event.type === "watching") {
      run = event.run ?? null;
      handlers.onWatching(event);
      if (latestStatus?.run === run) handlers.onEvent(latestStatus);
      return;
    }
    if (event.type === "status") latestStatus = event;
    if (event.run && event.run !== run) return; // a run the student has since replaced
    handlers.onEvent(event);
  }

  return {
    /** the run shown now (null: until the server says) */
    get run() {
      return run;
    },
    /** Read-only: nothing is ever sent (the controller's messages stop here). */
    send: () => false,
    setShown() {},
    connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${scheme}//${location.host}/ws?watch=${encodeURIComponent(number)}`);
      ws.binaryType = "arraybuffer";
      handlers.onConnection("connecting", "Connecting to the student's run…");
      ws.onopen = () => handlers.onConnection("open", "Watching the student's run (read-only).");
      ws.onmessage = (message) => {
        if (typeof message.data === "string") receive(JSON.parse(message.data));
        else {
          const frame = decodeFrame(message.data);
          if (frame.header.run === run) handlers.onFrame(frame);
        }
      };
      ws.onclose = (event) =>
        handlers.onConnection(
          "lost",
          event.code === 1000
            ? "The student has no run to watch now: open them again from the class."
            : `The view closed (${event.code}): open the student again from the class.`,
        );
    },
  };
}
