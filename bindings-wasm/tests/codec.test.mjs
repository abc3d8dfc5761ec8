// The row codec (js/rows.js packing rows into the module's memory, src/input.rs unpacking them)
// against plain serde-wasm-bindgen (src/plain.rs): random lists of rows must read as exactly the
// same raw rows and findings both ways. Both are reached through the hidden `__decodeRows`
// export, which is in no public type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bf, pkgDir, repoRoot } from "./support.mjs";

const tools = join(repoRoot, "tools", "node_modules", "fast-check", "package.json");
const fc = existsSync(tools) ? createRequire(tools)("fast-check") : undefined;
const needs = "needs the npm package fast-check in tools/node_modules: run scripts/bootstrap.sh";

// Text: ASCII, any UTF-16 (lone surrogates included), and the amounts and dates the core reads.
const text = fc
  ? fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.constantFrom("\uD800", "\uDC00", "a", "é", "€", "😀", "\uDBFF", "\u0000") }),
      fc.constantFrom("", " 12.30 ", "-0.5", "1e3", "2024-05-01", "2024-05-01T09:30:00", "1,000.00"),
    )
  : undefined;

// Numbers around 2^53 and the other edges, as numbers and as bigints.
const number = fc
  ? fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 64, -0, 0.1 + 0.2, 1e21, NaN, Infinity),
      fc.maxSafeInteger(),
    )
  : undefined;
const bigint = fc
  ? fc.oneof(fc.bigInt(), fc.constantFrom(2n ** 53n, 2n ** 63n, 2n ** 64n, -(2n ** 64n) - 1n, 0n))
  : undefined;

const value = fc
  ? fc.oneof(
      text,
      number,
      bigint,
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: false }),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
    )
  : undefined;

// Keys: the transaction fields (in the spellings the core takes), others, and odd text.
const key = fc
  ? fc.oneof(
      fc.constantFrom("id", "date", "amount", "balance", "description", "counterparty", "reference",
        "reconciled", "transactionType", "Amount", "transaction_type", "accountId", "extra"),
      fc.string({ maxLength: 4 }),
      fc.string({ unit: "binary", maxLength: 3 }),
    )
  : undefined;

const row = fc
  ? fc.oneof(
      { weight: 8, arbitrary: fc.dictionary(key, value, { maxKeys: 8 }) },
      { weight: 1, arbitrary: value },
    )
  : undefined;

test("the row codec reads random rows as plain serde-wasm-bindgen does", { skip: !fc && needs }, () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
      assert.equal(bf.__decodeRows(rows, false), bf.__decodeRows(rows, true));
    }),
    { numRuns: 2000 },
  );
});

test("the row codec agrees across chunks: long text and many rows", { skip: !fc && needs }, () => {
  // Past the first chunk's buffers (64 KiB of text, 16 Ki cells, 1 Ki numbers), so that rows
  // are written over several fills and buffers grow.
  fc.assert(
    fc.property(fc.array(row, { minLength: 900, maxLength: 1500 }), fc.string({ minLength: 70000, maxLength: 70001 }), (rows, long) => {
      rows.push({ id: long, amount: 1 });
      assert.equal(bf.__decodeRows(rows, false), bf.__decodeRows(rows, true));
    }),
    { numRuns: 5 },
  );
});

test("a tag changed on one side is caught: the module's tags reach rows.js", () => {
  // The tags are defined in src/input.rs and handed to rows.js at start; rows.js defines none.
  const rowsJs = readFileSync(join(repoRoot, "bindings-wasm", "js", "rows.js"), "utf8");
  assert.doesNotMatch(rowsJs, /^\s*(const|let)\s+[A-Z_]+\s*=\s*\d/m, "rows.js must not define tag values");
  // The hidden export is in no public type.
  const dts = readFileSync(join(pkgDir, "node", "bankfeeds_wasm.d.ts"), "utf8");
  assert.doesNotMatch(dts, /__decodeRows/);
});
