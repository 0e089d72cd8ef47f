// @ts-check
/** The Output panel's numbers in words a class can read: losses, however wild they get. */

/**
 * A loss readout: three decimals, or three digits with an exponent once it is large (a
 * run on its way to diverging), "diverged" when it is not finite (null on the wire).
 * @param {unknown} loss a frame's value as the wire has it: anything but a finite number
 *   reads "diverged"
 */
export function formatLoss(loss) {
  if (typeof loss !== "number" || !Number.isFinite(loss)) return "diverged";
  return Math.abs(loss) < 1000 ? loss.toFixed(3) : loss.toExponential(2);
}
