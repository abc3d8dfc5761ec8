// Every export of the package, as a JavaScript user calls it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { bf, crateDir, thrown, withCode, xeroGbp } from "./support.mjs";

const rows = () => [
  { id: "t1", date: "2024-05-01", description: "Salary", amount: "2500.00", balance: "2600.00" },
  { id: "t2", date: "2024-05-02", description: "Coffee", amount: "-3.20", balance: "2596.80" },
];

test("the package exports the documented API and nothing else", () => {
  // The Node build adds the server-side webhook check (webhooks.test.mjs checks the web build
  // has neither). `__decodeRows` is the codec's test hook (codec.test.mjs), in no type.
  assert.deepEqual(Object.keys(bf).sort(), [
    "BankFeedsError",
    "FileChecker",
    "ValidationError",
    "WebhookError",
    "__decodeRows",
    "codes",
    "errorCodes",
    "fillBalances",
    "normalise",
    "parseFile",
    "platforms",
    "prepare",
    "profile",
    "pushBodies",
    "validate",
    "validateAccount",
    "validateStream",
    "verifyBalances",
    "verifyChain",
    "verifyWebhook",
  ]);
});

test("validate: a clean chain is valid and the report is plain data", () => {
  const report = bf.validate(rows(), xeroGbp);
  assert.deepEqual(report, { valid: true, errorCount: 0, warningCount: 0, issues: [] });
});

test("validate: findings name code, severity, row, id, field, expected and found", () => {
  const r = rows();
  r[1].balance = "2596.81";
  const report = bf.validate(r, xeroGbp);
  assert.equal(report.valid, false);
  assert.deepEqual(report.issues, [
    {
      code: "balance_mismatch",
      severity: "error",
      row: 1,
      id: "t2",
      field: "balance",
      message:
        "balance is 2596.81 but the previous balance 2600.00 plus the amount -3.20 makes 2596.80 (off by 0.01)",
      expected: "2596.80",
      found: "2596.81",
    },
  ]);
  // Findings cross packed as text and lengths (src/output.rs `issues`): keys in wire order, any
  // text (U+FEFF included), optional fields left out.
  const order = ["code", "severity", "row", "id", "field", "message", "expected", "found"];
  const odd = ["\uFEFFbom", "é", "𝄞 clef", "日本"].map((id, i) => ({ id, date: "2024-05-01", amount: "1.00", balance: `${i * 2}.00` }));
  const many = bf.validate(odd, { today: "2024-06-01", accountStatus: "pending" });
  assert.deepEqual(
    many.issues.map((i) => [i.code, i.row, i.id, i.field]),
    [
      ["account_not_connected", undefined, undefined, "accountStatus"],
      ["balance_mismatch", 1, "é", "balance"],
      ["balance_mismatch", 2, "𝄞 clef", "balance"],
      ["balance_mismatch", 3, "日本", "balance"],
    ],
  );
  for (const issue of many.issues) {
    assert.deepEqual(Object.keys(issue), order.filter((k) => k in issue));
    assert.ok(Object.values(issue).every((v) => v !== undefined && v !== null));
  }
  assert.equal(many.issues[1].message, "balance is 2.00 but the previous balance 0.00 plus the amount 1.00 makes 1.00 (off by 1.00)");
  const bom = bf.validate([{ id: "\uFEFFx", date: "2024-05-01", amount: "1.00", balance: "5.00" }], { today: "2024-06-01", openingBalance: "0" });
  assert.deepEqual(bom.issues.map((i) => [i.id, i.row, i.found]), [["\uFEFFx", 0, "5.00"]]);
});

test("validate: rows are checked as given, nothing is fixed first", () => {
  const r = rows().reverse();
  const report = bf.validate(r, xeroGbp);
  assert.deepEqual(
    withCode(report, "not_chronological").map((i) => i.row),
    [1],
  );
  // Two identical rows: a repeated id, reported (normalise() would drop the repeat).
  const dup = bf.validate([...rows(), rows()[1]], { today: "2024-06-01" });
  assert.deepEqual(withCode(dup, "duplicate_id").map((i) => [i.row, i.id]), [[2, "t2"]]);
});

test("validate: the platform's rules apply (Xero needs balances, QuickBooks descriptions)", () => {
  const noBalances = rows().map(({ balance, ...rest }) => rest);
  const xero = bf.validate(noBalances, xeroGbp);
  assert.deepEqual(withCode(xero, "missing_balance").map((i) => i.severity), ["error"]);
  const qbo = bf.validate(
    [{ id: "a", date: "2024-05-01", amount: "1.00" }],
    { platform: "qbo", today: "2024-06-01", currency: "USD" },
  );
  assert.deepEqual(withCode(qbo, "missing_description").map((i) => [i.row, i.field]), [[0, "description"]]);
  assert.equal(bf.validate(noBalances, { today: "2024-06-01" }).valid, true);
});

test("validate: account options become account findings", () => {
  const report = bf.validate(rows(), {
    platform: "xero",
    today: "2024-06-01",
    currency: "GBP",
    accountStatus: "pending",
    feedStartDate: "2024-05-02",
    // Xero compares days: row 0 (1 May) is older, row 1 (later on 2 May) is not.
    latestExisting: "2024-05-02T12:00:00",
  });
  assert.deepEqual(
    report.issues.map((i) => [i.code, i.severity, i.row, i.field]),
    [
      ["account_not_connected", "error", undefined, "accountStatus"],
      ["before_feed_start", "error", 0, "date"],
      ["older_than_latest", "error", 0, "date"],
    ],
  );
  const qbo = bf.validate(rows(), { platform: "qbo", today: "2024-06-01", country: "GB" });
  assert.deepEqual(withCode(qbo, "unsupported_region").map((i) => [i.severity, i.found]), [["error", "GB"]]);
});

test("validateAccount: the account's own rules, apart from its transactions", () => {
  assert.deepEqual(
    bf.validateAccount({ id: "acc-1", currency: "GBP" }, "xero").issues.map((i) => [i.code, i.id, i.field]),
    [["sort_code_required", "acc-1", "sortCode"]],
  );
  const bad = bf.validateAccount({ currency: "GBP", sortCode: "12-34-5", accountType: "Loan" }, "gbol");
  assert.deepEqual(bad.issues.map((i) => [i.code, i.found]), [
    ["invalid_sort_code", "12-34-5"],
    ["unsupported_account_type", "Loan"],
  ]);
  assert.equal(bf.validateAccount({ currency: "GBP", sortCode: "12 34 56", accountType: "Credit" }, "xero").valid, true);
  assert.equal(bf.validateAccount({ currency: "USD" }).valid, true);
  assert.equal(bf.validateAccount({ currency: "XYZ" }).issues[0].code, "unknown_currency");
  for (const [account, platform, field] of [
    [{ sortcode: "1" }, "xero", "sortcode"],
    [{ currency: 826 }, "xero", "currency"],
    ["GBP", "xero", "account"],
    [{ currency: "GBP" }, "nope", "platform"],
  ]) {
    const e = thrown(() => bf.validateAccount(account, platform));
    assert.deepEqual([e.code, e.field], ["invalid_argument", field]);
  }
  // validate() points there rather than ignoring the account's fields.
  const e = thrown(() => bf.validate(rows(), { sortCode: "12-34-56" }));
  assert.deepEqual([e.code, e.field], ["invalid_option", "sortCode"]);
  assert.match(e.message, /validateAccount\(\)/);
});

test("validate: openingBalance checks the first row", () => {
  const report = bf.validate(rows(), { ...xeroGbp, openingBalance: "100.01" });
  const [issue] = withCode(report, "balance_mismatch");
  assert.equal(issue.row, 0);
  assert.equal(issue.expected, "2600.01");
});

test("validate: today defaults to the local date of JavaScript's clock", () => {
  const future = [{ id: "a", date: "2999-01-01", amount: "1.00" }];
  assert.deepEqual(withCode(bf.validate(future), "future_date").map((i) => i.row), [0]);
  const local = new Date().toLocaleDateString("en-CA");
  assert.deepEqual(bf.validate([{ id: "a", date: local, amount: "1.00" }]).issues, []);
});

test("validate and normalise take a push body object and file text", () => {
  const body = { accountId: "acc-1", transactions: rows() };
  assert.equal(bf.validate(body, xeroGbp).valid, true);
  assert.equal(bf.normalise(body, xeroGbp).accountId, "acc-1");
  const csv = "id,date,description,amount,balance\nt1,2024-05-01,Salary,2500.00,2600.00\nt2,2024-05-02,Coffee,-3.20,2596.80\n";
  assert.equal(bf.validate(csv, xeroGbp).valid, true);
  const json = JSON.stringify({ accountId: "acc-2", transactions: rows() });
  assert.equal(bf.normalise(json, xeroGbp).accountId, "acc-2");
});

test("options: unknown or unusable options throw BankFeedsError naming the option", () => {
  const cases = [
    [{ plaform: "xero" }, "plaform", /unknown option `plaform`; expected one of platform, today/],
    [{ platform: "quickbook" }, "platform", /unknown platform `quickbook`/],
    [{ platform: 7 }, "platform", /platform must be text, not a number/],
    [{ today: "2024-02-30" }, "today", /today: `2024-02-30` is not a valid date/],
    [{ currency: ["GBP"] }, "currency", /currency must be text, not a list/],
    [{ openingBalance: "12,30" }, "openingBalance", /openingBalance is not an exact amount: `12,30`/],
    [{ openingBalance: {} }, "openingBalance", /openingBalance must be a decimal string/],
    [{ closingBalance: "1.00" }, "closingBalance", /`closingBalance` is an option of prepare\(\)/],
    [{ fixSigns: true }, "fixSigns", /`fixSigns` is an option of prepare\(\)/],
  ];
  for (const [options, field, message] of cases) {
    const e = thrown(() => bf.validate(rows(), options));
    assert.ok(e instanceof bf.BankFeedsError, `${field}: ${e}`);
    assert.ok(!(e instanceof bf.ValidationError));
    assert.equal(e.code, "invalid_option");
    assert.equal(e.field, field);
    assert.match(e.message, message);
  }
  const n = thrown(() => bf.normalise(rows(), { fixSigns: "yes" }));
  assert.equal(n.field, "fixSigns");
  assert.match(n.message, /fixSigns must be true or false, not text/);
  const both = thrown(() => bf.normalise(rows(), { openingBalance: "1", closingBalance: "2" }));
  assert.match(both.message, /not both/);
  for (const batchSize of [0, -1, 1.5, NaN, "10"]) {
    assert.equal(thrown(() => bf.normalise(rows(), { batchSize })).field, "batchSize");
  }
  // undefined and null mean "not given".
  assert.equal(bf.validate(rows(), { ...xeroGbp, country: undefined, accountId: null }).valid, true);
  assert.equal(bf.validate(rows(), undefined).valid, true);
  assert.equal(bf.validate(rows(), null).valid, true);
});

test("normalise: sorts, drops exact repeats, infers types, and lists every change", () => {
  const input = [
    { id: "t2", date: "2024-05-02", description: " Coffee ", amount: "-3.20" },
    { id: "t1", date: "2024-05-01", description: "Salary", amount: "2500.00" },
    { id: "t2", date: "2024-05-02", description: " Coffee ", amount: "-3.20" },
  ];
  const out = bf.normalise(input, { today: "2024-06-01" });
  assert.deepEqual(out.transactions, [
    { id: "t1", date: "2024-05-01", description: "Salary", amount: "2500.00", transactionType: "Credit" },
    { id: "t2", date: "2024-05-02", description: "Coffee", amount: "-3.20", transactionType: "Debit" },
  ]);
  assert.deepEqual(out.sourceRows, [1, 0]);
  assert.deepEqual(out.changes.map((c) => c.kind).sort(), [
    "duplicate_dropped",
    "sorted",
    "trimmed",
    "trimmed",
    "type_inferred",
  ]);
  const dropped = out.changes.find((c) => c.kind === "duplicate_dropped");
  assert.equal(dropped.row, 2);
  assert.equal(dropped.id, "t2");
  const trimmed = out.changes.find((c) => c.kind === "trimmed");
  assert.deepEqual([trimmed.before, trimmed.after], [" Coffee ", "Coffee"]);
  assert.equal(out.report.valid, true);
  assert.deepEqual(out.report.issues.map((i) => [i.code, i.severity, i.row]), [["exact_duplicate", "warning", 2]]);
  assert.equal(out.rowsRead, 3);
  assert.equal(out.batchSize, 1000);
  assert.equal(out.accountId, undefined);
});

test("normalise: each option can be turned off", () => {
  const input = [
    { id: "t2", date: "2024-05-02", description: " Coffee ", amount: "-3.20" },
    { id: "t1", date: "2024-05-01", description: "Salary", amount: "2500.00" },
  ];
  const out = bf.normalise(input, { today: "2024-06-01", sort: false, trim: false, inferTypes: false });
  assert.deepEqual(out.changes, []);
  assert.deepEqual(withCode(out.report, "not_chronological").map((i) => i.row), [1]);
  assert.equal(out.transactions[0].description, " Coffee ");
});

test("normalise: balances from the closing balance, and the ones that were wrong", () => {
  const r = rows();
  r[0].balance = "1.00";
  const out = bf.normalise(r, { ...xeroGbp, closingBalance: "2596.80" });
  assert.deepEqual(out.transactions.map((t) => t.balance), ["2600.00", "2596.80"]);
  const replaced = out.changes.filter((c) => c.kind === "balance_replaced");
  assert.deepEqual(replaced.map((c) => [c.row, c.before, c.after]), [[0, "1.00", "2600.00"]]);
  assert.equal(out.report.valid, true);
  const forward = bf.normalise(rows(), { ...xeroGbp, openingBalance: 100 });
  assert.deepEqual(forward.transactions.map((t) => t.balance), ["2600.00", "2596.80"]);
});

test("normalise: batches are slices of transactions, the same objects", () => {
  const many = Array.from({ length: 7 }, (_, i) => ({ id: `t${i}`, date: "2024-05-01", amount: "1.00" }));
  const out = bf.normalise(many, { today: "2024-06-01", batchSize: 3 });
  assert.equal(out.batchSize, 3);
  assert.deepEqual(out.batches.map((b) => b.length), [3, 3, 1]);
  assert.equal(out.batches[1][0], out.transactions[3]);
  assert.deepEqual(out.batches.flat(), out.transactions);
  const capped = bf.normalise(many, { today: "2024-06-01", batchSize: 5000 });
  assert.equal(capped.batchSize, 1000);
});

test("verifyChain: finds each break to the cent, in input rows", () => {
  const r = [
    { id: "a", date: "2024-01-01", amount: "100.00", balance: "100.00" },
    { id: "b", date: "2024-01-02", amount: "-60.00", balance: "40.01" },
    { id: "c", date: "2024-01-03", amount: "-17.54", balance: "22.46" },
    { id: "d", date: "2024-01-04", amount: "5.00" },
    { id: "e", date: "2024-01-05", amount: "1.00", balance: "28.46" },
  ];
  assert.deepEqual(bf.verifyChain(r), {
    intact: false,
    breaks: [
      { row: 1, id: "b", expected: "40.00", found: "40.01", difference: "0.01" },
      { row: 2, id: "c", expected: "22.47", found: "22.46", difference: "-0.01" },
    ],
    missing: [3],
    overflows: [],
    closingBalance: "28.46",
  });
  const withOpening = bf.verifyChain(r.slice(0, 1), "0.01");
  assert.deepEqual(withOpening.breaks.map((b) => [b.row, b.expected]), [[0, "100.01"]]);
  assert.equal(bf.verifyChain(r.slice(0, 1), 0).intact, true);
  assert.equal(thrown(() => bf.verifyChain(r, "x")).field, "opening");
});

test("verifyChain, fillBalances and pushBodies refuse rows they cannot read, with every issue", () => {
  const bad = [
    { id: "a", date: "2024-01-01", amount: "1.00" },
    { id: "b", date: "2024-02-30", amount: "abc" },
  ];
  for (const call of [
    () => bf.verifyChain(bad),
    () => bf.fillBalances(bad, { closing: "1.00" }),
    () => bf.pushBodies(bad, "acc"),
  ]) {
    const e = thrown(call);
    assert.ok(e instanceof bf.ValidationError);
    assert.ok(e instanceof bf.BankFeedsError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "ValidationError");
    // The error's code is the table's `validation`; the finding that stopped the rows is `issue`.
    assert.deepEqual([e.code, e.row, e.id, e.field], ["validation", 1, "b", "date"]);
    assert.deepEqual([e.issue.code, e.issue.row, e.issue.field], ["invalid_date", 1, "date"]);
    assert.match(e.message, /^error \[invalid_date\] row 1 \(id b\) date: date February 2024 has no day 30 \(and 1 more error\(s\); see `issues`\)$/);
    assert.deepEqual(e.issues.map((i) => [i.code, i.row, i.field]), [
      ["invalid_date", 1, "date"],
      ["invalid_number", 1, "amount"],
    ]);
    assert.match(e.stack, /ValidationError: error \[invalid_date\]/);
  }
  // Warnings do not stop them.
  const warned = bf.verifyChain([{ id: "a", date: "2024-01-01", amount: "1.00", memo: "x" }]);
  assert.equal(warned.intact, true);
});

test("fillBalances: from the closing or the opening balance, rows in the order given", () => {
  const r = [
    { id: "a", date: "2024-01-01", amount: "10.00" },
    { id: "b", date: "2024-01-02", amount: "-2.50" },
  ];
  const back = bf.fillBalances(r, { closing: "100.00" });
  assert.deepEqual(back, {
    transactions: [
      { id: "a", date: "2024-01-01", amount: "10.00", balance: "102.50" },
      { id: "b", date: "2024-01-02", amount: "-2.50", balance: "100.00" },
    ],
    openingBalance: "92.50",
    closingBalance: "100.00",
  });
  const forward = bf.fillBalances(r, { opening: "92.50" });
  assert.deepEqual(forward, back);
  for (const anchor of [undefined, {}, { closing: "1", opening: "2" }, { close: "1" }, "1.00", [1]]) {
    const e = thrown(() => bf.fillBalances(r, anchor));
    assert.equal(e.code, "invalid_argument", String(anchor));
    assert.equal(e.field, "anchor");
  }
  assert.equal(thrown(() => bf.fillBalances(r, { closing: "ten" })).field, "closing");
});

test("fillBalances: a balance past the range of a decimal is a ValidationError on its row", () => {
  // 28 nines, the largest amount with 28 digits; eight of them pass 2^96 (7.9e28).
  const big = "9".repeat(28);
  const r = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, date: "2024-01-01", amount: big }));
  const e = thrown(() => bf.fillBalances(r, { opening: big }));
  assert.ok(e instanceof bf.ValidationError, String(e));
  assert.deepEqual([e.code, e.row, e.id, e.field], ["validation", 6, "t6", "balance"]);
  assert.equal(e.issue.code, "balance_overflow");
  assert.match(e.message, /overflows/);
});

test("pushBodies: bodies of at most batchSize, in order, wire format", () => {
  const many = Array.from({ length: 5 }, (_, i) => ({ id: `t${i}`, date: "2024-05-01", amount: `${i}.50` }));
  const bodies = bf.pushBodies(many, "acc-1", 2);
  assert.deepEqual(bodies.map((b) => [b.accountId, b.transactions.map((t) => t.id)]), [
    ["acc-1", ["t0", "t1"]],
    ["acc-1", ["t2", "t3"]],
    ["acc-1", ["t4"]],
  ]);
  assert.deepEqual(bodies[0].transactions[1], { id: "t1", date: "2024-05-01", amount: "1.50" });
  assert.deepEqual(bf.pushBodies(many, "acc-1").map((b) => b.transactions.length), [5]);
  const thousands = Array.from({ length: 2500 }, (_, i) => ({ id: `t${i}`, date: "2024-05-01", amount: "1" }));
  assert.deepEqual(bf.pushBodies(thousands, "a", 5000).map((b) => b.transactions.length), [1000, 1000, 500]);
  assert.deepEqual(bf.pushBodies([], "a"), []);
  for (const account of [undefined, "", "  ", 7]) {
    const e = thrown(() => bf.pushBodies(many, account));
    assert.deepEqual([e.code, e.field], ["invalid_argument", "accountId"]);
  }
  for (const size of [0, 2.5, "2", -3]) {
    const e = thrown(() => bf.pushBodies(many, "a", size));
    assert.deepEqual([e.code, e.field], ["invalid_argument", "batchSize"]);
  }
});

test("transactions come back whole: every optional field present or left out, keys in wire order, any text", () => {
  // src/output.rs writes every text value into one buffer with its length in UTF-16 units, and
  // js/transactions.js cuts the decoded text up: any text must come back exactly.
  const texts = ["", "plain", "Café ☕", "\uFEFFstarts with a byte order mark", "𝄞 astral", "日本語", "tab\tand\nnewline", "\u{1F600}\u{1F600}"];
  const order = ["id", "date", "description", "counterparty", "reference", "reconciled", "amount", "balance", "transactionType"];
  const input = [];
  for (let i = 0; i < 160; i++) {
    const t = texts[i % texts.length];
    const row = { id: `${t}#${i}`, date: `2024-05-${String(1 + (i % 28)).padStart(2, "0")}`, amount: `${i % 2 ? "-" : ""}${i}.${String(i % 100).padStart(2, "0")}` };
    if (i & 1) row.description = `${t}!`;
    if (i & 2) row.counterparty = `${t}?`;
    if (i & 4) row.reference = t;
    if (i & 8) row.reconciled = (i & 16) !== 0;
    if (i & 32) row.transactionType = i % 2 ? "Debit" : "Credit";
    input.push(row);
  }
  const expected = input.map((r) => Object.fromEntries(order.filter((k) => k in r).map((k) => [k, r[k]])));
  const options = { today: "2024-06-01", trim: false, sort: false, dedupe: false, inferTypes: false, fixSigns: false };
  const out = bf.normalise(input, options);
  assert.deepEqual(out.transactions, expected);
  for (const t of out.transactions) assert.deepEqual(Object.keys(t), order.filter((k) => k in t));
  // Balances appear when computed, after amount and before transactionType.
  const filled = bf.fillBalances(input, { opening: "0.00" });
  let balance = 0n;
  filled.transactions.forEach((t, i) => {
    const [whole, cents] = input[i].amount.replace("-", "").split(".");
    balance += (input[i].amount.startsWith("-") ? -1n : 1n) * (BigInt(whole) * 100n + BigInt(cents));
    const sign = balance < 0n ? "-" : "";
    const abs = balance < 0n ? -balance : balance;
    assert.deepEqual(t, { ...expected[i], balance: `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}` });
    assert.deepEqual(Object.keys(t), order.filter((k) => k in t));
  });
  const bodies = bf.pushBodies(input, "acc", 7);
  assert.deepEqual(bodies.flatMap((b) => b.transactions), expected);
  assert.equal(bodies.length, Math.ceil(input.length / 7));
  // The first value of the buffer starting with U+FEFF: a decoder that drops a leading byte order
  // mark would lose it.
  const bom = [{ id: "\uFEFF1", date: "2024-05-01", amount: "1.00", description: "\uFEFF" }];
  assert.deepEqual(bf.normalise(bom, options).transactions, [{ id: "\uFEFF1", date: "2024-05-01", description: "\uFEFF", amount: "1.00" }]);
});

test("platforms and profile describe every platform", () => {
  const all = bf.platforms();
  assert.deepEqual(all.map((p) => p.platform), ["generic", "xero", "qbo", "freeagent", "sage", "netsuite", "exact"]);
  assert.deepEqual(all[1], { platform: "xero", key: "gbol", name: "Xero" });
  for (const p of all) {
    const profile = bf.profile(p.platform);
    assert.equal(profile.platform, p.platform);
    assert.equal(profile.name, p.name);
    assert.ok(profile.maxBatch >= 1 && profile.maxBatch <= 1000);
  }
  assert.deepEqual(bf.profile("gbol"), bf.profile("xero"));
  const qbo = bf.profile("QuickBooks");
  assert.deepEqual(qbo.allowedTypes, ["Credit", "Debit", "Unknown"]);
  assert.deepEqual(qbo.ignoredFields, ["counterparty", "reference", "reconciled"]);
  assert.deepEqual(qbo.regions, { countries: ["US", "CA"], currencies: ["USD", "CAD"] });
  assert.equal(qbo.missingBalance, "warning");
  const xero = bf.profile("xero");
  assert.equal(xero.maxAgeDays, 365);
  assert.equal(xero.maxDescription, 2000);
  assert.deepEqual(xero.accountTypes, ["Debit", "Credit"]);
  assert.equal(bf.profile("generic").missingBalance, null);
  const e = thrown(() => bf.profile("quickbook"));
  assert.deepEqual([e.code, e.field], ["invalid_argument", "platform"]);
  assert.match(e.message, /unknown platform `quickbook`/);
  assert.equal(thrown(() => bf.profile()).code, "invalid_argument");
});

test("codes lists every finding code, the same as the TypeScript IssueCode", () => {
  const codes = bf.codes();
  assert.ok(codes.some((c) => c.code === "balance_mismatch" && c.severity === "error"));
  assert.ok(codes.some((c) => c.code === "unknown_column" && c.severity === "warning"));
  const dts = readFileSync(join(crateDir, "js", "types.d.ts"), "utf8");
  const union = dts.match(/export type IssueCode =([^;]*);/)[1];
  const declared = [...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(declared, codes.map((c) => c.code));
});

test("parseFile: rows as the file has them, numbers as their digits", () => {
  const json = '{"accountId":"acc","transactions":[{"id":"a","date":"2024-01-01","amount":4002.00,"balance":-100.50,"reconciled":true,"memo":1},7]}';
  const parsed = bf.parseFile(json);
  assert.equal(parsed.accountId, "acc");
  assert.deepEqual(parsed.rows, [
    { id: "a", date: "2024-01-01", reconciled: true, amount: "4002.00", balance: "-100.50" },
    {},
  ]);
  assert.deepEqual(parsed.issues.map((i) => [i.code, i.row, i.field]), [["invalid_value", 1, "transactions"]]);
  // The rows read back the same: validating them finds what validating the file finds.
  const viaRows = bf.validate(parsed.rows, { today: "2024-06-01" });
  assert.equal(viaRows.valid, false);
  assert.deepEqual(withCode(viaRows, "missing_field").map((i) => [i.row, i.field]), [
    [1, "id"],
    [1, "date"],
    [1, "amount"],
  ]);
  const csv = bf.parseFile("ID,Date,Amount,Transaction Type,memo\nt1,2024-01-01,-1.50,debit,x\n\n");
  assert.deepEqual(csv.rows, [{ id: "t1", date: "2024-01-01", amount: "-1.50", transactionType: "debit" }]);
  assert.deepEqual(csv.issues.map((i) => i.code), ["unknown_column"]);
  assert.deepEqual(bf.parseFile("[{").issues.map((i) => i.code), ["malformed_input"]);
  assert.deepEqual(bf.parseFile("id,date\n1,2\n").issues.map((i) => i.code), ["malformed_input"]);
  const nested = bf.parseFile('[{"id":"a","date":"2024-01-01","amount":[1],"balance":{"x":1}}]');
  assert.deepEqual(nested.rows[0], { id: "a", date: "2024-01-01", amount: [], balance: {} });
  assert.deepEqual(
    withCode(bf.validate(nested.rows, { today: "2024-06-01" }), "invalid_number").map((i) => [
      i.code,
      i.field,
      i.message,
    ]),
    [
      ["invalid_number", "amount", "amount must be a number, not a list"],
      ["invalid_number", "balance", "balance must be a number, not an object"],
    ],
  );
  const e = thrown(() => bf.parseFile({ text: "x" }));
  assert.deepEqual([e.code, e.field], ["invalid_argument", "text"]);
});

test("errors are Error subclasses with a stack, created where they are thrown", () => {
  const e = thrown(() => bf.validate(42));
  assert.ok(e instanceof bf.BankFeedsError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "BankFeedsError");
  assert.equal(e.code, "invalid_argument");
  assert.equal(e.field, "rows");
  assert.equal(e.row, undefined);
  assert.equal(e.id, undefined);
  assert.match(e.message, /^expected an array of transaction objects, a push body .* not a number$/);
  assert.match(e.stack, /^BankFeedsError: expected an array/);
  assert.match(e.stack, /\n\s+at /);
  assert.equal(Object.prototype.toString.call(e), "[object Error]");
});
