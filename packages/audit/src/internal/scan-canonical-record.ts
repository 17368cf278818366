const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39
// Below the reference's 32 levels and Number.MAX_SAFE_INTEGER's 16 digits, so both agree.
const MAX_DEPTH = 16
const MAX_DIGITS = 15
const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')
const NULL = Buffer.from('null')
const EMPTY = new Uint8Array(0)

// Scanner state for one synchronous call: module-level so the hot loop allocates nothing.
let src: Uint8Array = EMPTY
let seq: number | undefined
let timeStart = -1
let timeEnd = -1

/** Where the characters of a record's top-level `time` string lie in its bytes. */
export interface RecordTimeSpan {
  /** Index of its first character (after the opening quote); -1 when there is no such string. */
  start: number
  /** Index after its last character (the closing quote). */
  end: number
}

/**
 * The verifier's fast path for its record check. It accepts a strict subset of canonical JSON
 * (RFC 8785) in one pass over the bytes, without decoding or allocating: a top-level object,
 * members in strictly increasing name order, printable-ASCII strings without escapes, integers
 * of at most 15 digits, `true`, `false`, `null`, nesting at most 16 deep. Every input it
 * accepts is one that `canonicalJson(JSON.parse(text)) === text` also accepts (ASCII byte order
 * is UTF-16 code-unit order; such strings and integers have one spelling). Anything else, valid
 * or not, it leaves to that reference check, which decides.
 *
 * @param bytes a record's stored bytes.
 * @param time when given, receives where the top-level `time` member's string lies (set only
 *   when the record is decided here).
 * @returns the integer value of the top-level `seq` member when the record is in the subset and
 *   has one; `undefined` means "not decided here".
 */
export function scanCanonicalRecord(bytes: Uint8Array, time?: RecordTimeSpan): number | undefined {
  if (bytes[0] !== OPEN_OBJECT) return undefined
  src = bytes
  seq = undefined
  timeStart = -1
  timeEnd = -1
  const end = scanObject(0, 0)
  src = EMPTY
  if (end !== bytes.length) return undefined
  if (time !== undefined) {
    time.start = timeStart
    time.end = timeEnd
  }
  return seq
}

// Each scanner takes the index of its first byte and returns the index after its last, or -1.
function scanValue(at: number, depth: number): number {
  const c = src[at]
  if (c === OPEN_OBJECT) return scanObject(at, depth + 1)
  if (c === OPEN_ARRAY) return scanArray(at, depth + 1)
  if (c === QUOTE) return scanString(at)
  if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return scanInteger(at)
  if (c === TRUE[0]) return scanLiteral(at, TRUE)
  if (c === FALSE[0]) return scanLiteral(at, FALSE)
  if (c === NULL[0]) return scanLiteral(at, NULL)
  return -1
}

function scanObject(at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1
  let p = at + 1
  if (src[p] === CLOSE_OBJECT) return p + 1
  let previousStart = -1
  let previousEnd = -1
  for (;;) {
    if (src[p] !== QUOTE) return -1
    const nameStart = p + 1
    p = scanString(p)
    if (p < 0) return -1
    const nameEnd = p - 1
    if (previousStart >= 0 && compare(previousStart, previousEnd, nameStart, nameEnd) >= 0) {
      return -1
    }
    if (src[p] !== COLON) return -1
    const valueStart = p + 1
    p = scanValue(valueStart, depth)
    if (p < 0) return -1
    if (depth === 0) {
      if (isSeq(nameStart, nameEnd)) seq = integerAt(valueStart, p)
      else if (isTime(nameStart, nameEnd) && src[valueStart] === QUOTE) {
        timeStart = valueStart + 1
        timeEnd = p - 1
      }
    }
    const c = src[p]
    if (c === CLOSE_OBJECT) return p + 1
    if (c !== COMMA) return -1
    p++
    previousStart = nameStart
    previousEnd = nameEnd
  }
}

function scanArray(at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1
  let p = at + 1
  if (src[p] === CLOSE_ARRAY) return p + 1
  for (;;) {
    p = scanValue(p, depth)
    if (p < 0) return -1
    const c = src[p]
    if (c === CLOSE_ARRAY) return p + 1
    if (c !== COMMA) return -1
    p++
  }
}

// Bytes that may stand unescaped inside a string of the subset: printable ASCII but `"` and `\`.
// Escapes and non-ASCII have several spellings or need decoding: the reference decides.
const PLAIN = new Uint8Array(256)
for (let c = 0x20; c <= 0x7e; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1

function scanString(at: number): number {
  const bytes = src
  const end = bytes.length
  let p = at + 1
  while (p < end && PLAIN[bytes[p] as number] === 1) p++
  return p < end && bytes[p] === QUOTE ? p + 1 : -1
}

function scanInteger(at: number): number {
  let p = src[at] === MINUS ? at + 1 : at
  const first = p
  const c = src[p]
  if (c === ZERO) {
    // "-0" parses to -0, which serializes as "0": not canonical.
    if (p !== at) return -1
    return p + 1
  }
  if (c === undefined || c < ZERO + 1 || c > NINE) return -1
  let d = src[++p]
  while (d !== undefined && d >= ZERO && d <= NINE) d = src[++p]
  return p - first > MAX_DIGITS ? -1 : p
}

function scanLiteral(at: number, literal: Uint8Array): number {
  for (let i = 0; i < literal.length; i++) {
    if (src[at + i] !== literal[i]) return -1
  }
  return at + literal.length
}

function compare(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart
  const bLength = bEnd - bStart
  const n = Math.min(aLength, bLength)
  for (let i = 0; i < n; i++) {
    const d = (src[aStart + i] as number) - (src[bStart + i] as number)
    if (d !== 0) return d
  }
  return aLength - bLength
}

function isSeq(start: number, end: number): boolean {
  return (
    end - start === 3 && src[start] === 0x73 && src[start + 1] === 0x65 && src[start + 2] === 0x71
  )
}

function isTime(start: number, end: number): boolean {
  return (
    end - start === 4 &&
    src[start] === 0x74 &&
    src[start + 1] === 0x69 &&
    src[start + 2] === 0x6d &&
    src[start + 3] === 0x65
  )
}

function integerAt(start: number, end: number): number | undefined {
  const negative = src[start] === MINUS
  let p = negative ? start + 1 : start
  const c = src[p]
  if (c === undefined || c < ZERO || c > NINE) return undefined
  let value = 0
  for (; p < end; p++) value = value * 10 + ((src[p] as number) - ZERO)
  return negative ? -value : value
}
