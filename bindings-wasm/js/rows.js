// Packs a list of row objects into three buffers that cross into WebAssembly in three copies,
// instead of one call per field (100,000 rows would otherwise take over half a second). Nothing
// here judges a value: each is tagged with its JavaScript kind, and src/input.rs turns the tags
// into the core's raw values. The tags must match `mod kind` in src/input.rs.

const MISSING = 0; // undefined
const NULL = 1;
const TEXT = 2; // the next `length` bytes of `text` (UTF-8)
const NUMBER = 3; // the number itself
const FALSE = 4;
const TRUE = 5;
const BIGINT = 6; // its digits, in `text`
const LIST = 7;
const OBJECT = 8;
const DATE = 9;
const FUNCTION = 10;
const SYMBOL = 11;
const THROWS = 12; // reading it threw
const KEYS_THROW = 13; // listing the row's keys threw (a hostile Proxy)

const encoder = new TextEncoder();

// The buffers are kept from call to call: allocating tens of megabytes of fresh ArrayBuffers on
// each call makes V8 run full collections (a large WebAssembly memory counts against the same
// budget), which costs more than the packing itself. The module copies them out before it
// returns, and JavaScript runs one call at a time, so reuse is safe. Buffers past `KEEP_BYTES`
// (a few hundred thousand rows) are let go rather than held for the life of the page.
const KEEP_BYTES = 64 << 20;
let textBuffer = new Uint8Array(1 << 16);
let cellBuffer = new Float64Array(1 << 12);

/** A buffer at least `size` long, keeping the first `used` items. */
function grown(buffer, used, size) {
  if (size <= buffer.length) return buffer;
  const bigger = new buffer.constructor(Math.max(size, buffer.length * 2));
  bigger.set(buffer.subarray(0, used));
  return bigger;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * @param {ArrayLike<unknown>} rows
 * @returns {{ keys: string[], text: Uint8Array, cells: Float64Array, count: number }}
 *   `cells` holds, for each row, a pair: `-1 - kind, 0` when the row is not an object, or
 *   `fields, 0` followed by one pair per field: `key * 16 + kind` (key: index in `keys`) and
 *   the payload (the number, or the text's length in bytes of `text`, which is UTF-8).
 */
export function encodeRows(rows) {
  const keys = [];
  const keyIndex = new Map();
  const shapeKeys = [];
  const shapeIndex = [];
  const length = rows.length;
  // Room for six fields a row; more grows the buffer.
  let cells = grown(cellBuffer, 0, length * 14 + 2);
  let text = textBuffer;
  let n = 0;
  let textLength = 0;
  for (let r = 0; r < length; r++) {
    let row;
    let rowKind;
    try {
      row = rows[r];
      rowKind = kindOf(row);
    } catch {
      rowKind = THROWS;
    }
    if (rowKind !== OBJECT) {
      if (n + 2 > cells.length) cells = grown(cells, n, n + 2);
      cells[n++] = -1 - rowKind;
      cells[n++] = 0;
      continue;
    }
    if (n + 2 > cells.length) cells = grown(cells, n, n + 2);
    const head = n;
    const textHead = textLength;
    n += 2;
    let fields = 0;
    try {
      // for...in with an own-property check lists what Object.keys lists, without allocating.
      for (const name in row) {
        if (!hasOwn.call(row, name)) continue;
        // Rows usually share their keys, in the same order: try the key the last row had here.
        let key = shapeKeys[fields] === name ? shapeIndex[fields] : keyIndex.get(name);
        if (key === undefined) {
          key = keys.length;
          keys.push(name);
          keyIndex.set(name, key);
        }
        shapeKeys[fields] = name;
        shapeIndex[fields] = key;
        let value;
        let kind;
        try {
          value = row[name];
          kind = kindOf(value);
        } catch {
          kind = THROWS;
        }
        let payload = 0;
        if (kind === BIGINT) {
          value = value.toString();
        }
        if (kind === TEXT || kind === BIGINT) {
          const units = value.length;
          // 3 bytes is the most UTF-8 needs for one UTF-16 unit.
          if (textLength + units * 3 > text.length) text = grown(text, textLength, textLength + units * 3);
          // Most bank text is ASCII: copy it unit by unit, and hand the rest of a string that
          // is not to the encoder.
          let i = 0;
          for (; i < units; i++) {
            const c = value.charCodeAt(i);
            if (c > 0x7f) break;
            text[textLength + i] = c;
          }
          if (i < units) {
            i += encoder.encodeInto(value.slice(i), text.subarray(textLength + i)).written;
          }
          textLength += i;
          payload = i;
        } else if (kind === NUMBER) {
          payload = value;
        }
        if (n + 2 > cells.length) cells = grown(cells, n, n + 2);
        cells[n++] = key * 16 + kind;
        cells[n++] = payload;
        fields++;
      }
    } catch (e) {
      // Out of memory for the buffers: the whole call fails (the module reports it).
      if (e instanceof RangeError) throw e;
      // Listing the keys threw (a hostile Proxy): the row is reported as a whole.
      n = head;
      textLength = textHead;
      cells[n++] = -1 - KEYS_THROW;
      cells[n++] = 0;
      continue;
    }
    cells[head] = fields;
    cells[head + 1] = 0;
  }
  if (text.byteLength <= KEEP_BYTES) textBuffer = text;
  if (cells.byteLength <= KEEP_BYTES) cellBuffer = cells;
  return { keys, text: text.subarray(0, textLength), cells: cells.subarray(0, n), count: length };
}

function kindOf(value) {
  switch (typeof value) {
    case "string":
      return TEXT;
    case "number":
      return NUMBER;
    case "boolean":
      return value ? TRUE : FALSE;
    case "undefined":
      return MISSING;
    case "bigint":
      return BIGINT;
    case "symbol":
      return SYMBOL;
    case "function":
      return FUNCTION;
    default:
      if (value === null) return NULL;
      if (Array.isArray(value)) return LIST;
      if (value instanceof Date) return DATE;
      return OBJECT;
  }
}
