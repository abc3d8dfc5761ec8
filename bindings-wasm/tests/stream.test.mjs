// FileChecker and validateStream(): a CSV file checked chunk by chunk gives what validate()
// gives for its whole text, whatever the chunks (bytes or text, split inside a character, a
// quoted cell or a CRLF); misuse throws BankFeedsError.
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
  const parts = chunks(3);
  const stream = new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next) {
        controller.enqueue(next);
      } else {
        controller.close();
      }
    },
  });
  assert.deepEqual(await bf.validateStream(stream, xeroGbp), whole);
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

  const json = new bf.FileChecker();
  const e = thrown(() => json.push(' [{"id": "t1"}]'));
  assert.ok(e instanceof bf.BankFeedsError);
  assert.match(e.message, /JSON/);
  assert.equal(thrown(() => json.finish()).code, "invalid_argument");

  const option = thrown(() => new bf.FileChecker({ closingBalance: "1.00" }));
  assert.ok(option instanceof bf.BankFeedsError);
  assert.equal(option.code, "invalid_option");

  const half = new bf.FileChecker();
  half.push("id,date,amount\nt1,2024-05-01,1\n\uD834");
  assert.match(thrown(() => half.finish()).message, /lone surrogate/);

  await assert.rejects(bf.validateStream("id,date,amount\n"), (err) => err instanceof bf.BankFeedsError && err.field === "source");
  await assert.rejects(bf.validateStream(new Blob([]), { plaform: "xero" }), (err) => err instanceof bf.BankFeedsError && err.code === "invalid_option");
  await assert.rejects(bf.validateStream(new Blob(['{"transactions": []}'])), (err) => err instanceof bf.BankFeedsError && /JSON/.test(err.message));
  const odd = new ReadableStream({
    start(controller) {
      controller.enqueue({ not: "bytes" });
      controller.close();
    },
  });
  await assert.rejects(bf.validateStream(odd), (err) => err instanceof bf.BankFeedsError && err.field === "chunk");
});
