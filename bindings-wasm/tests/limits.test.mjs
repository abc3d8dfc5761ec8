// What one call takes: at most 1,000,000 rows and 128 MiB of text (bindings-wasm/README.md,
// "Limits"). Past them, the call throws BankFeedsError with code `too_large` before building the
// rows, instead of running the module out of memory ("capacity overflow", an `internal` error
// that poisons the module) or throwing a plain Error from JavaScript; the module keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, thrown } from "./support.mjs";

const today = "2024-06-01";
const MAX_ROWS = 1_000_000;
const MAX_TEXT = 128 * 1024 * 1024;

function stillWorks() {
  assert.deepEqual(bf.validate([{ id: "ok", date: "2024-05-01", amount: "1.00" }], { today }).issues, []);
}

const allFunctions = [
  ["validate", (rows) => bf.validate(rows, { today })],
  ["normalise", (rows) => bf.normalise(rows, { today })],
  ["verifyChain", (rows) => bf.verifyChain(rows)],
  ["fillBalances", (rows) => bf.fillBalances(rows, { opening: "0" })],
  ["pushBodies", (rows) => bf.pushBodies(rows, "acc")],
];

function tooLarge(f, field, words) {
  const e = thrown(f);
  assert.ok(e instanceof bf.BankFeedsError, `${e?.stack ?? e}`);
  assert.ok(!(e instanceof bf.ValidationError));
  assert.equal(e.code, "too_large", e.message);
  assert.equal(e.field, field);
  assert.ok(e.message.includes(words), e.message);
  return e;
}

test("a list longer than a call takes is too_large, for every function, before it is read", () => {
  const huge = [];
  huge.length = 2 ** 32 - 1;
  // eslint-disable-next-line no-sparse-arrays
  const holes = new Array(3_000_000);
  const justOver = new Array(MAX_ROWS + 1);
  for (const rows of [huge, holes, justOver, { accountId: "acc", transactions: holes }]) {
    for (const [name, call] of allFunctions) {
      const e = tooLarge(() => call(rows), "rows", "more than the 1,000,000 one call takes");
      assert.ok(e.stack.length > 0, name);
    }
  }
  // A getter on a row is not run: nothing was read.
  let reads = 0;
  const watched = new Array(MAX_ROWS + 1);
  Object.defineProperty(watched, 0, { get: () => (reads++, { id: "x" }) });
  tooLarge(() => bf.validate(watched, { today }), "rows", "1,000,001 rows");
  assert.equal(reads, 0);
  stillWorks();
});

test("a file with more rows than a call takes is too_large", () => {
  // 5,000,000 rows of CSV (75 MB of text, within the text limit).
  const csv = "id,date,amount\n" + "x,2024-05-01,1\n".repeat(5_000_000);
  tooLarge(() => bf.validate(csv, { today }), "rows", "more than the 1,000,000 rows");
  tooLarge(() => bf.parseFile(csv), "text", "more than the 1,000,000 rows");
  // Just over, in the smallest rows there are, CSV and JSON.
  tooLarge(() => bf.validate("id\n" + "x\n".repeat(MAX_ROWS + 1), { today }), "rows", "split it");
  tooLarge(() => bf.normalise(`[${"0,".repeat(MAX_ROWS)}0]`, { today }), "rows", "split it");
  tooLarge(() => bf.validate(`{"accountId":"a","transactions":[${"{},".repeat(MAX_ROWS)}{}]}`, { today }), "rows", "split it");
  stillWorks();
});

test("many line breaks or commas are not many rows", () => {
  // Over a million line breaks and commas, but three rows: read as usual.
  const blank = "\n".repeat(MAX_ROWS + 5);
  const csv = `id,date,amount,description\n${blank}t1,2024-05-01,1,"${",".repeat(MAX_ROWS)}"\nt2,2024-05-02,2,x\n`;
  const report = bf.validate(csv, { today });
  assert.equal(report.errorCount, 0, JSON.stringify(report.issues.slice(0, 3)));
  const json = `[{"id":"t1","date":"2024-05-01","amount":1,"description":"${",".repeat(MAX_ROWS)}"}]`;
  assert.equal(bf.normalise(json, { today }).transactions.length, 1);
});

test("text longer than a call takes is too_large before it is copied", () => {
  const text = "id,date,amount\n" + "x".repeat(MAX_TEXT);
  tooLarge(() => bf.validate(text, { today }), "rows", "134,217,743 characters");
  tooLarge(() => bf.parseFile(text), "text", "more than the 134,217,728 bytes (128 MiB)");
  // Characters that take more than a byte each count as what they take.
  const wide = "id,date,amount\n" + "é".repeat(MAX_TEXT / 2 + 1);
  tooLarge(() => bf.validate(wide, { today }), "rows", "bytes of UTF-8");
  stillWorks();
});

test("rows whose text together is longer than a call takes are too_large", () => {
  const description = "d".repeat(1 << 20);
  const rows = Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, date: "2024-05-01", amount: "1", description }));
  tooLarge(() => bf.validate(rows, { today }), "rows", "the rows' text is more than");
  // Under the limit, the same rows are read whole.
  const out = bf.normalise(rows.slice(0, 100), { today, sort: false });
  assert.deepEqual(out.transactions.map((t) => t.description.length), Array(100).fill(1 << 20));
  stillWorks();
});
