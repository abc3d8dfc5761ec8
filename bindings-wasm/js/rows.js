// Packs row objects straight into buffers in the WebAssembly module's memory, a chunk of rows at
// a time, instead of one call per field (100,000 rows would otherwise take over half a second)
// or a copy of every row through JavaScript buffers. Nothing here judges a value: each is tagged
// with its JavaScript kind, and src/input.rs turns the tags into the core's raw values.
//
// The tag values are defined in src/input.rs only (`mod kind`, `mod short`), which hands them to
// `useTags` below as the module starts; until then every tag is undefined and nothing can be
// packed. What each carries:
//   MISSING (undefined), NULL, FALSE, TRUE, LIST, OBJECT, DATE, FUNCTION, SYMBOL: nothing
//   TEXT: the next `length` bytes of `text` (UTF-8)
//   NUMBER: the next of `numbers`
//   BIGINT: its digits, in `text`
//   THROWS: reading it threw
//   KEYS_THROW: listing the row's keys threw (a hostile Proxy)
//   LONE_SURROGATE: text with a lone surrogate, which UTF-8 cannot carry (TextEncoder would
//     write U+FFFD in its place, and two ids differing only there would become one). Nothing is
//     written; the payload says which unit and where: (index << 11) | (unit - 0xD800), the index
//     capped at 2^21 - 1.
// And which buffer a row did not fit in (`RowEncoder.short`, a bit each): SHORT_TEXT,
// SHORT_CELLS, SHORT_NUMBERS.
let MISSING, NULL, TEXT, NUMBER, FALSE, TRUE, BIGINT, LIST, OBJECT, DATE, FUNCTION, SYMBOL;
let THROWS, KEYS_THROW, LONE_SURROGATE;
let SHORT_TEXT, SHORT_CELLS, SHORT_NUMBERS;

/**
 * Takes the tags from the module (src/input.rs, `share_tags`), by name. Throws when one is
 * missing or not a small whole number, so that a tag renamed on one side stops the module from
 * loading rather than mis-tagging values.
 * @param {Record<string, number>} table
 */
export function useTags(table) {
  const tag = (name, below) => {
    const value = table[name];
    if (!Number.isInteger(value) || value < 0 || value >= below) {
      throw new Error(`rows.js: the module gave no usable tag ${name} (${value})`);
    }
    return value;
  };
  // A cell holds `key * 16 + kind`: a kind is below 16.
  MISSING = tag("MISSING", 16);
  NULL = tag("NULL", 16);
  TEXT = tag("TEXT", 16);
  NUMBER = tag("NUMBER", 16);
  FALSE = tag("FALSE", 16);
  TRUE = tag("TRUE", 16);
  BIGINT = tag("BIGINT", 16);
  LIST = tag("LIST", 16);
  OBJECT = tag("OBJECT", 16);
  DATE = tag("DATE", 16);
  FUNCTION = tag("FUNCTION", 16);
  SYMBOL = tag("SYMBOL", 16);
  THROWS = tag("THROWS", 16);
  KEYS_THROW = tag("KEYS_THROW", 16);
  LONE_SURROGATE = tag("LONE_SURROGATE", 16);
  SHORT_TEXT = tag("SHORT_TEXT", 2 ** 31);
  SHORT_CELLS = tag("SHORT_CELLS", 2 ** 31);
  SHORT_NUMBERS = tag("SHORT_NUMBERS", 2 ** 31);
}

const encoder = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads a list of rows for the module, a chunk at a time: `fill` writes as many whole rows as
 * fit into three buffers the module owns, and the module reads them before it asks for more.
 *
 * For each row, `cells` gets a pair: `0, kind` when the row is not an object, or `fields, OBJECT`
 * followed by one pair per field: `key * 16 + kind` (key: index in `keys`) and, for text and
 * bigints, the value's length in bytes of `text` (UTF-8; the values follow one another). Numbers
 * go to `numbers`, in the order met.
 */
export class RowEncoder {
  /** @param {ArrayLike<unknown>} rows */
  constructor(rows) {
    this.rows = rows;
    // Read once: a list whose length cannot be read is an error for the whole call.
    this.count = rows.length >>> 0;
    /** The next row to write. */
    this.next = 0;
    /** Every key met, in order; `keyIndex` finds one's index. */
    this.keys = [];
    this.keyIndex = new Map();
    // Rows usually share their keys, in the same order: the keys the last row had, by position.
    this.shapeKeys = [];
    this.shapeIndex = [];
    /** What the last `fill` wrote. */
    this.textUsed = 0;
    this.cellsUsed = 0;
    this.numbersUsed = 0;
    /** When `fill` wrote no row: the buffers the next row did not fit in (SHORT_* bits). */
    this.short = 0;
  }

  /** The keys met since the first `from`; a lone surrogate in one is written `\uD800`. */
  keysFrom(from) {
    return this.keys.slice(from).map((key) => (isWellFormed(key) ? key : escapeLoneSurrogates(key)));
  }

  /**
   * Writes whole rows from `next` on until a buffer is full or the rows end, and returns how
   * many it wrote. A row that does not fit is left for the next call, which reads it again
   * (a getter on it runs again).
   * @param {WebAssembly.Memory} memory
   */
  fill(memory, textAt, textRoom, cellsAt, cellsRoom, numbersAt, numbersRoom) {
    const text = new Uint8Array(memory.buffer, textAt, textRoom);
    const cells = new Uint32Array(memory.buffer, cellsAt, cellsRoom);
    const numbers = new Float64Array(memory.buffer, numbersAt, numbersRoom);
    const { rows, count, keys, keyIndex, shapeKeys, shapeIndex } = this;
    let n = 0;
    let textLength = 0;
    let numberCount = 0;
    let short = 0;
    let r = this.next;
    for (; r < count; r++) {
      let row;
      let rowKind;
      try {
        row = rows[r];
        rowKind = kindOf(row);
      } catch {
        rowKind = THROWS;
      }
      if (n + 2 > cellsRoom) {
        short = SHORT_CELLS;
        break;
      }
      if (rowKind !== OBJECT) {
        cells[n++] = 0;
        cells[n++] = rowKind;
        continue;
      }
      const head = n;
      const textHead = textLength;
      const numberHead = numberCount;
      n += 2;
      let fields = 0;
      try {
        // for...in with an own-property check lists what Object.keys lists, without allocating.
        for (const name in row) {
          if (!hasOwn.call(row, name)) continue;
          let key;
          if (shapeKeys[fields] === name) {
            key = shapeIndex[fields];
          } else {
            key = keyIndex.get(name);
            if (key === undefined) {
              key = keys.length;
              keys.push(name);
              keyIndex.set(name, key);
            }
            shapeKeys[fields] = name;
            shapeIndex[fields] = key;
          }
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
            // 3 bytes is the most UTF-8 needs for one UTF-16 unit.
            if (textLength + value.length * 3 > textRoom) short |= SHORT_TEXT;
            else {
              payload = writeText(value, text, textLength);
              if (payload < 0) {
                kind = LONE_SURROGATE;
                payload = loneSurrogatePayload(value);
              } else textLength += payload;
            }
          } else if (kind === NUMBER) {
            if (numberCount === numbersRoom) short |= SHORT_NUMBERS;
            else numbers[numberCount++] = value;
          }
          if (n + 2 > cellsRoom) short |= SHORT_CELLS;
          if (short !== 0) break;
          cells[n++] = key * 16 + kind;
          cells[n++] = payload;
          fields++;
        }
      } catch {
        // Listing the keys threw (a hostile Proxy): the row is reported as a whole.
        n = head;
        textLength = textHead;
        numberCount = numberHead;
        cells[n++] = 0;
        cells[n++] = KEYS_THROW;
        continue;
      }
      // The same roll-back as in the catch above, on purpose: one shared branch behind a
      // "keys threw" flag measured 7 ms slower on 100,000 rows (bench/validate.mjs).
      if (short !== 0) {
        n = head;
        textLength = textHead;
        numberCount = numberHead;
        break;
      }
      cells[head] = fields;
      cells[head + 1] = OBJECT;
    }
    const written = r - this.next;
    this.next = r;
    this.textUsed = textLength;
    this.cellsUsed = n;
    this.numbersUsed = numberCount;
    this.short = written === 0 ? short : 0;
    return written;
  }
}

/**
 * Writes `value` as UTF-8 at `at` (`text` has room for 3 bytes a unit) and returns its length
 * in bytes, or -1 when it has a lone surrogate (then what was written is to be ignored). Most
 * bank text is ASCII: it is copied four units at a time, and the rest of a string that is not is
 * checked and handed to the encoder.
 */
function writeText(value, text, at) {
  const units = value.length;
  let i = 0;
  for (; i + 3 < units; i += 4) {
    const a = value.charCodeAt(i);
    const b = value.charCodeAt(i + 1);
    const c = value.charCodeAt(i + 2);
    const d = value.charCodeAt(i + 3);
    if ((a | b | c | d) > 0x7f) break;
    text[at + i] = a;
    text[at + i + 1] = b;
    text[at + i + 2] = c;
    text[at + i + 3] = d;
  }
  for (; i < units; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f) break;
    text[at + i] = c;
  }
  if (i < units) {
    if (!isWellFormed(value)) return -1;
    i += encoder.encodeInto(value.slice(i), text.subarray(at + i)).written;
  }
  return i;
}

const loneSurrogatePattern = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const loneSurrogates = new RegExp(loneSurrogatePattern.source, "g");

/** Whether a string is Unicode text (no lone surrogate). */
const isWellFormed =
  typeof String.prototype.isWellFormed === "function"
    ? (value) => value.isWellFormed()
    : (value) => !loneSurrogatePattern.test(value);

/** The cell payload of a string with a lone surrogate: see LONE_SURROGATE. */
function loneSurrogatePayload(value) {
  const index = value.search(loneSurrogatePattern);
  return Math.min(index, 0x1fffff) * 2048 + (value.charCodeAt(index) - 0xd800);
}

function escapeLoneSurrogates(value) {
  return value.replace(loneSurrogates, (unit) => `\\u${unit.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Where the text of a file has its first lone surrogate: `[unit, line, column]` (both from 1,
 * the column in UTF-16 units), or `undefined` when it has none.
 * @param {string} text
 */
export function loneSurrogateIn(text) {
  if (isWellFormed(text)) return undefined;
  const index = text.search(loneSurrogatePattern);
  const lineStart = text.lastIndexOf("\n", index - 1) + 1;
  let line = 1;
  for (let at = text.indexOf("\n"); at !== -1 && at < index; at = text.indexOf("\n", at + 1)) line++;
  return [text.charCodeAt(index), line, index - lineStart + 1];
}

/**
 * The first lone surrogate of a string as `[unit, index]`, or `undefined` when it has none.
 * @param {string} value
 */
export function loneSurrogate(value) {
  if (isWellFormed(value)) return undefined;
  const index = value.search(loneSurrogatePattern);
  return [value.charCodeAt(index), index];
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
