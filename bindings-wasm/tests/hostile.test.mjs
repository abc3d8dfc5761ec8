// Hostile input: wrong types, NaN, huge numbers, missing keys, impossible dates, rows that are
// not objects, enormous strings, objects that throw. Each gives a finding with its row and field,
// or a BankFeedsError; nothing crashes the module, and it keeps working afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, thrown, withCode } from "./support.mjs";

const today = "2024-06-01";
const ok = { id: "ok", date: "2024-05-01", amount: "1.00" };

/** The module still answers correctly (a crash would leave it poisoned). */
function stillWorks() {
  assert.deepEqual(bf.validate([ok], { today }).issues, []);
}

const allFunctions = [
  ["validate", (rows) => bf.validate(rows, { today })],
  ["normalise", (rows) => bf.normalise(rows, { today, closingBalance: "10.00" })],
  ["verifyChain", (rows) => bf.verifyChain(rows)],
  ["fillBalances", (rows) => bf.fillBalances(rows, { opening: "0" })],
  ["pushBodies", (rows) => bf.pushBodies(rows, "acc", 2)],
];

// src/input.rs has js/rows.js write rows into three buffers a chunk at a time (64 KiB of text,
// 16,384 cells, 1,024 numbers) and grows a buffer only for a row that does not fit in it alone.
test("rows cross in chunks: rows on a chunk's edge or bigger than a chunk keep their values and places", () => {
  const keysThrow = new Proxy({}, { ownKeys: () => { throw new Error("no keys"); } });
  // White-box: a row of seven text fields takes 16 cells, so 1,024 of them fill the cells of a
  // chunk exactly and row 1024, which is not an object, starts the next chunk.
  const exact = Array.from({ length: 1024 }, (_, i) => ({ id: `e${i}`, date: "2024-05-01", amount: "1", a: "1", b: "2", c: "3", d: "4" }));
  exact.push(keysThrow, ...Array.from({ length: 599 }, (_, i) => ({ id: `f${i}`, date: "2024-05-01", amount: "2" })));
  const atTheEdge = bf.validate(exact, { today });
  assert.deepEqual(withCode(atTheEdge, "invalid_value").map((i) => i.row), [1024]);
  assert.deepEqual(withCode(atTheEdge, "missing_field").map((i) => i.row), [1024, 1024, 1024]);

  // Rows of every size, some bigger than a chunk in text (60,000 "é" is 120,000 bytes), in
  // cells (9,000 fields) or in numbers (2,000 of them), among rows that are not objects.
  const rows = [];
  const expected = [];
  for (let i = 0; i < 6000; i++) {
    if (i % 997 === 5) {
      rows.push(i % 2 ? null : keysThrow);
      continue;
    }
    const description = i % 1500 === 7 ? "é".repeat(60_000) : `${"ß".repeat(i % 5)}payment ${i}`;
    const row = { id: `r${i}`, date: "2024-05-01", amount: `${i}.25`, description };
    const extra = i === 3001 ? 9000 : i === 4002 ? 2000 : i % 50;
    for (let k = 0; k < extra; k++) row[`x${k}`] = k % 3 ? k : `t${k}`;
    rows.push(row);
    expected.push([row.id, row.amount, description]);
  }
  const report = bf.validate(rows, { today });
  assert.deepEqual(
    withCode(report, "invalid_value").map((i) => i.row),
    rows.map((r, i) => (r === null || r === keysThrow ? i : -1)).filter((i) => i >= 0),
  );
  assert.equal(withCode(report, "unknown_column").length, 9000);
  const out = bf.normalise(rows.filter((r) => r !== null && r !== keysThrow), { today, trim: false, sort: false });
  assert.deepEqual(out.transactions.map((t) => [t.id, t.amount, t.description]), expected);
  stillWorks();
});

test("wide rows, empty rows and rows that throw keep their places", () => {
  const keysThrow = new Proxy({}, { ownKeys: () => { throw new Error("no keys"); } });
  const rows = [];
  for (let i = 0; i < 900; i++) {
    const wide = { id: `w${i}`, date: "2024-05-01", amount: `${i}.25`, description: "é".repeat(i % 7) };
    for (let k = 0; k < 20; k++) wide[`x${k}`] = k % 2 ? "ß" : k;
    rows.push(wide, {}, keysThrow);
  }
  const report = bf.validate(rows, { today });
  const notObjects = withCode(report, "invalid_value").map((i) => i.row);
  assert.deepEqual(notObjects, rows.map((_, i) => i).filter((i) => i % 3 === 2));
  const missing = withCode(report, "missing_field");
  assert.equal(missing.length, 900 * 3 * 2);
  assert.ok(missing.every((i) => i.row % 3 !== 0));
  const out = bf.normalise(rows.filter((_, i) => i % 3 === 0), { today, trim: false });
  assert.deepEqual(out.transactions.map((t) => [t.id, t.amount, t.description ?? ""]), rows
    .filter((_, i) => i % 3 === 0)
    .map((r) => [r.id, r.amount, r.description]));
});

test("rows of the wrong type are a BankFeedsError, for every function", () => {
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  for (const rows of [undefined, null, 5, true, 10n, Symbol("rows"), () => [], new Map(), { rows: [] }, revoked.proxy]) {
    for (const [name, call] of allFunctions) {
      const e = thrown(() => call(rows));
      assert.ok(e instanceof bf.BankFeedsError, `${name}(${typeof rows}): ${e}`);
      assert.equal(e.code, "invalid_argument");
      assert.equal(e.field, "rows");
    }
  }
  stillWorks();
});

test("rows that are not objects are findings on their row, and keep the numbering", () => {
  const rows = [1, "x", null, undefined, [], new Date(), () => 1, Symbol("s"), 10n, ok];
  const report = bf.validate(rows, { today });
  const notObjects = withCode(report, "invalid_value").filter((i) => i.field === "transactions");
  assert.deepEqual(
    notObjects.map((i) => [i.row, i.message]),
    [
      [0, "a transaction must be an object, not a number"],
      [1, "a transaction must be an object, not text"],
      [2, "a transaction must be an object, not null"],
      [3, "a transaction must be an object, not undefined"],
      [4, "a transaction must be an object, not a list"],
      [5, "a transaction must be an object, not a Date object"],
      [6, "a transaction must be an object, not a function"],
      [7, "a transaction must be an object, not a symbol"],
      [8, "a transaction must be an object, not a bigint"],
    ],
  );
  // The good row is still row 9, and is read.
  assert.ok(!report.issues.some((i) => i.row === 9));
  // Sparse arrays: holes are undefined rows.
  // eslint-disable-next-line no-sparse-arrays
  const holes = bf.validate([, ok], { today });
  assert.deepEqual(withCode(holes, "invalid_value").map((i) => i.row), [0]);
  const e = thrown(() => bf.verifyChain([ok, 7]));
  assert.ok(e instanceof bf.ValidationError);
  assert.deepEqual([e.code, e.row, e.field], ["validation", 1, "transactions"]);
  assert.equal(e.issue.code, "invalid_value");
});

test("missing keys are missing_field on each field", () => {
  const report = bf.validate([{}, { id: "a" }, { description: "x", amount: "1" }], { today });
  assert.deepEqual(
    withCode(report, "missing_field").map((i) => [i.row, i.field]),
    [
      [0, "id"],
      [0, "date"],
      [0, "amount"],
      [1, "date"],
      [1, "amount"],
      [2, "id"],
      [2, "date"],
    ],
  );
  // null, undefined and blank text are missing too.
  const blanks = bf.validate([{ id: "a", date: null, amount: undefined }, { id: "b", date: "  ", amount: "" }], { today });
  assert.deepEqual(withCode(blanks, "missing_field").map((i) => [i.row, i.field]), [
    [0, "date"],
    [0, "amount"],
    [1, "date"],
    [1, "amount"],
  ]);
});

test("values of the wrong type are findings naming row and field", () => {
  const fn = () => 1;
  const rows = [
    { id: "a", date: "2024-05-01", amount: {} },
    { id: "b", date: "2024-05-01", amount: [1] },
    { id: "c", date: "2024-05-01", amount: true },
    { id: "d", date: "2024-05-01", amount: Symbol("x") },
    { id: "e", date: "2024-05-01", amount: fn },
    { id: "f", date: 20240501, amount: "1" },
    { id: "g", date: new Date(2024, 4, 1), amount: "1" },
    { id: "h", date: true, amount: "1" },
    { id: { x: 1 }, date: "2024-05-01", amount: "1" },
    { id: "j", date: "2024-05-01", amount: "1", reconciled: "maybe" },
    { id: "k", date: "2024-05-01", amount: "1", transactionType: "Lottery" },
    { id: "l", date: "2024-05-01", amount: "1", description: ["x"] },
    { id: "m", date: "2024-05-01", amount: "1", status: "pending" },
  ];
  const report = bf.validate(rows, { today });
  const byRow = (row) => report.issues.filter((i) => i.row === row && i.severity === "error").map((i) => [i.code, i.field]);
  assert.deepEqual(byRow(0), [["invalid_number", "amount"]]);
  assert.deepEqual(byRow(1), [["invalid_number", "amount"]]);
  assert.deepEqual(byRow(2), [["invalid_number", "amount"]]);
  assert.deepEqual(byRow(3), [["invalid_number", "amount"]]);
  assert.deepEqual(byRow(4), [["invalid_number", "amount"]]);
  assert.deepEqual(byRow(5), [["invalid_date", "date"]]);
  assert.deepEqual(byRow(6), [["invalid_date", "date"]]);
  assert.deepEqual(byRow(7), [["invalid_date", "date"]]);
  assert.deepEqual(byRow(8), [["invalid_value", "id"]]);
  assert.deepEqual(byRow(9), [["invalid_value", "reconciled"]]);
  assert.deepEqual(byRow(10), [["invalid_value", "transactionType"]]);
  assert.deepEqual(byRow(11), [["invalid_value", "description"]]);
  assert.deepEqual(byRow(12), [["not_cleared", "status"]]);
  const messages = Object.fromEntries(report.issues.filter((i) => i.row !== undefined).map((i) => [i.id ?? i.row, i.message]));
  assert.equal(messages.a, "amount must be a number, not an object");
  assert.equal(messages.d, "amount must be a number, not a symbol");
  assert.equal(messages.g, "date must be an ISO 8601 date or date-time, not a Date object");
  stillWorks();
});

test("impossible dates are invalid_date with the reason", () => {
  const dates = ["2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-01T25:00:00", "yesterday", "2024/01/01", "+275760-09-13"];
  const report = bf.validate(dates.map((date, i) => ({ id: `d${i}`, date, amount: "1" })), { today });
  const invalid = withCode(report, "invalid_date");
  assert.deepEqual(invalid.map((i) => i.row), dates.map((_, i) => i));
  assert.ok(invalid.every((i) => i.field === "date" && i.found !== undefined && i.message.startsWith("date ")));
  assert.equal(invalid[0].message, "date February 2023 has no day 29");
});

test("extreme options do not break the date rules", () => {
  for (const t of ["0001-01-01", "9999-12-31", "2024-02-29"]) {
    const report = bf.validate([ok], { today: t, platform: "xero", feedStartDate: "0001-01-01", latestExisting: "9999-12-31T23:59:59" });
    assert.equal(report.valid, false, t);
  }
  stillWorks();
});

test("enormous strings are read, reported, and cut in messages", () => {
  const huge = "x".repeat(10_000_000);
  const report = bf.validate(
    [
      { id: "a", date: "2024-05-01", amount: "1.00", balance: "1.00", description: huge },
      { id: "b".repeat(1_000_000), date: "2024-05-02", amount: "1".repeat(100_000), balance: "1.00" },
      { id: "c", date: "2".repeat(100_000), amount: "1.00", balance: "1.00" },
    ],
    { today, platform: "xero" },
  );
  const long = withCode(report, "description_too_long")[0];
  assert.deepEqual([long.row, long.field, long.found, long.expected], [0, "description", "10000000", "2000"]);
  const number = withCode(report, "invalid_number")[0];
  assert.equal(number.row, 1);
  assert.ok(number.message.length < 400, "the message cuts the value");
  assert.match(number.message, /… \(100000 characters\)`/);
  assert.equal(number.id.length, 222, "the id is quoted by its first 200 characters and its length");
  const date = withCode(report, "invalid_date")[0];
  assert.equal(date.row, 2);
  assert.ok(date.found.length <= 240, "quoted by its first 200 characters and its length");
  assert.match(date.found, /… \(100000 characters\)$/);
  // And it comes back whole where it is data.
  const out = bf.normalise([{ id: "a", date: "2024-05-01", amount: "1.00", description: huge }], { today });
  assert.equal(out.transactions[0].description.length, huge.length);
  stillWorks();
});

test("text that is not ASCII crosses intact, mixed with ASCII in any order", () => {
  const texts = ["Café ☕", "plain", "𝄞 clef", "", "naïve – dash", "ascii again", "日本語の説明", "\u{1F600}", "\uFFFD replacement"];
  const rows = texts.map((t, i) => ({ id: `${t}#${i}`, date: "2024-05-01", amount: `${i}.00`, description: `${t}!`, reference: t }));
  const out = bf.normalise(rows, { today, trim: false, inferTypes: false });
  assert.deepEqual(out.transactions.map((t) => t.id), texts.map((t, i) => `${t}#${i}`));
  assert.deepEqual(out.transactions.map((t) => t.description), texts.map((t) => `${t}!`));
  assert.deepEqual(out.transactions.map((t) => t.amount), texts.map((_, i) => `${i}.00`));
  assert.deepEqual(out.transactions.map((t) => t.reference), texts);
});

test("objects that throw are findings or errors, never crashes", () => {
  const getterThrows = {
    id: "g",
    date: "2024-05-01",
    get amount() {
      throw new Error("boom");
    },
  };
  const keysThrow = new Proxy({}, {
    ownKeys() {
      throw new Error("no keys");
    },
  });
  const listThrows = new Proxy([ok, ok], {
    get(target, key) {
      if (key === "1") throw new Error("no row");
      return Reflect.get(target, key);
    },
  });
  const report = bf.validate([getterThrows, keysThrow], { today });
  assert.deepEqual(
    report.issues.filter((i) => i.severity === "error").map((i) => [i.row, i.code, i.field, i.message]),
    [
      [0, "invalid_number", "amount", "amount must be a number, not a value that throws when read"],
      [1, "invalid_value", "transactions", "a transaction must be an object, not an object whose keys cannot be listed"],
      [1, "missing_field", "id", "id is required but missing"],
      [1, "missing_field", "date", "date is required but missing"],
      [1, "missing_field", "amount", "amount is required but missing"],
    ],
  );
  const rowThrows = bf.validate(listThrows, { today });
  assert.deepEqual(withCode(rowThrows, "invalid_value").map((i) => [i.row, i.message]), [
    [1, "a transaction must be an object, not a value that throws when read"],
  ]);
  const lengthThrows = new Proxy([], {
    get(target, key) {
      if (key === "length") throw new RangeError("no length");
      return Reflect.get(target, key);
    },
  });
  const e = thrown(() => bf.validate(lengthThrows, { today }));
  assert.ok(e instanceof bf.BankFeedsError);
  assert.match(e.message, /the rows cannot be read: no length/);
  const optionsThrow = new Proxy({}, { ownKeys: () => { throw new Error("x"); } });
  assert.equal(thrown(() => bf.validate([ok], optionsThrow)).field, "options");
  const optionGetter = { get today() { throw new Error("x"); } };
  assert.equal(thrown(() => bf.validate([ok], optionGetter)).field, "today");
  for (const options of [5, "xero", [], () => ({})]) {
    const err = thrown(() => bf.validate([ok], options));
    assert.deepEqual([err.code, err.field], ["invalid_argument", "options"]);
  }
  stillWorks();
});

test("odd but valid objects are read by their own keys", () => {
  const bare = Object.assign(Object.create(null), ok);
  class Row {
    constructor() {
      this.id = "c";
      this.date = "2024-05-01";
      this.amount = "2.00";
    }
    get balance() {
      return "999.99"; // on the prototype: not an own key, not read
    }
  }
  const frozen = Object.freeze({ ...ok, id: "f" });
  const parsed = JSON.parse('{"id":"p","date":"2024-05-01","amount":"1","__proto__":"x","constructor":1}');
  const report = bf.validate([bare, new Row(), frozen, parsed], { today });
  // (The core lists unknown keys of one row in no set order.)
  assert.deepEqual(report.issues.map((i) => [i.code, i.row, i.found]).sort(), [
    ["unknown_column", 3, "__proto__"],
    ["unknown_column", 3, "constructor"],
  ]);
  const out = bf.normalise([new Row()], { today });
  assert.equal(out.transactions[0].balance, undefined);
  // Keys are matched loosely.
  const loose = bf.normalise([{ ID: "l", "Transaction Date": "2024-05-01", AMOUNT: "1.00", transaction_type: "credit", "Running Balance": "5.00" }], { today });
  assert.deepEqual(loose.transactions[0], { id: "l", date: "2024-05-01", amount: "1.00", balance: "5.00", transactionType: "Credit" });
});

test("many rows, many keys, many repeats", () => {
  const wide = { ...ok };
  for (let i = 0; i < 5000; i++) wide[`extra${i}`] = i;
  const report = bf.validate([wide], { today });
  assert.equal(withCode(report, "unknown_column").length, 5000);
  const same = Array.from({ length: 20_000 }, () => ({ ...ok }));
  const dup = bf.validate(same, { today });
  assert.equal(withCode(dup, "duplicate_id").length, 19_999);
  const deduped = bf.normalise(same, { today });
  assert.equal(deduped.transactions.length, 1);
  const junk = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? null : {}));
  // null rows: not an object and three missing fields; empty objects: three missing fields.
  assert.equal(bf.validate(junk, { today }).errorCount, 5000 * 4 + 5000 * 3);
  stillWorks();
});

test("file text that is not a file is a finding, not an error", () => {
  for (const text of ["", "   ", "{", "[1,2", '{"transactions": 5}', "\uFEFF", "id\n1", "a,b,c\n1,2,3", '"unclosed,quote\n', "\u0000\u0001", "[null, 1, true]"]) {
    const report = bf.validate(text, { today });
    assert.equal(report.valid, false, JSON.stringify(text));
    assert.ok(report.errorCount > 0);
  }
  stillWorks();
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("fuzz: random rows of hostile values never crash, and every error is a BankFeedsError", () => {
  const seed = Number(process.env.BANKFEEDS_FUZZ_SEED ?? 20241126);
  const next = random(seed);
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  const values = () => [
    undefined, null, "", " ", "0", "-0", "1.005", "1e400", "1e-400", "NaN", "Infinity", "-.5", "1_000",
    "2024-02-29", "2023-02-29", "2024-05-01T10:21:00+05:30", "2024-05-01T24:00:00", "9999-12-31", "0000-01-01",
    "x".repeat(Math.floor(next() * 3000)), "é".repeat(Math.floor(next() * 300)), "\uD83D", "\u0000",
    0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity,
    true, false, 0n, -(10n ** 27n), 10n ** 29n, Symbol("s"), () => 0, [], [1, 2], {}, { amount: 1 }, new Date(0), new Date(NaN),
    "Debit", "credit", "Unknown", "pending", "cleared", "yes", "12-34-56",
  ];
  const keys = ["id", "date", "amount", "balance", "description", "counterparty", "reference", "reconciled",
    "transactionType", "status", "cleared", "pending", "accountId", "Transaction Type", "memo", "", "__proto__"];
  const errorCodes = new Set(bf.errorCodes());
  const functions = [
    (rows) => bf.validate(rows, { today, platform: pick(["generic", "xero", "qbo", "freeagent", "sage", "netsuite", "exact"]), currency: pick([undefined, "GBP", "JPY", "BHD", "XXX", "nope"]) }),
    (rows) => bf.prepare(rows, { today, closingBalance: pick([undefined, "0", "1e27", "-9999999999999999999999999999"]), fixSigns: next() < 0.5, truncate: next() < 0.5, batchSize: 1 + Math.floor(next() * 5) }),
    (rows) => bf.verifyBalances(rows, pick([undefined, "0", 1.5, "9999999999999999999999999999"])),
    (rows) => bf.fillBalances(rows, pick([{ closing: "0" }, { opening: "9999999999999999999999999999" }, { opening: -1 }])),
    (rows) => bf.pushBodies(rows, "acc", 1 + Math.floor(next() * 3)),
  ];
  let results = 0;
  let errors = 0;
  for (let round = 0; round < 300; round++) {
    const rows = Array.from({ length: Math.floor(next() * 12) }, () => {
      if (next() < 0.05) return pick(values());
      const row = {};
      for (let k = 0; k < Math.floor(next() * 8); k++) row[pick(keys)] = pick(values());
      if (next() < 0.7) Object.assign(row, { id: `r${round}`, date: "2024-05-01", amount: "1.00" }, next() < 0.5 ? { amount: pick(values()) } : {});
      return row;
    });
    for (const call of functions) {
      try {
        const result = call(rows);
        assert.equal(typeof result, "object", `seed ${seed} round ${round}`);
        results++;
      } catch (e) {
        assert.ok(e instanceof bf.BankFeedsError, `seed ${seed} round ${round}: ${e?.stack ?? e}`);
        assert.ok(errorCodes.has(e.code), `seed ${seed} round ${round}: ${e.code} is not in errorCodes()`);
        assert.equal(typeof e.message, "string");
        if (e instanceof bf.ValidationError) assert.ok(e.issues.length > 0);
        errors++;
      }
    }
  }
  assert.ok(results > 300 && errors > 100, `results ${results}, errors ${errors}`);
  stillWorks();
});
