// @ts-check
/**
 * Frames at the rate the page paints them, not more. The page paints at most one frame per
 * animation frame; a frame that a newer one replaces before the paint was computed,
 * encoded and sent by the server for nothing (and the server's time for frames is time it
 * does not train). A browser that paints fewer frames than it is sent (a slow laptop, a
 * busy machine) asks for fewer: over each window of about 2 s, if more than a fifth of the
 * frames received were never painted, the `view` fps falls to the rate it painted, by half
 * at most per window (one stalled window, a burst of load, must not leave a fast browser
 * at a few frames a second); while (almost) none are lost, it climbs back by a quarter
 * per window up to the page's own ceiling. Between the two (some frames lost to jitter,
 * two arriving within one animation frame) it holds, so it does not swing about the rate
 * the page paints.
 */

export const WINDOW_MS = 2000;
const LOST_SHARE = 0.2; // more than this share of frames unpainted: the paint rate is the limit
const KEPT_SHARE = 0.05; // at most this share unpainted: room to climb
// A window with fewer than this share of the frames asked tells nothing: the run paused,
// or the server sends fewer (its frames cost more than the fps allows).
const MIN_SHARE = 0.5;
const CLIMB = 0.25; // the share by which the fps climbs back per window without losses

/**
 * @param {{max: number, min?: number}} o the fps the page asks when it keeps up, and the
 *   least it ever asks
 */
export function createFramePacer({ max, min = 2 }) {
  let fps = max;
  let received = 0;
  let painted = 0;
  /** @type {number | null} */
  let since = null;
  return {
    /** The fps to ask for now. */
    get fps() {
      return fps;
    },
    /** A frame of the run shown arrived. */
    received() {
      received += 1;
    },
    /** A frame was painted (at most one per animation frame). */
    painted() {
      painted += 1;
    },
    /**
     * Called on each animation frame; at the end of a window, the new fps to ask for,
     * if it changes (else null).
     * @param {number} now ms (performance.now())
     * @returns {number | null}
     */
    tick(now) {
      if (since === null) since = now;
      if (now - since < WINDOW_MS) return null;
      const seconds = (now - since) / 1000;
      const [got, shown] = [received, painted];
      since = now;
      received = painted = 0;
      if (got === 0 || got < MIN_SHARE * fps * seconds) return null;
      let next = fps;
      if (shown < got * (1 - LOST_SHARE))
        next = Math.min(fps, Math.max(min, Math.floor(shown / seconds), Math.floor(fps / 2)));
      else if (shown >= got * (1 - KEPT_SHARE)) next = Math.min(max, fps + Math.max(1, Math.round(fps * CLIMB)));
      if (next === fps) return null;
      fps = next;
      return fps;
    },
    /** A new run: ask the ceiling again and count afresh. */
    reset() {
      fps = max;
      received = painted = 0;
      since = null;
    },
  };
}
