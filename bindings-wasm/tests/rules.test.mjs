// Rules as Codat applies them, `rules: {...}` to set their severities, and `timeZone`.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, thrown, withCode } from "./support.mjs";

/** Valid for Xero but for a Debit with a positive amount (row 1). */
const signs = () => [
  { id: "s1", date: "2024-05-01", amount: "100.00", balance: "100.00", transactionType: "Credit" },
  { id: "s2", date: "2024-05-02", amount: "5.00", balance: "105.00", transactionType: "Debit" },
];
const xero = { platform: "xero", today: "2024-06-01" };

test("a sign that contradicts the type is a warning, as Codat gives it", () => {
  const report = bf.validate(signs(), xero);
  assert.equal(report.valid, true);
  assert.deepEqual(report.issues.map((i) => [i.code, i.severity, i.row]), [["sign_mismatch", "warning", 1]]);
  assert.equal(bf.codes().find((c) => c.code === "sign_mismatch").severity, "warning");
});

test("rules set any rule's severity in validate and normalise", () => {
  const strict = bf.validate(signs(), { ...xero, rules: { sign_mismatch: "error" } });
  assert.equal(strict.valid, false);
  assert.deepEqual(withCode(strict, "sign_mismatch").map((i) => i.severity), ["error"]);
  assert.deepEqual(bf.validate(signs(), { ...xero, rules: { sign_mismatch: "off" } }).issues, []);
  const normalised = bf.normalise(signs(), { ...xero, rules: { sign_mismatch: "error" } });
  assert.equal(normalised.report.valid, false);
  // Findings from reading file text and from normalising honour them too.
  const csv = "id,date,amount,memo\nt1,2024-05-01,1.00,x\nt1,2024-05-01,1.00,x\n";
  const plain = bf.normalise(csv, { today: "2024-06-01" });
  assert.deepEqual(plain.report.issues.map((i) => [i.code, i.severity]).sort(), [
    ["exact_duplicate", "warning"],
    ["unknown_column", "warning"],
  ]);
  const mine = bf.normalise(csv, { today: "2024-06-01", rules: { unknown_column: "error", exact_duplicate: "off" } });
  assert.deepEqual(mine.report.issues.map((i) => [i.code, i.severity]), [["unknown_column", "error"]]);
  assert.deepEqual(mine.transactions, plain.transactions, "only severities change");
});

test("bad rules throw BankFeedsError naming the option and what is allowed", () => {
  const cases = [
    [{ sign_mismatches: "error" }, /unknown rule `sign_mismatches`; the rules are: .*sign_mismatch/],
    [{ sign_mismatch: "loud" }, /expected error, warning or off/],
    [{ sign_mismatch: 1 }, /rule `sign_mismatch` must be "error", "warning" or "off", not 1/],
    [{ invalid_date: "off" }, /cannot be made a warning or turned off/],
    [["sign_mismatch=error"], /rules must be an object/],
    ["sign_mismatch=error", /rules must be an object/],
  ];
  for (const [rules, message] of cases) {
    const e = thrown(() => bf.validate(signs(), { ...xero, rules }));
    assert.ok(e instanceof bf.BankFeedsError, String(e));
    assert.equal(e.field, "rules");
    assert.match(e.message, message);
  }
});

test("timeZone says which day today is", () => {
  // UTC+14 is always a day or two ahead of UTC-12: a row dated today in Kiritimati is in the
  // future at Baker Island.
  const ahead = new Date(Date.now() + 14 * 3600 * 1000).toISOString().slice(0, 10);
  const rows = [{ id: "z1", date: `${ahead}T07:45:00`, amount: "-4.50", balance: "95.50" }];
  const on = (timeZone) => bf.validate(rows, { platform: "xero", timeZone });
  assert.equal(on("+14:00").valid, true);
  assert.equal(on("Pacific/Kiritimati").valid, true, "an IANA name, through the engine's Intl");
  assert.deepEqual(withCode(on("UTC-12:00"), "future_date").map((i) => i.row), [0]);
  assert.deepEqual(withCode(on("Etc/GMT+12"), "future_date").map((i) => i.row), [0]);
  assert.equal(on("local").valid, bf.validate(rows, { platform: "xero" }).valid);
  for (const [timeZone, message] of [
    ["Mars/Olympus_Mons", /`Mars\/Olympus_Mons` is not a time zone/],
    ["+25:00", /offset/],
    [7, /timeZone must be text/],
  ]) {
    const e = thrown(() => on(timeZone));
    assert.ok(e instanceof bf.BankFeedsError, String(e));
    assert.equal(e.field, "timeZone");
    assert.match(e.message, message);
  }
  const both = thrown(() => bf.validate(rows, { today: "2024-06-01", timeZone: "+10:00" }));
  assert.match(both.message, /not both/);
});
