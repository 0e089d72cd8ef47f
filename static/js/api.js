// @ts-check
/** The HTTP side of the server (docs/http-api.md): the catalog, spec validation, the 2-D
 * points, validation examples, CSV uploads, the lessons (docs/lessons.md). */

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

/** Answers already fetched, by URL and body: thumbnails and views ask for the same data. */
const cache = new Map();

/**
 * POSTs JSON and caches the answer per request (a failed one is forgotten).
 * @param {string} url
 * @param {Record<string, any>} payload
 */
function cachedPost(url, payload) {
  const key = url + JSON.stringify(payload);
  if (!cache.has(key)) {
    const request = fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    }).then(async (response) => {
      if (!response.ok) throw new Error((await response.json()).detail ?? `HTTP ${response.status}`);
      return response.json();
    });
    request.catch(() => cache.delete(key));
    if (cache.size > 64) cache.clear();
    cache.set(key, request);
  }
  return cache.get(key);
}

/**
 * The 2-D points a run of this data and seed trains on.
 * @param {Record<string, any>} data the spec's `data`
 * @param {number} seed
 * @returns {Promise<import("./views/boundary.js").Points>}
 */
export function fetchPoints(data, seed) {
  return cachedPost("/api/points", { data, seed });
}

/**
 * The first `count` validation examples a run of this data and seed holds.
 * @param {Record<string, any>} data
 * @param {number} seed
 * @param {number} [count]
 * @returns {Promise<{input_kind: string, class_names: string[], examples: {index: number, x: any, y: any}[]}>}
 */
export function fetchExamples(data, seed, count = 16) {
  return cachedPost("/api/examples", { data, seed, count });
}

/**
 * Uploads a CSV file; the answer names it (`file`) and describes its columns and task. A file
 * over the server's limit is refused here, before sending megabytes the server would refuse.
 * @param {File} file
 * @param {number} maxBytes the catalog's limits.max_csv_bytes
 * @returns {Promise<{file: string, rows: number, columns: string[], target: string, task: string}>}
 */
export async function uploadCsv(file, maxBytes) {
  if (file.size > maxBytes) throw new Error(`the file is ${megabytes(file.size)}; the limit is ${megabytes(maxBytes)}`);
  const response = await fetch(`/api/uploads?name=${encodeURIComponent(file.name.slice(0, 100))}`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: file,
  });
  const answer = await response.json().catch(() => ({ detail: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(answer.errors?.[0]?.message ?? answer.detail ?? `HTTP ${response.status}`);
  return answer;
}

/** @param {number} bytes */
function megabytes(bytes) {
  return `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 1 : 0)} MB`;
}

/**
 * @typedef {{id: string, title: string, concept: string, order?: number}} LessonSummary
 * @typedef {{holds: boolean, measured: Record<string, number | null>, lines: string[]}} LessonCheck
 */

/** @returns {Promise<LessonSummary[]>} every lesson, as the server lists them */
export async function fetchLessons() {
  const response = await fetch("/api/lessons");
  if (!response.ok) throw new Error(`the lessons did not load (HTTP ${response.status})`);
  return response.json();
}

/**
 * @param {string} id
 * @returns {Promise<Record<string, any>>} the lesson file (docs/lessons.md)
 */
export async function fetchLesson(id) {
  const response = await fetch(`/api/lessons/${encodeURIComponent(id)}`);
  if (response.status === 404) throw new Error(`there is no lesson "${id}"`);
  if (!response.ok) throw new Error(`the lesson did not load (HTTP ${response.status})`);
  return response.json();
}

/**
 * Trains the lesson's runs headless on the server and measures its check (up to half a
 * minute; the server runs one check at a time). A refusal throws an Error whose `status`
 * is the HTTP status (429: the server was busy with other checks for a minute).
 * @param {string} id
 * @param {number} seed
 * @returns {Promise<LessonCheck>}
 */
export async function checkLesson(id, seed) {
  const response = await fetch(`/api/lessons/${encodeURIComponent(id)}/check`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seed }),
  });
  const answer = await response.json().catch(() => ({ detail: `HTTP ${response.status}` }));
  if (!response.ok) {
    const error = new Error(
      typeof answer.detail === "string" ? answer.detail : `the check failed (HTTP ${response.status})`,
    );
    throw Object.assign(error, { status: response.status }); // 429: another check ran too long
  }
  return answer;
}

/**
 * The current run of this session exported (docs/runs.md): a zip of model.py, data.npz,
 * weights.safetensors, spec.json and model.onnx.
 * @param {string} session the token the socket's `hello` gave
 * @returns {Promise<Blob>}
 */
export async function exportRun(session) {
  const response = await fetch("/api/export", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ session }),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw new Error(answer.detail ?? `the export failed (HTTP ${response.status})`);
  }
  return response.blob();
}

/**
 * @typedef {{id: string, name: string, kind: string, status: string, reason: string | null,
 *   detail: string | null, created: string, updated: string, seed: number, epochs: number,
 *   steps: number, pinned: boolean,
 *   spec_summary: {kind: string, dataset: string | null, layers: string[], network: string[],
 *     optimizer: string | null, lr: number | null},
 *   best: Record<string, any> | null, last: Record<string, any> | null,
 *   checkpoint: {step: number, epoch: number, best: boolean} | null,
 *   thumbnail?: import("./thumbnail.js").Picture | null}} RunSummary
 *   one recorded run as `GET /api/runs` lists it (docs/http-api.md, "Runs")
 * @typedef {RunSummary & {spec: Record<string, any>, metrics: Record<string, any>[]}} RunDetail
 */

/**
 * One call of the runs API; a refusal or a lost connection throws an Error in words.
 * @param {string} path
 * @param {RequestInit} [init]
 */
async function runsRequest(path, init = {}) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error("the server could not be reached");
  }
  if (response.ok) return response.status === 204 ? null : response.json();
  const answer = await response.json().catch(() => ({}));
  const error = answer.errors?.[0]; // a 422 names the field and the limit
  if (error) throw new Error(`${error.field}: ${error.message}`);
  throw new Error(typeof answer.detail === "string" ? answer.detail : `the server answered HTTP ${response.status}`);
}

/** @returns {Promise<RunSummary[]>} this browser's recorded runs, newest first */
export async function listRuns() {
  return (await runsRequest("/api/runs")).runs;
}

/**
 * @param {string} id
 * @returns {Promise<RunDetail>} the run with its spec and every epoch's metric point
 */
export function fetchRun(id) {
  return runsRequest(`/api/runs/${encodeURIComponent(id)}`);
}

/**
 * Renames or pins a run.
 * @param {string} id
 * @param {{name?: string, pinned?: boolean}} change
 * @returns {Promise<RunSummary>}
 */
export function changeRun(id, change) {
  return runsRequest(`/api/runs/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(change),
  });
}

/** @param {string} id @returns {Promise<null>} */
export function deleteRun(id) {
  return runsRequest(`/api/runs/${encodeURIComponent(id)}`, { method: "DELETE" });
}
