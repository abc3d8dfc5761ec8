// Builds the transactions and findings the module returns from one buffer of text and a list of
// lengths (src/output.rs `transactions` and `issues` write them), instead of one call into
// JavaScript per field and a string decoded per value. The bits must match `mod present` in
// src/output.rs.

const DESCRIPTION = 1;
const COUNTERPARTY = 2;
const RECONCILED = 4;
const RECONCILED_TRUE = 8;
const REFERENCE = 16;
const BALANCE = 32;
const TRANSACTION_TYPE = 64;
// A finding's optional fields.
const ROW = 1;
const ID = 2;
const FIELD = 4;
const EXPECTED = 8;
const FOUND = 16;

// ignoreBOM: a value that starts with U+FEFF keeps it (by default the decoder would drop it from
// the front of the buffer, and every length after it would be off by one).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * @param {Uint8Array} bytes every text value, one after the other, UTF-8
 * @param {Uint32Array} cells for each transaction: which optional fields it has (bits), then the
 *   length in UTF-16 units of each of its text values in the order of the fields
 * @returns {object[]} `{ id, date, description?, counterparty?, reference?, reconciled?, amount,
 *   balance?, transactionType? }`, keys in that order
 */
export function decodeTransactions(bytes, cells) {
  const text = decoder.decode(bytes);
  const out = [];
  const end = cells.length;
  let at = 0;
  let c = 0;
  while (c < end) {
    const flags = cells[c++];
    const id = text.slice(at, (at += cells[c++]));
    const date = text.slice(at, (at += cells[c++]));
    const t = { id, date };
    if (flags & DESCRIPTION) t.description = text.slice(at, (at += cells[c++]));
    if (flags & COUNTERPARTY) t.counterparty = text.slice(at, (at += cells[c++]));
    if (flags & REFERENCE) t.reference = text.slice(at, (at += cells[c++]));
    if (flags & RECONCILED) t.reconciled = (flags & RECONCILED_TRUE) !== 0;
    t.amount = text.slice(at, (at += cells[c++]));
    if (flags & BALANCE) t.balance = text.slice(at, (at += cells[c++]));
    if (flags & TRANSACTION_TYPE) t.transactionType = text.slice(at, (at += cells[c++]));
    out.push(t);
  }
  return out;
}

/**
 * @param {Uint8Array} bytes every text value, one after the other, UTF-8
 * @param {Uint32Array} cells for each finding: which optional fields it has (bits), then for each
 *   field in order the length of its text in UTF-16 units, or for `row` the row itself
 * @returns {object[]} `{ code, severity, row?, id?, field?, message, expected?, found? }`, keys
 *   in that order
 */
export function decodeIssues(bytes, cells) {
  const text = decoder.decode(bytes);
  const out = [];
  const end = cells.length;
  let at = 0;
  let c = 0;
  while (c < end) {
    const flags = cells[c++];
    const code = text.slice(at, (at += cells[c++]));
    const severity = text.slice(at, (at += cells[c++]));
    const issue = { code, severity };
    if (flags & ROW) issue.row = cells[c++];
    if (flags & ID) issue.id = text.slice(at, (at += cells[c++]));
    if (flags & FIELD) issue.field = text.slice(at, (at += cells[c++]));
    issue.message = text.slice(at, (at += cells[c++]));
    if (flags & EXPECTED) issue.expected = text.slice(at, (at += cells[c++]));
    if (flags & FOUND) issue.found = text.slice(at, (at += cells[c++]));
    out.push(issue);
  }
  return out;
}
