// Money crosses as strings and comes back as strings; a JavaScript number is taken only when it
// is exact, and a float that is not exact to the cent is refused with its row and field.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, withCode, xeroGbp } from "./support.mjs";

const row = (amount, extra = {}) => ({ id: "t1", date: "2024-05-01", amount, ...extra });

/** Every string and number under a value, with its path. */
function* leaves(value, path = "") {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* leaves(v, `${path}[${i}]`);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* leaves(v, `${path}.${k}`);
  } else {
    yield [path, value];
  }
}

const moneyKeys = /\.(amount|balance|expected|found|difference|openingBalance|closingBalance)$/;

test("decimal strings come back digit for digit", () => {
  const amounts = ["4002.00", "-0.50", "12.300", "0", "-17.54", "1234567890123456789012345678", "0.0000000001"];
  const out = bf.normalise(
    amounts.map((a, i) => ({ id: `t${i}`, date: "2024-05-01", amount: a, balance: a })),
    { today: "2024-06-01", inferTypes: false },
  );
  assert.deepEqual(out.transactions.map((t) => t.amount), amounts);
  assert.deepEqual(out.transactions.map((t) => t.balance), amounts);
  const filled = bf.fillBalances([row("-12.30")], { closing: "100.00" });
  assert.deepEqual([filled.openingBalance, filled.closingBalance], ["112.30", "100.00"]);
});

test("every amount in every result is a string", () => {
  const r = [
    row(2500, { balance: 2600 }),
    { id: "t2", date: "2024-05-02", amount: -3.2, balance: 2596.81 },
  ];
  const results = {
    validate: bf.validate(r, xeroGbp),
    normalise: bf.normalise(r, { ...xeroGbp, closingBalance: 2596.8 }),
    verifyChain: bf.verifyChain(r, 99),
    fillBalances: bf.fillBalances(r, { closing: 10 }),
    pushBodies: bf.pushBodies(r, "acc"),
  };
  let seen = 0;
  for (const [name, result] of Object.entries(results)) {
    for (const [path, value] of leaves(result)) {
      if (moneyKeys.test(path)) {
        assert.equal(typeof value, "string", `${name}${path} is ${typeof value}`);
        seen++;
      }
    }
  }
  assert.ok(seen > 20, `only ${seen} amounts seen`);
  assert.deepEqual(results.verifyChain.breaks.map((b) => [b.expected, b.found]), [
    ["2599", "2600"],
    ["2596.8", "2596.81"],
  ]);
});

test("exact numbers are taken: integers, and floats as JavaScript prints them", () => {
  const out = bf.normalise([row(12.5), row(100, { id: "t2" }), row(-0.25, { id: "t3" }), row(1e21, { id: "t4" })], {
    today: "2024-06-01",
    currency: "USD",
  });
  assert.deepEqual(out.transactions.map((t) => t.amount), ["12.5", "100", "-0.25", "1000000000000000000000"]);
  assert.deepEqual(out.report.issues, []);
  // Integers past 2^53 are not exact in JavaScript; a bigint is.
  const big = bf.normalise([row(12345678901234567890123n)], { today: "2024-06-01" });
  assert.equal(big.transactions[0].amount, "12345678901234567890123");
});

test("0.1 + 0.2 is refused with the row, the field and the value", () => {
  const r = [row("1.00"), row(0.1 + 0.2, { id: "t2" }), row("2.00", { id: "t3", balance: 0.1 + 0.7 })];
  const report = bf.validate(r, { today: "2024-06-01", currency: "GBP" });
  // Floating-point noise (more decimals than any currency has) is no amount at all.
  assert.deepEqual(
    withCode(report, "invalid_number").map((i) => [i.row, i.id, i.field, i.severity, i.found]),
    [
      [1, "t2", "amount", "error", "0.30000000000000004"],
      [2, "t3", "balance", "error", "0.7999999999999999"],
    ],
  );
  const [first] = withCode(report, "invalid_number");
  assert.equal(
    first.message,
    "amount 0.30000000000000004 is not exact to the cent: floating-point arithmetic left 17 decimal places; pass amounts as strings",
  );
  // A float that is exact but has more decimals than the currency allows: too_many_decimals.
  const yen = bf.validate([row(1.5)], { today: "2024-06-01", currency: "JPY" });
  assert.deepEqual(withCode(yen, "too_many_decimals").map((i) => [i.row, i.field]), [[0, "amount"]]);
  const pounds = bf.validate([row(1.125)], { today: "2024-06-01", currency: "GBP" });
  assert.deepEqual(withCode(pounds, "too_many_decimals").map((i) => [i.row, i.found]), [[0, "1.125"]]);
  // normalise() reports it too, and sets the row aside rather than rounding it.
  const out = bf.normalise([row(0.1 + 0.2)], { today: "2024-06-01", currency: "USD" });
  assert.deepEqual(out.transactions, []);
  assert.deepEqual(withCode(out.report, "invalid_number").map((i) => i.row), [0]);
});

test("0.1 + 0.2 is refused even when no currency is given", () => {
  const report = bf.validate([row(0.1 + 0.2)], { today: "2024-06-01" });
  const errors = report.issues.filter((i) => i.severity === "error");
  assert.deepEqual(errors.map((i) => [i.row, i.field, i.code]), [[0, "amount", "invalid_number"]]);
  assert.equal(report.valid, false);
});

test("numbers that are no amount at all are invalid_number on their row and field", () => {
  const cases = [
    [NaN, "amount is not an exact amount: NaN is not a finite number"],
    [Infinity, "amount is not an exact amount: inf is not a finite number"],
    [-Infinity, "amount is not an exact amount: -inf is not a finite number"],
    [1e300, /amount is not an exact amount: `1(0){199}… \(301 characters\)` has 301 significant digits/],
    [10n ** 40n, /has 41 significant digits/],
    ["1,000.00", "amount is not an exact amount: `1,000.00` is not a decimal number"],
    ["£12", "amount is not an exact amount: `£12` is not a decimal number"],
  ];
  for (const [amount, message] of cases) {
    const report = bf.validate([{ id: "x", date: "2024-05-01", amount }], { today: "2024-06-01" });
    const [issue] = withCode(report, "invalid_number");
    assert.ok(issue, `${String(amount)}: ${JSON.stringify(report.issues)}`);
    assert.deepEqual([issue.row, issue.id, issue.field, issue.severity], [0, "x", "amount", "error"]);
    if (typeof message === "string") assert.equal(issue.message, message);
    else assert.match(issue.message, message);
    // Input is quoted by its first 200 characters, an ellipsis and its length (the core's rule).
    assert.ok(!issue.found || issue.found.length <= 240, "found is cut for the message");
  }
});

test("money options take strings and exact numbers, and refuse the rest", () => {
  const r = [row("-2.50")];
  assert.equal(bf.fillBalances(r, { closing: 10 }).openingBalance, "12.50");
  assert.equal(bf.fillBalances(r, { closing: 10n }).openingBalance, "12.50");
  assert.equal(bf.fillBalances(r, { closing: "10.00" }).openingBalance, "12.50");
  assert.equal(bf.fillBalances(r, { closing: 0.1 + 0.2 }).openingBalance, "2.80000000000000004");
  for (const bad of [NaN, "ten", true, {}]) {
    const e = (() => {
      try {
        bf.fillBalances(r, { closing: bad });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(e instanceof bf.BankFeedsError, String(bad));
    assert.equal(e.field, "closing");
  }
});
