// @ts-check
/**
 * How one setting's value reads from a link and writes to one, for every page's URL table
 * (state.js's PROPS, gan/state.js's GAN_PROPS): numbers within the catalog's bounds, flags as
 * 1 or 0, names from a choice list or matching a pattern, lists of names. A value that does
 * not read is undefined (the table keeps its default and says why, in `whyNot`'s words);
 * nothing is clamped or guessed. Each table reads its own compound kinds (layers, points).
 */

import { boundsProblem, inBounds } from "./schema.js";

/**
 * @typedef {{kind: string, nullable?: boolean} & import("./schema.js").Constraints} Row
 */

export const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i;
const LONGEST_TEXT = 100;
const LONGEST_ITEM = 64;
const MOST_ITEMS = 32;

/**
 * @param {Row} row
 * @param {string} raw
 * @returns {any} the value, or undefined when the text is not one
 */
export function readValue(row, raw) {
  if (row.nullable && raw === "") return null;
  switch (row.kind) {
    case "int":
    case "number":
      return numberProblem(row, raw) === null ? Number(raw) : undefined;
    case "bool":
      return raw === "1" || raw === "true" ? true : raw === "0" || raw === "false" ? false : undefined;
    case "string":
    case "choice":
      if (row.pattern) return row.pattern.test(raw) ? raw : undefined;
      return !row.choices || row.choices.includes(raw) ? raw.slice(0, LONGEST_TEXT) : undefined;
    case "list": {
      const items = raw ? raw.split(",") : [];
      const valid = row.choices ? items.filter((i) => row.choices?.includes(i)) : items;
      return [...new Set(valid.map((i) => i.slice(0, LONGEST_ITEM)))].slice(0, MOST_ITEMS);
    }
  }
  return undefined;
}

/**
 * @param {Row} row
 * @param {any} value
 * @returns {string}
 */
export function writeValue(row, value) {
  if (value === null) return "";
  if (row.kind === "bool") return value ? "1" : "0";
  if (row.kind === "list") return value.join(",");
  return String(value);
}

/**
 * Why a text is not a value of the row, in words.
 * @param {Row} row
 * @param {string} raw
 */
export function whyNot(row, raw) {
  if (row.kind === "int" || row.kind === "number") return numberProblem(row, raw) ?? `${quote(raw)} is not valid`;
  if (row.kind === "bool") return `${quote(raw)} is not 1 or 0`;
  if (row.pattern) return `${quote(raw)} is not the name of an uploaded CSV file`;
  if (row.choices) return `${quote(raw)} is not one of ${row.choices.join(", ")}`;
  return `${quote(raw)} is not valid`;
}

/**
 * @param {Row} row
 * @param {string} text
 * @returns {string | null} what is wrong with the number, null if nothing
 */
export function numberProblem(row, text) {
  if (!NUMBER.test(text)) return `${quote(text)} is not a number`;
  const n = Number(text);
  if (row.kind === "int" && !Number.isInteger(n)) return `${quote(text)} is not a whole number`;
  if (!Number.isFinite(n)) return `${quote(text)} is not a number`;
  return inBounds(row, n) ? null : boundsProblem(row, text);
}

/** @param {string} text a piece of the address, quoted and cut short for the page */
export function quote(text) {
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}
