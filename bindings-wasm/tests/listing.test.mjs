// validateStream() and FileChecker list the first 1,000 findings of each code that validate()
// gives for the whole text, and count the rest in `omitted`: a file where every row has a
// finding is checked in bounded memory, and errors not listed still make it invalid.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf } from "./support.mjs";

const options = Object.freeze({ platform: "generic", today: "2024-06-01" });

/** `rows` rows whose balances all break the chain after the first. */
function everyBalanceOff(rows) {
  let text = "id,date,description,amount,balance\n";
  for (let i = 0; i < rows; i++) {
    text += `t${i},2024-05-01,Coffee,1.00,${i * 10}.00\n`;
  }
  return text;
}

test("a streamed report lists the first 1,000 findings of each code and counts the rest", async () => {
  const text = everyBalanceOff(1203);
  const whole = bf.validate(text, options);
  assert.equal(whole.issues.length, 1202);
  assert.equal(whole.omitted, undefined, "a whole report omits nothing, and has no such key");
  const streamed = await bf.validateStream(new Blob([text]), options);
  assert.deepEqual(streamed.issues, whole.issues.slice(0, 1000));
  assert.deepEqual(streamed.omitted, [{ code: "balance_mismatch", severity: "error", count: 202 }]);
  assert.equal(streamed.errorCount, 1202);
  assert.equal(streamed.warningCount, 0);
  assert.equal(streamed.valid, false);
  const checker = new bf.FileChecker(options);
  checker.push(text);
  assert.deepEqual(checker.finish(), streamed);
});

test("maxFindings sets how many are listed; Infinity lists every one", async () => {
  const text = everyBalanceOff(30);
  const whole = bf.validate(text, options);
  const two = await bf.validateStream(new Blob([text]), { ...options, maxFindings: 2 });
  assert.deepEqual(two.issues, whole.issues.slice(0, 2));
  assert.deepEqual(two.omitted, [{ code: "balance_mismatch", severity: "error", count: 27 }]);
  const none = new bf.FileChecker({ ...options, maxFindings: 0 });
  none.push(text);
  const report = none.finish();
  assert.deepEqual(report.issues, []);
  assert.equal(report.valid, false);
  assert.equal(report.errorCount, 29);
  assert.deepEqual(await bf.validateStream(new Blob([text]), { ...options, maxFindings: Infinity }), whole);
  assert.throws(() => new bf.FileChecker({ ...options, maxFindings: -1 }), /maxFindings must be a whole number/);
});

test("a short file's streamed report is validate()'s, with no omitted key", async () => {
  const text = everyBalanceOff(5);
  const streamed = await bf.validateStream(new Blob([text]), options);
  assert.deepEqual(streamed, bf.validate(text, options));
  assert.ok(!("omitted" in streamed));
});
