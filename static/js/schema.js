// @ts-check
/**
 * The page's schema is the server's catalog (`GET /api/catalog`, app/catalog.py): every
 * bound, choice list and pattern a control or a link obeys is read from it here, never
 * written out in the page. A page fetches the catalog first and hands it to its URL-state
 * table (state.js `useCatalog`, gan/state.js `useGanCatalog`) before reading a link.
 */

/**
 * A field as the catalog describes it (app/catalog.py describe_fields).
 * @typedef {{type: string, description?: string, default?: any, required?: boolean,
 *            nullable?: boolean, min?: number, max?: number, exclusive_min?: number,
 *            exclusive_max?: number, choices?: any[], pattern?: string, min_items?: number,
 *            max_items?: number, item_min?: number, item_max?: number}} Param
 * What a value must be, in the page's terms.
 * @typedef {{min?: number, max?: number, exclusiveMin?: number, exclusiveMax?: number,
 *            choices?: string[], pattern?: RegExp}} Constraints
 */

/**
 * The catalog's description of the spec field at `path` ("train.lr", "data.noise", "seed",
 * "gan.generator.lr", "gan.d_steps", "early_stopping.patience"); undefined for a path the
 * catalog does not describe field by field (the layers, drawn points).
 * @param {any} catalog
 * @param {string} path
 * @returns {Param | undefined}
 */
export function paramAt(catalog, path) {
  const keys = path.split(".");
  const last = keys[keys.length - 1];
  const table =
    keys.length === 1
      ? catalog.spec_params
      : keys[0] === "data"
        ? catalog.data_params
        : keys[0] === "train"
          ? catalog.train_params
          : keys[0] === "early_stopping"
            ? catalog.early_stopping_params
            : keys[0] === "gan"
              ? keys.length === 3
                ? catalog.gan.net_params
                : catalog.gan.params
              : undefined;
  return table?.[last];
}

/**
 * @param {Param | undefined} param
 * @returns {Constraints} its bounds, choices and pattern (nothing for no param)
 */
export function constraintsOf(param) {
  if (!param) return {};
  /** @type {Constraints} */
  const found = {};
  if (param.min !== undefined) found.min = param.min;
  if (param.max !== undefined) found.max = param.max;
  if (param.exclusive_min !== undefined) found.exclusiveMin = param.exclusive_min;
  if (param.exclusive_max !== undefined) found.exclusiveMax = param.exclusive_max;
  if (param.choices) found.choices = param.choices;
  if (param.pattern) found.pattern = new RegExp(param.pattern);
  return found;
}

/**
 * Whether n lies within the constraints' bounds.
 * @param {Constraints} c
 * @param {number} n
 */
export function inBounds(c, n) {
  return (
    Number.isFinite(n) &&
    (c.min === undefined || n >= c.min) &&
    (c.max === undefined || n <= c.max) &&
    (c.exclusiveMin === undefined || n > c.exclusiveMin) &&
    (c.exclusiveMax === undefined || n < c.exclusiveMax)
  );
}

/**
 * Why n lies outside the bounds, in words; null when it does not.
 * @param {Constraints} c
 * @param {string} text n as it was written
 */
export function boundsProblem(c, text) {
  const n = Number(text);
  if (c.min !== undefined && n < c.min) return `${text} is less than ${c.min}`;
  if (c.max !== undefined && n > c.max) return `${text} is more than ${c.max}`;
  if (c.exclusiveMin !== undefined && n <= c.exclusiveMin) return `${text} is not more than ${c.exclusiveMin}`;
  if (c.exclusiveMax !== undefined && n >= c.exclusiveMax) return `${text} is not less than ${c.exclusiveMax}`;
  return null;
}
