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

/** Reads the records `src/output.rs` packs: cells in order, and text values cut from `bytes`. */
class Records {
  constructor(bytes, cells) {
    this.text = decoder.decode(bytes);
    this.cells = cells;
    this.at = 0;
    this.c = 0;
  }

  more() {
    return this.c < this.cells.length;
  }

  /** The next cell itself: a record's `present` bits, or a number. */
  cell() {
    return this.cells[this.c++];
  }

  /** The next text value (its cell is its length in UTF-16 units). */
  next() {
    const start = this.at;
    this.at += this.cells[this.c++];
    return this.text.slice(start, this.at);
  }
}

/**
 * Appends to `out` the transactions packed in `bytes` and `cells` (src/output.rs decodes a long
 * list a piece at a time, onto one array).
 * @param {Uint8Array} bytes every text value, one after the other, UTF-8
 * @param {Uint32Array} cells for each transaction: which optional fields it has (bits), then the
 *   length in UTF-16 units of each of its text values in the order of the fields
 * @param {object[]} out receives `{ id, date, description?, counterparty?, reference?,
 *   reconciled?, amount, balance?, transactionType? }`, keys in that order
 */
export function decodeTransactions(bytes, cells, out) {
  const r = new Records(bytes, cells);
  while (r.more()) {
    const flags = r.cell();
    const t = { id: r.next(), date: r.next() };
    if (flags & DESCRIPTION) t.description = r.next();
    if (flags & COUNTERPARTY) t.counterparty = r.next();
    if (flags & REFERENCE) t.reference = r.next();
    if (flags & RECONCILED) t.reconciled = (flags & RECONCILED_TRUE) !== 0;
    t.amount = r.next();
    if (flags & BALANCE) t.balance = r.next();
    if (flags & TRANSACTION_TYPE) t.transactionType = r.next();
    out.push(t);
  }
}

/**
 * Appends to `out` the findings packed in `bytes` and `cells`.
 * @param {Uint8Array} bytes every text value, one after the other, UTF-8
 * @param {Uint32Array} cells for each finding: which optional fields it has (bits), then for each
 *   field in order the length of its text in UTF-16 units, or for `row` the row itself
 * @param {object[]} out receives `{ code, severity, row?, id?, field?, message, expected?,
 *   found? }`, keys in that order
 */
export function decodeIssues(bytes, cells, out) {
  const r = new Records(bytes, cells);
  while (r.more()) {
    const flags = r.cell();
    const issue = { code: r.next(), severity: r.next() };
    if (flags & ROW) issue.row = r.cell();
    if (flags & ID) issue.id = r.next();
    if (flags & FIELD) issue.field = r.next();
    issue.message = r.next();
    if (flags & EXPECTED) issue.expected = r.next();
    if (flags & FOUND) issue.found = r.next();
    out.push(issue);
  }
}
