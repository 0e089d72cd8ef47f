// @ts-check
/**
 * Training progress as the page measures it: steps per second from the step counter in
 * successive status events over wall time (the page's own measure, whatever the server
 * says), and how many steps make an epoch, for Step (one epoch, as TensorFlow Playground)
 * and for the epoch's fraction in slow motion.
 */

const WINDOW_MS = 1000; // the rate is measured over about the last second...
const LONGEST_MS = 5000; // ...or longer when few steps changed in it (slow motion)

/**
 * Steps in one epoch of `examples` training examples in batches of `batch`, cut as the run
 * cuts them (app/train/run.py, Run._train): the last batch is the rest, but a lone last
 * example joins the batch before it (batch norm cannot train on one).
 * @param {number} examples
 * @param {number} batch
 */
export function stepsPerEpoch(examples, batch) {
  if (!(examples > 0) || !(batch > 0)) return 1;
  const steps = Math.ceil(examples / batch);
  return steps > 1 && examples % batch === 1 && batch >= 2 ? steps - 1 : steps;
}

/**
 * A meter of the training rate. `add` takes each status's step with its arrival time; the
 * rate runs from the step's latest change back to the first change at least a second
 * before it, so slow motion (a change a second, seen by statuses four times a second) reads
 * its true rate, not the sampling's jitter; a run that stops changing decays towards 0.
 */
export function createRateMeter() {
  /** @type {{t: number, step: number}[]} when the step counter changed, oldest first */
  let changes = [];
  return {
    /**
     * @param {number} step the status's step counter
     * @param {number} t its arrival, ms (performance.now())
     * @returns {number | null} steps per second, null until two changes are seen
     */
    add(step, t) {
      const last = changes[changes.length - 1];
      if (last && step < last.step) changes = []; // a reset or a new run: count again
      if (!last || step !== last.step || changes.length === 0) changes.push({ t, step });
      changes = changes.filter((c) => t - c.t <= LONGEST_MS);
      return this.rate(t);
    },
    /** @param {number} now ms */
    rate(now) {
      const last = changes[changes.length - 1];
      if (!last) return null;
      let first = changes[0];
      for (const c of changes) if (last.t - c.t >= WINDOW_MS) first = c; // the latest such
      if (first === last) return null;
      const steps = last.step - first.step;
      const span = last.t - first.t;
      // No change since longer than two steps take: the rate has fallen; count the wait.
      const wait = now - last.t;
      return (1000 * steps) / (wait > (2 * span) / steps ? span + wait : span);
    },
    reset() {
      changes = [];
    },
  };
}

/**
 * A rate in words: one decimal below 10 steps/s (slow motion), whole numbers above.
 * @param {number} rate
 */
export function formatRate(rate) {
  const digits = rate < 10 ? 1 : 0;
  return `${rate.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits })} steps/s`;
}
