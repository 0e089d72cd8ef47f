// Unit tests of static/js/classChallenge.js: a student's place in words.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ordinal, standingWords } from "../../static/js/classChallenge.js";

test("ordinals", () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal), [
    "1st",
    "2nd",
    "3rd",
    "4th",
    "11th",
    "12th",
    "13th",
    "21st",
    "22nd",
    "101st",
    "111th",
  ]);
});

test("a student's place, or why they have none", () => {
  const challenge = { dataset: "circle", metric: "val_loss", max_neurons: 20, max_layers: null, words: "" };
  assert.equal(standingWords({ challenge: null }), "");
  assert.equal(standingWords({ challenge, rank: 2, of: 14, reason: null }), "You are 2nd of 14.");
  assert.equal(
    standingWords({ challenge, rank: null, of: 3, reason: "32 neurons: the limit is 20" }),
    "Your run does not qualify: 32 neurons: the limit is 20.",
  );
  assert.equal(
    standingWords({ challenge, rank: null, of: 0, reason: null }),
    "Start a run that meets the goal to get a place.",
  );
});
