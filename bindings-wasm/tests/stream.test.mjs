// FileChecker and validateStream(): a CSV or JSON file checked chunk by chunk gives what
// validate() gives for its whole text, whatever the chunks (bytes or text, split inside a
// character, a quoted cell, a CRLF, a JSON string or an escape); misuse throws BankFeedsError.
import { test } from "node:test";
import assert from "node:assert/strict";

import { bf, thrown, withCode, xeroGbp } from "./support.mjs";

// A file like a bank's export: a byte order mark, CRLF, quoted cells with commas, quotes and a
// line break, text beyond ASCII, a blank line, and findings of every kind: a bad amount, a
// repeated id, a broken chain, a missing balance, an unknown column.
const text =
  "\uFEFFid,date,description,amount,balance,memo\r\n" +
  "t1,2024-05-01,\"Salary, May\",2500.00,2600.00,x\r\n" +
  "t2,2024-05-02,\"Café \"\"Noir\"\" ☕\",-3.20,2596.80,\r\n" +
  "\r\n" +
  "t3,2024-05-03,\"two\r\nlines\",-1.00,2595.00,\r\n" +
  "t2,2024-05-04,Rent 𝄞,12.30,,\r\n" +
  "t6,2024-05-04,Fee,12;30,2594.00,\r\n" +
  "t4,2024-05-05,Coffee,-2.00,,\r\n" +
  "t5,2024-05-06,,1.00,2594.80";

const bytes = new TextEncoder().encode(text);

/** The bytes (or, with `asText`, the text) cut into chunks of `size`. */
function chunks(size, asText = false) {
  const out = [];
  const source = asText ? text : bytes;
  for (let i = 0; i < source.length; i += size) {
    out.push(source.slice(i, i + size));
  }
  return out;
}

/** A ReadableStream of `parts`, one a pull. */
function streamOf(parts) {
  return new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next) {
        controller.enqueue(next);
      } else {
        controller.close();
      }
    },
  });
}

function checked(parts, options = xeroGbp) {
  const checker = new bf.FileChecker(options);
  for (const part of parts) {
    checker.push(part);
  }
  return checker.finish();
}

test("the whole-text report has findings of every kind", () => {
  const whole = bf.validate(text, xeroGbp);
  const codes = new Set(whole.issues.map((i) => i.code));
  for (const code of ["invalid_number", "duplicate_id", "balance_mismatch", "missing_balance", "unknown_column"]) {
    assert.ok(codes.has(code), `${code} in ${[...codes]}`);
  }
  assert.deepEqual(bf.validate(bf.parseFile(text).rows, xeroGbp).issues.filter((i) => i.code === "duplicate_id"), withCode(whole, "duplicate_id"));
});

test("chunks of 1, 7 and every byte give validate()'s report, as bytes and as text", () => {
  const whole = bf.validate(text, xeroGbp);
  for (const size of [1, 7, bytes.length]) {
    assert.deepEqual(checked(chunks(size)), whole, `${size}-byte chunks`);
    // Text cut every `size` UTF-16 units: 1 and 7 split the surrogate pair of 𝄞.
    assert.deepEqual(checked(chunks(size, true)), whole, `${size}-unit text chunks`);
  }
  // Options are validate()'s: the same rules for another platform.
  const generic = { platform: "generic", today: "2024-06-01" };
  assert.deepEqual(checked(chunks(5), generic), bf.validate(text, generic));
  // A Node Buffer is a Uint8Array.
  assert.deepEqual(checked([Buffer.from(bytes)]), whole);
});

test("validateStream reads a Blob and a ReadableStream", async () => {
  const whole = bf.validate(text, xeroGbp);
  assert.deepEqual(await bf.validateStream(new Blob([bytes]), xeroGbp), whole);
  assert.deepEqual(await bf.validateStream(streamOf(chunks(3)), xeroGbp), whole);
  // An async iterable: a Node stream, or a generator of text and bytes.
  const { Readable } = await import("node:stream");
  assert.deepEqual(await bf.validateStream(Readable.from([Buffer.from(bytes)]), xeroGbp), whole);
  async function* mixed() {
    yield* chunks(11, true);
  }
  assert.deepEqual(await bf.validateStream(mixed(), xeroGbp), whole);
});

test("misuse throws BankFeedsError", async () => {
  const checker = new bf.FileChecker(xeroGbp);
  checker.push("id,date,amount\n");
  for (const chunk of [42, [1, 2], { bytes: 1 }, null, undefined]) {
    const e = thrown(() => checker.push(chunk));
    assert.ok(e instanceof bf.BankFeedsError, String(e));
    assert.equal(e.code, "invalid_argument");
    assert.equal(e.field, "chunk");
  }
  // The misuses above changed nothing.
  checker.push("t1,2024-05-01,1.00\n");
  assert.deepEqual(checker.finish(), bf.validate("id,date,amount\nt1,2024-05-01,1.00\n", xeroGbp));
  for (const again of [() => checker.push("x"), () => checker.finish()]) {
    const e = thrown(again);
    assert.ok(e instanceof bf.BankFeedsError);
    assert.equal(e.code, "invalid_argument");
    assert.match(e.message, /finished/);
  }
  checker.free();

  const option = thrown(() => new bf.FileChecker({ closingBalance: "1.00" }));
  assert.ok(option instanceof bf.BankFeedsError);
  assert.equal(option.code, "invalid_option");

  const half = new bf.FileChecker();
  half.push("id,date,amount\nt1,2024-05-01,1\n\uD834");
  assert.match(thrown(() => half.finish()).message, /lone surrogate/);

  await assert.rejects(bf.validateStream("id,date,amount\n"), (err) => err instanceof bf.BankFeedsError && err.field === "source");
  await assert.rejects(bf.validateStream(new Blob([]), { plaform: "xero" }), (err) => err instanceof bf.BankFeedsError && err.code === "invalid_option");
  const odd = new ReadableStream({
    start(controller) {
      controller.enqueue({ not: "bytes" });
      controller.close();
    },
  });
  await assert.rejects(bf.validateStream(odd), (err) => err instanceof bf.BankFeedsError && err.field === "chunk");
});

// A push body as a bank's system writes it: a byte order mark, pretty-printed, escapes and text
// beyond ASCII (a surrogate pair among them), a key that is not a push body's, a row that is not
// an object, and findings of several kinds: a bad amount, a repeated id, a broken chain, a
// missing balance, a date in the future.
const jsonText =
  '\uFEFF {\n  "accountId": "acc-1",\n  "memo": {"note": "x"},\n  "transactions": [\n' +
  '    {"id": "t1", "date": "2024-05-01", "description": "Salary, \\"May\\"", "amount": 2500.00, "balance": 2600.00},\n' +
  '    {"id": "t2", "date": "2024-05-02", "description": "Café ☕ \\u00e9\\ud834\\udd1e", "amount": "-3.20", "balance": "2596.80"},\n' +
  '    7,\n' +
  '    {"id": "t2", "date": "2024-05-04", "description": "Rent 𝄞", "amount": 12.30, "balance": null},\n' +
  '    {"id": "t6", "date": "2024-05-04", "amount": "12;30", "balance": 2594.00, "colour": "red"},\n' +
  '    {\n      "id": "t4",\n      "date": "2099-05-05",\n      "amount": -2.00,\n      "balance": 2599.00\n    }\n' +
  "  ]\n}\n";
const jsonBytes = new TextEncoder().encode(jsonText);

function cut(source, size) {
  const out = [];
  for (let i = 0; i < source.length; i += size) {
    out.push(source.slice(i, i + size));
  }
  return out;
}

test("a JSON file streams: validate()'s report, whatever the chunks", async () => {
  const whole = bf.validate(jsonText, xeroGbp);
  const codes = new Set(whole.issues.map((i) => i.code));
  for (const code of ["invalid_number", "duplicate_id", "balance_mismatch", "missing_balance", "invalid_value", "unknown_column"]) {
    assert.ok(codes.has(code), `${code} in ${[...codes]}`);
  }
  for (const size of [1, 2, 3, 7, 64, jsonBytes.length]) {
    assert.deepEqual(checked(cut(jsonBytes, size)), whole, `${size}-byte chunks`);
    // 1, 3 and 7 UTF-16 units split the surrogate pair of 𝄞.
    assert.deepEqual(checked(cut(jsonText, size)), whole, `${size}-unit text chunks`);
  }
  assert.deepEqual(await bf.validateStream(new Blob([jsonBytes]), xeroGbp), whole);
  const { Readable } = await import("node:stream");
  assert.deepEqual(await bf.validateStream(Readable.from(cut(jsonBytes, 5).map((c) => Buffer.from(c))), xeroGbp), whole);
  assert.deepEqual(await bf.validateStream(streamOf(cut(jsonBytes, 9)), xeroGbp), whole);
  // An array of transactions, as well as a push body.
  const array = JSON.stringify([{ id: "a", date: "2024-05-01", amount: "1.00", balance: "1.00" }, null, { id: "a", date: "2024-05-02", amount: "2.00" }]);
  assert.deepEqual(checked(cut(array, 4)), bf.validate(array, xeroGbp));
});

test("JSON that cannot be read gives validate()'s one finding, placed where it is", async () => {
  for (const broken of [
    jsonText.replace('"t4",', '"t4"'),
    jsonText.slice(0, jsonText.length - 30),
    jsonText.replace("2596.80\"}", "2596.80\"} {}"),
    jsonText.replace('"memo"', '"transactions": [], "memo"'),
    jsonText + " x",
    '[{"id": "t1"},\n {"id": "t2"},]',
  ]) {
    const whole = bf.validate(broken, xeroGbp);
    assert.equal(whole.issues[0].code, "malformed_input", broken);
    assert.match(whole.issues[0].message, /line \d+ column \d+/);
    for (const size of [1, 7, broken.length]) {
      assert.deepEqual(checked(cut(broken, size)), whole, `${size}-unit chunks of ${broken}`);
    }
    assert.deepEqual(await bf.validateStream(new Blob([broken]), xeroGbp), whole);
  }
});
