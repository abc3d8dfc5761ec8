// Builds the transaction objects the module returns, from one buffer of text and a list of
// lengths (src/output.rs `transactions` writes them), instead of one call into JavaScript per
// field and a string decoded per value. The bits must match `mod present` in src/output.rs.

const DESCRIPTION = 1;
const COUNTERPARTY = 2;
const RECONCILED = 4;
const RECONCILED_TRUE = 8;
const REFERENCE = 16;
const BALANCE = 32;
const TRANSACTION_TYPE = 64;

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
