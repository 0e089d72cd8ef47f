// Unit tests of static/js/classLesson.js: when a student's page opens the class's lesson,
// and the teacher's distribution in words.
import assert from "node:assert/strict";
import { test } from "node:test";

import { distributionLines, lessonToOpen } from "../../static/js/classLesson.js";

test("a student's page opens each class lesson once", () => {
  const open = { id: "r1", lesson: "capacity", title: "Capacity" };
  assert.equal(lessonToOpen(open, null), "/?lesson=capacity");
  assert.equal(lessonToOpen(open, "r0"), "/?lesson=capacity"); // a new round, even of the same lesson
  assert.equal(lessonToOpen(open, "r1"), null); // opened already: there, or gone back to play
  assert.equal(lessonToOpen({ id: null }, null), null);
});

test("the distribution marks the right answer only once revealed", () => {
  const tally = {
    id: "r1",
    question: "?",
    choices: ["a", "b"],
    counts: [3, 1],
    skipped: 0,
    answered: 4,
    students: 5,
    revealed: false,
    answer: null,
    right: null,
  };
  assert.deepEqual(distributionLines(tally), ["a: 3", "b: 1"]);
  assert.deepEqual(distributionLines({ ...tally, revealed: true, answer: 1, right: 1 }), ["a: 3", "b: 1 ✓ right"]);
});
