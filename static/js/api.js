// @ts-check
/** The HTTP side of the server: the catalog, spec validation and the 2-D points. */

export async function fetchCatalog() {
  const response = await fetch("/api/catalog");
  if (!response.ok) throw new Error(`the catalog did not load (HTTP ${response.status})`);
  return response.json();
}

/**
 * @param {Record<string, any>} spec
 * @returns {Promise<{valid: boolean, errors?: {field: string, message: string}[], [key: string]: any}>}
 *   the validator's answer: shapes and parameter counts, or the errors by field
 */
export async function validateSpec(spec) {
  const response = await fetch("/api/validate", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (response.status === 413) return { valid: false, errors: [{ field: "", message: "the spec is too large" }] };
  return response.json();
}

/** Points already fetched, by request: thumbnails and the boundary ask for the same data. */
const pointsCache = new Map();

/**
 * The 2-D points a run of this data and seed trains on (cached per request).
 * @param {Record<string, any>} data the spec's `data`
 * @param {number} seed
 * @returns {Promise<import("./views/boundary.js").Points>}
 */
export function fetchPoints(data, seed) {
  const body = JSON.stringify({ data, seed });
  if (!pointsCache.has(body)) {
    const request = fetch("/api/points", { method: "POST", headers: { "content-type": "application/json" }, body }).then(
      async (response) => {
        if (!response.ok) throw new Error((await response.json()).detail ?? `HTTP ${response.status}`);
        return response.json();
      },
    );
    request.catch(() => pointsCache.delete(body));
    if (pointsCache.size > 64) pointsCache.clear();
    pointsCache.set(body, request);
  }
  return pointsCache.get(body);
}
