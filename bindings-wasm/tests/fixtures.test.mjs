// Codat's documentation examples (../shared/fixtures/codat-docs), through the package.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, fixture, noFixtures, withCode } from "./support.mjs";

const xeroOptions = { platform: "xero", today: "2022-09-01", currency: "GBP" };

test("the Xero guide's push body: its broken chain is found to the cent", { skip: noFixtures }, () => {
  const text = fixture("xero.push-bank-transactions.request.json");
  const expected = {
    intact: false,
    breaks: [{ row: 1, id: "7832323211-SDC", expected: "1270", found: "2730", difference: "1460" }],
    missing: [],
    overflows: [],
    closingBalance: "2730",
  };
  // As the file's text, and as the objects JSON.parse gives (amounts as numbers).
  assert.deepEqual(bf.verifyChain(text), expected);
  assert.deepEqual(bf.verifyChain(JSON.parse(text)), expected);
  assert.deepEqual(bf.verifyChain(JSON.parse(text).transactions), expected);

  const report = bf.validate(text, xeroOptions);
  assert.deepEqual(report.issues, [
    {
      code: "balance_mismatch",
      severity: "error",
      row: 1,
      id: "7832323211-SDC",
      field: "balance",
      message: "balance is 2730 but the previous balance 2000 plus the amount -730 makes 1270 (off by 1460)",
      expected: "1270",
      found: "2730",
    },
  ]);
});

test("the Xero guide's push body: balances corrected from the closing balance", { skip: noFixtures }, () => {
  const text = fixture("xero.push-bank-transactions.request.json");
  const out = bf.normalise(text, { ...xeroOptions, closingBalance: "2730" });
  assert.equal(out.accountId, "482342-acc-001");
  assert.deepEqual(out.transactions.map((t) => [t.id, t.amount, t.balance]), [
    ["7832323211-GIF", "-450", "3460"],
    ["7832323211-SDC", "-730", "2730"],
  ]);
  assert.deepEqual(
    out.changes.filter((c) => c.kind === "balance_replaced").map((c) => [c.row, c.before, c.after]),
    [[0, "2000", "3460"]],
  );
  assert.equal(out.report.valid, true);
  assert.equal(bf.verifyChain(out.transactions).intact, true);
  const bodies = bf.pushBodies(out.transactions, out.accountId);
  assert.deepEqual(bodies[0].transactions, out.transactions);
});

test("the push guide's body: an intact chain, and amounts kept as written", { skip: noFixtures }, () => {
  const text = fixture("push-bank-transactions.request.json");
  assert.deepEqual(bf.verifyChain(text), {
    intact: true,
    breaks: [],
    missing: [],
    overflows: [],
    closingBalance: "-1457.54",
  });
  const report = bf.validate(text, { platform: "xero", today: "2023-09-01", currency: "USD" });
  assert.deepEqual(report.issues, []);
  const parsed = bf.parseFile(text);
  assert.equal(parsed.accountId, "sourceAccountId");
  assert.deepEqual(parsed.rows.map((r) => r.amount), ["100.0", "-100.0", "-60.0", "-17.54", "-180.0", "-1200.0"]);
  assert.deepEqual(parsed.rows.map((r) => r.balance), ["100.0", "0.00", "-60.0", "-77.54", "-257.54", "-1457.54"]);
  const out = bf.normalise(text, { today: "2023-09-01" });
  assert.deepEqual(out.transactions.map((t) => t.balance), ["100.0", "0.00", "-60.0", "-77.54", "-257.54", "-1457.54"]);
  assert.deepEqual(withCode(out.report, "offset_dropped"), []);
});
