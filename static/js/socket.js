// @ts-check
/**
 * The page's one websocket (docs/protocol.md). It reconnects after a drop with growing
 * pauses, resuming the same session with the token kept in sessionStorage (per tab, never
 * in the URL), and drops events of any run but the current one. Views never see it: main.js
 * passes them what arrives. Several sockets on one page (a lesson's arms) each need their
 * own `tokenKey`, or none (`null`: no resume, every connect is a new session).
 */

import { decodeFrame } from "./frame.js";

const TOKEN_KEY = "nnp.session";
const RETRY_MS = [250, 500, 1000, 2000, 4000];

/**
 * @typedef {{type: string, run?: string | null, [key: string]: any}} ServerEvent
 * @typedef {"connecting" | "open" | "lost"} Connection
 * @typedef {{
 *   onEvent: (event: ServerEvent) => void,
 *   onFrame: (frame: import("./frame.js").Frame) => void,
 *   onConnection: (state: Connection, detail: string) => void,
 * }} Handlers
 * @typedef {{url?: string, tokenKey?: string | null}} SocketOptions
 */

/**
 * @param {Handlers} handlers
 * @param {SocketOptions} [options] `url` defaults to this page's own server; `tokenKey`
 *   is where sessionStorage keeps the resume token ("nnp.session"; null: no resume)
 */
export function createSocket(handlers, { url = defaultUrl(), tokenKey = TOKEN_KEY } = {}) {
  /** @type {WebSocket | null} */
  let ws = null;
  let attempt = 0;
  /** @type {string | null} */
  let run = null;
  let closed = false;

  function connect() {
    handlers.onConnection("connecting", attempt ? "reconnecting…" : "connecting…");
    const token = tokenKey === null ? null : sessionStorage.getItem(tokenKey);
    ws = new WebSocket(token ? `${url}?session=${encodeURIComponent(token)}` : url);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (message) => receive(message.data);
    ws.onclose = (event) => {
      ws = null;
      if (closed) return;
      if (event.code === 4000) {
        handlers.onConnection("lost", describeClose(event.code));
        return; // another tab holds the session now: taking it back would start a tug of war
      }
      const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      attempt += 1;
      handlers.onConnection("lost", describeClose(event.code));
      setTimeout(connect, wait);
    };
  }

  /** @param {string | ArrayBuffer} data */
  function receive(data) {
    if (typeof data !== "string") {
      const frame = decodeFrame(data);
      if (frame.header.run === run) handlers.onFrame(frame);
      return;
    }
    const event = JSON.parse(data);
    if (event.type === "hello") {
      attempt = 0;
      if (tokenKey !== null) sessionStorage.setItem(tokenKey, event.session);
      run = event.run ?? null;
      handlers.onConnection("open", event.resumed ? "reconnected" : "connected");
      handlers.onEvent(event);
      return;
    }
    // The server answers `start`s in order, so the k-th run id not seen before belongs to
    // the k-th start; events of the runs it replaced may still be in flight: dropped.
    if (event.run && event.run !== run) {
      if (!startsPending || replaced.has(event.run)) return;
      if (run) replaced.add(run);
      run = event.run;
      startsPending -= 1;
    }
    handlers.onEvent(event);
  }

  let startsPending = 0;
  /** @type {Set<string>} runs this page replaced (a few ids a session) */
  const replaced = new Set();

  return {
    /** Sends one control message; false when the socket is not open (the caller says so). */
    send(/** @type {Record<string, any>} */ message) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      if (message.type === "start") {
        if (run) replaced.add(run);
        startsPending += 1;
        run = null;
      }
      ws.send(JSON.stringify(message));
      return true;
    },
    get run() {
      return run;
    },
    connect,
    close() {
      closed = true;
      ws?.close(1000);
    },
  };
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/** @param {number} code */
function describeClose(code) {
  switch (code) {
    case 1008:
      return "too many messages; reconnecting…";
    case 1009:
      return "a message was too large; reconnecting…";
    case 1012:
      return "the server is restarting; reconnecting…";
    case 4000:
      return "this session was opened in another tab; reload this page to take it back";
    case 4001:
      return "closed after a long idle time; reconnecting…";
    case 4002:
      return "the connection was too slow; reconnecting…";
    default:
      return "connection lost; reconnecting…";
  }
}
