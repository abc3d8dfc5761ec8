// A JavaScript string may hold a lone surrogate ("\uD800"), which is not Unicode text and has no
// UTF-8 form. It is never replaced by U+FFFD on the way in (two ids that differ only there would
// become one, and normalise() would drop a row as a duplicate): a value with one is a finding on
// its row and field, a file with one gives a finding with its line and column, an option or
// accountId with one is a BankFeedsError, a key with one is an unknown column named with it
// escaped.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, thrown, withCode } from "./support.mjs";

const today = "2024-06-01";

test("two ids that differ only in a lone surrogate stay two rows, each with a finding", () => {
  const rows = [
    { id: "a\uD800", date: "2024-05-01", amount: "1.00" },
    { id: "a\uD801", date: "2024-05-01", amount: "1.00" },
    { id: "\uDC00", date: "2024-05-01", amount: "1.00" },
    { id: "ok", date: "2024-05-01", amount: "1.00" },
  ];
  const report = bf.validate(rows, { today });
  assert.deepEqual(
    report.issues.filter((i) => i.severity === "error").map((i) => [i.row, i.field, i.code]),
    [[0, "id", "invalid_value"], [1, "id", "invalid_value"], [2, "id", "invalid_value"]],
  );
  assert.equal(withCode(report, "duplicate_id").length, 0);
  assert.match(report.issues.find((i) => i.row === 0).message, /lone surrogate \(U\+D800 at index 1\)/);
  assert.match(report.issues.find((i) => i.row === 1).message, /U\+D801 at index 1/);
  assert.match(report.issues.find((i) => i.row === 2).message, /U\+DC00 at index 0/);
  const out = bf.normalise(rows, { today });
  assert.deepEqual(out.transactions.map((t) => t.id), ["ok"]);
  assert.equal(out.changes.filter((c) => c.kind === "duplicate_dropped").length, 0);
  assert.deepEqual(withCode(out.report, "invalid_value").map((i) => i.row), [0, 1, 2]);
  const e = thrown(() => bf.pushBodies(rows, "acc"));
  assert.ok(e instanceof bf.ValidationError);
  assert.deepEqual([e.code, e.row, e.field], ["validation", 0, "id"]);
  assert.equal(e.issue.code, "invalid_value");
});

test("a lone surrogate in any field is a finding on that field, and the values around it keep their place", () => {
  const base = { id: "r", date: "2024-05-01", amount: "1.00" };
  const rows = [
    { ...base, id: "r0", description: "Caf\u00e9 \uD83D" },
    { ...base, id: "r1", amount: "1\uDFFF" },
    { ...base, id: "r2", date: "2024-05-0\uD800" },
    { ...base, id: "r3", counterparty: "\uD83D\uDE00 fine \uDE00" },
    { ...base, id: "r4", memo: "\uD800", description: "after", reference: "ü" },
  ];
  const report = bf.validate(rows, { today });
  assert.deepEqual(
    report.issues.filter((i) => i.severity === "error").map((i) => [i.row, i.field, i.code]),
    [[0, "description", "invalid_value"], [1, "amount", "invalid_number"], [2, "date", "invalid_date"], [3, "counterparty", "invalid_value"]],
  );
  assert.match(withCode(report, "invalid_value").find((i) => i.row === 3).message, /U\+DE00 at index 8/);
  const out = bf.normalise(rows.slice(4), { today });
  assert.deepEqual([out.transactions[0].description, out.transactions[0].reference], ["after", "ü"]);
  // Well-formed astral characters (pairs) are text like any other.
  assert.equal(bf.normalise([{ ...base, description: "\uD83D\uDE00" }], { today }).transactions[0].description, "\u{1F600}");
});

test("a file whose text has a lone surrogate gives no rows and a finding with its line and column", () => {
  const csv = "id,date,amount\na\uD800,2024-05-01,1\na\uD801,2024-05-01,1\n";
  const report = bf.validate(csv, { today });
  const issue = withCode(report, "malformed_input")[0];
  assert.ok(issue, JSON.stringify(report.issues));
  assert.equal(issue.message, "the text is not Unicode text: a lone surrogate (U+D800) at line 2, column 2");
  assert.equal(bf.normalise(csv, { today }).transactions.length, 0);
  const json = '[{"id":"t1","date":"2024-05-01","amount":1},\n {"id":"\uDC01"}]';
  assert.match(withCode(bf.validate(json, { today }), "malformed_input")[0].message, /U\+DC01\) at line 2, column 9/);
  const parsed = bf.parseFile(json);
  assert.deepEqual(parsed.rows, []);
  assert.equal(parsed.issues[0].code, "malformed_input");
});

test("an option or accountId with a lone surrogate is a BankFeedsError naming it", () => {
  const rows = [{ id: "t", date: "2024-05-01", amount: "1.00" }];
  for (const [name, call, code] of [
    ["accountId", () => bf.validate(rows, { today, accountId: "acc\uD800" }), "invalid_option"],
    ["currency", () => bf.validate(rows, { today, currency: "GBP\uDC00" }), "invalid_option"],
    ["accountId", () => bf.pushBodies(rows, "acc\uD800"), "invalid_argument"],
    ["accountId", () => bf.validate({ accountId: "acc\uD800", transactions: rows }, { today }), "invalid_argument"],
  ]) {
    const e = thrown(call);
    assert.ok(e instanceof bf.BankFeedsError && !(e instanceof bf.ValidationError), `${e}`);
    assert.deepEqual([e.code, e.field], [code, name]);
    assert.match(e.message, /lone surrogate \(U\+D[8C]0\d at index 3\)/);
  }
});

test("a key with a lone surrogate is an unknown column, named with it escaped", () => {
  const row = { id: "t", date: "2024-05-01", amount: "1.00", "memo\uD800": "x", "memo\uD801": "y" };
  const unknown = withCode(bf.validate([row], { today }), "unknown_column");
  assert.deepEqual(unknown.map((i) => i.found).sort(), ["memo\\uD800", "memo\\uD801"]);
});
