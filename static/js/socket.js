// @ts-check
/**
 * The page's one websocket (docs/protocol.md). It reconnects after a drop with growing
 * pauses, resuming the same session with the token kept in sessionStorage (per tab, never
 * in the URL), and drops events of any run but the current one. Views never see it: main.js
 * passes them what arrives. Several sockets on one page (a lesson's arms) each need their
 * own `tokenKey`, or none (`null`: no resume, every connect is a new session).
 *
 * A reload keeps sessionStorage, so the tab resumes its session. A closed tab loses it: as
 * it goes (`pagehide`) the tab leaves its token in localStorage, "released", with what it
 * showed (`shown`: the page's spec) and the server's grace period. A new tab that has no
 * token of its own and shows the same thing within that time takes the token, removing it,
 * so one tab at most resumes it; a tab that is still open never gives its token away, so
 * two open tabs never take each other's run.
 */

import { decodeFrame } from "./frame.js";

const TOKEN_KEY = "nnp.session";
/**
 * This page load's id, sent with every socket it opens: in class mode the server counts a
 * page's sockets (a lesson's arms) as one student's one run (docs/classroom.md). New on each
 * load, so a duplicated tab is another page. (getRandomValues: plain HTTP on a LAN is not a
 * secure context, where crypto.randomUUID is missing.)
 */
const PAGE_ID = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
const RELEASED_KEY = "nnp.released";
const MAX_RELEASED = 16;
const RETRY_MS = [250, 500, 1000, 2000, 4000];

/**
 * @typedef {{token: string, shown: string, expires: number}} Released a closed tab's token
 */

/**
 * The token a tab connects with: its own (a reload), else the latest released one that
 * shows the same (a closed tab reopened) and has not expired. A claimed or own token leaves the list.
 * @param {Released[]} released
 * @param {{own: string | null, shown: string, now: number}} tab
 * @returns {{token: string | null, shown: string, released: Released[]}}
 */
export function claimToken(released, { own, shown, now }) {
  const live = released.filter((r) => r.expires > now && r.token !== own);
  if (own) return { token: own, shown: "", released: live };
  const mine = shown ? live.findLast((r) => r.shown === shown) : undefined; // the last closed
  return { token: mine?.token ?? null, shown: mine?.shown ?? "", released: live.filter((r) => r !== mine) };
}

/**
 * The list with this tab's token released (newest last, expired ones and the oldest
 * beyond a few dropped).
 * @param {Released[]} released
 * @param {Released} mine
 * @param {number} now
 * @returns {Released[]}
 */
export function releaseToken(released, mine, now) {
  return [...released.filter((r) => r.expires > now && r.token !== mine.token), mine].slice(-MAX_RELEASED);
}

/**
 * @typedef {{type: string, run?: string | null, [key: string]: any}} ServerEvent
 * @typedef {"connecting" | "open" | "lost"} Connection
 * @typedef {{
 *   onEvent: (event: ServerEvent) => void,
 *   onFrame: (frame: import("./frame.js").Frame) => void,
 *   onConnection: (state: Connection, detail: string) => void,
 * }} Handlers
 * @typedef {{url?: string, tokenKey?: string | null, shown?: () => string, kind?: string}} SocketOptions
 *   `shown`: what the page shows now (its spec as text), which a released token must match;
 *   `kind`: what the runs database records the runs as ("lesson" for a lesson's arms)
 */

/**
 * @param {Handlers} handlers
 * @param {SocketOptions} [options] `url` defaults to this page's own server; `tokenKey`
 *   is where sessionStorage keeps the resume token ("nnp.session"; null: no resume)
 */
export function createSocket(handlers, { url = defaultUrl(), tokenKey = TOKEN_KEY, shown = () => "", kind = "" } = {}) {
  /** @type {WebSocket | null} */
  let ws = null;
  let attempt = 0;
  /** @type {string | null} */
  let run = null;
  let closed = false;
  let graceMs = 0;
  const shownKey = `${tokenKey}.shown`;

  /** This tab's token: its own, or one a closed tab showing the same released. */
  function takeToken() {
    if (tokenKey === null) return null;
    const claim = claimToken(readReleased(), {
      own: sessionStorage.getItem(tokenKey),
      shown: shown(),
      now: Date.now(),
    });
    writeReleased(claim.released);
    if (claim.token && claim.shown) {
      sessionStorage.setItem(tokenKey, claim.token);
      sessionStorage.setItem(shownKey, claim.shown);
    }
    return claim.token;
  }

  if (tokenKey !== null) {
    addEventListener("pagehide", () => {
      const token = sessionStorage.getItem(tokenKey);
      const what = sessionStorage.getItem(shownKey) ?? "";
      if (!token || !what || !graceMs) return; // nothing another tab could take over
      writeReleased(releaseToken(readReleased(), { token, shown: what, expires: Date.now() + graceMs }, Date.now()));
    });
  }

  function connect() {
    handlers.onConnection("connecting", attempt ? "reconnecting…" : "connecting…");
    const token = takeToken();
    const query = new URLSearchParams({ tab: PAGE_ID });
    if (kind) query.set("kind", kind);
    if (token) query.set("session", token);
    ws = new WebSocket(`${url}?${query}`);
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
      graceMs = (event.limits?.resume_grace_s ?? 0) * 1000;
      let was = "";
      if (tokenKey !== null) {
        was = event.resumed ? (sessionStorage.getItem(shownKey) ?? "") : "";
        sessionStorage.setItem(tokenKey, event.session);
        if (!event.resumed) sessionStorage.removeItem(shownKey);
      }
      run = event.run ?? null;
      handlers.onConnection("open", event.resumed ? "reconnected" : "connected");
      handlers.onEvent({ ...event, shown: was }); // what the page showed of the resumed run
      return;
    }
    // The server answers `start`s (and `reopen`s) in order, so the k-th run id not seen
    // before belongs to the k-th start; events of the runs it replaced may still be in flight: dropped.
    if (event.type === "error" && event.field === "id" && startsPending) {
      // A refused `reopen` (docs/protocol.md): it started nothing, and it names the run it
      // would have replaced; the page hears why.
      startsPending -= 1;
      handlers.onEvent(event);
      return;
    }
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
      if (message.type === "start" || message.type === "reopen") {
        // A new run shows what its page says it shows (setShown), not what an earlier run
        // of this tab showed (the GAN page, say, which says nothing).
        if (tokenKey !== null) sessionStorage.removeItem(shownKey);
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
    /**
     * Records what the page shows of the session's run (its spec as text): a reload, or
     * a tab reopened, resumes the run only when it shows the same.
     * @param {string} what
     */
    setShown(what) {
      if (tokenKey !== null) sessionStorage.setItem(shownKey, what);
    },
    connect,
    close() {
      closed = true;
      ws?.close(1000);
    },
  };
}

/** @returns {Released[]} */
function readReleased() {
  try {
    const list = JSON.parse(localStorage.getItem(RELEASED_KEY) ?? "[]");
    return Array.isArray(list)
      ? list.filter((r) => typeof r?.token === "string" && typeof r.shown === "string" && typeof r.expires === "number")
      : [];
  } catch {
    return []; // written by something else: start a new list
  }
}

/** @param {Released[]} list */
function writeReleased(list) {
  if (list.length) localStorage.setItem(RELEASED_KEY, JSON.stringify(list));
  else localStorage.removeItem(RELEASED_KEY);
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
