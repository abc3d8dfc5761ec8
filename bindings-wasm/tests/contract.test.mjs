// The contract every front end shares (docs/contract.md): the same file gives the same findings
// as from the CLI and the other bindings (cli/tests/files.rs, bindings-python/tests/
// test_contract.py, bindings-mobile/tests/kotlin/ContractTests.kt), one name per verb with the
// old names as aliases, and every error carries a code from the core's table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { bf, crateDir, repoRoot, thrown } from "./support.mjs";

const today = "2024-06-01";
const outOfOrder = () => readFileSync(join(repoRoot, "tests", "contract", "out-of-order-xero.csv"), "utf8");
const found = (report) => report.issues.map((i) => [i.code, i.id]);

test("validate takes the shared file as given; prepare normalises it first", () => {
  const text = outOfOrder();
  assert.deepEqual(found(bf.validate(text, { platform: "xero", today })), [
    ["not_chronological", "t1"],
    ["balance_mismatch", "t1"],
  ]);
  assert.deepEqual(found(bf.prepare(text, { platform: "xero", today }).report), [["balance_mismatch", "t3"]]);
});

test("one name per verb, the old names kept as aliases that give the same answers", () => {
  const text = outOfOrder();
  assert.deepEqual(bf.normalise(text, { platform: "xero", today }), bf.prepare(text, { platform: "xero", today }));
  const rows = [
    { id: "a", date: "2024-05-01", amount: "-1.50" },
    { id: "b", date: "2024-05-02", amount: "10" },
  ];
  const back = bf.fillBalances(rows, { closing: "20.00" });
  assert.deepEqual([back.openingBalance, back.closingBalance], ["11.50", "20.00"]);
  const forward = bf.fillBalances(rows, { opening: "11.50" });
  assert.deepEqual(forward.transactions, back.transactions);
  assert.equal(bf.verifyBalances(forward.transactions, "11.50").intact, true);
  assert.deepEqual(bf.verifyChain(bf.parseFile(text).rows), bf.verifyBalances(bf.parseFile(text).rows));
  assert.match(thrown(() => bf.fillBalances(rows, { opening: "1", closing: "2" })).message, /not both/);
});

test("errorCodes is the core's table, the same as the TypeScript ErrorCode", () => {
  const table = bf.errorCodes();
  assert.equal(new Set(table).size, table.length);
  for (const code of ["validation", "invalid_argument", "invalid_option", "too_large", "internal", "invalid_signature"]) {
    assert.ok(table.includes(code), code);
  }
  const dts = readFileSync(join(crateDir, "js", "types.d.ts"), "utf8");
  const union = dts.match(/export type ErrorCode =([^;]*);/)[1];
  assert.deepEqual([...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]), table);
  const usage = dts.match(/export type UsageErrorCode =([^;]*);/)[1];
  for (const [, code] of usage.matchAll(/"([a-z_]+)"/g)) assert.ok(table.includes(code), code);
});

test("every error the module throws carries a code from errorCodes()", () => {
  const table = new Set(bf.errorCodes());
  const rows = [{ id: "t1", date: "2024-05-01", amount: "1.00" }];
  const bad = [{ id: "t1", date: "2024-02-30", amount: "1.00" }];
  const calls = [
    ["rows not rows", () => bf.validate(7)],
    ["unknown option", () => bf.validate(rows, { plaform: "xero" })],
    ["prepare option in validate", () => bf.validate(rows, { today, sort: false })],
    ["both ends", () => bf.prepare(rows, { today, openingBalance: "1", closingBalance: "2" })],
    ["unknown platform", () => bf.profile("quickbook")],
    ["no anchor", () => bf.fillBalances(rows, {})],
    ["blank account", () => bf.pushBodies(rows, " ")],
    ["file not text", () => bf.parseFile(1)],
    ["unreadable rows (verify)", () => bf.verifyBalances(bad)],
    ["unreadable rows (fill)", () => bf.fillBalances(bad, { closing: "1" })],
    ["unreadable rows (push bodies)", () => bf.pushBodies(bad, "acc")],
    // Eight amounts of 28 nines pass 2^96.
    ["overflow", () => bf.fillBalances(Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, date: "2024-01-01", amount: "9".repeat(28) })), { opening: "9".repeat(28) })],
    ["bad account", () => bf.validateAccount(7)],
  ];
  if (bf.verifyWebhook) {
    calls.push(["webhook without headers", () => bf.verifyWebhook("whsec_" + Buffer.from("k").toString("base64"), {}, "{}")]);
  }
  for (const [what, call] of calls) {
    let e;
    assert.throws(call, (caught) => ((e = caught), true), what);
    assert.ok(e instanceof bf.BankFeedsError, `${what}: ${e}`);
    assert.ok(table.has(e.code), `${what}: ${e.code} is not in errorCodes()`);
  }
  const v = thrown(() => bf.verifyBalances(bad));
  assert.deepEqual([v.code, v.issue.code], ["validation", "invalid_date"]);
});
