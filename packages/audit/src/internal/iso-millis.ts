// Days before each month of a non-leap year, and in each month.
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The time in `bytes[start, start + 24)` when it is written exactly as the stores write it,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` with valid fields, in milliseconds since the epoch (what
 * `Date.parse` gives it); else `undefined`. Read in place, allocating nothing: the verifier reads
 * every record.
 */
export function isoMillis(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (
    end - start !== 24 ||
    bytes[start + 4] !== 0x2d || // -
    bytes[start + 7] !== 0x2d ||
    bytes[start + 10] !== 0x54 || // T
    bytes[start + 13] !== 0x3a || // :
    bytes[start + 16] !== 0x3a ||
    bytes[start + 19] !== 0x2e || // .
    bytes[start + 23] !== 0x5a // Z
  ) {
    return undefined
  }
  const year = digitsAt(bytes, start, 4)
  const month = digitsAt(bytes, start + 5, 2)
  const day = digitsAt(bytes, start + 8, 2)
  const hour = digitsAt(bytes, start + 11, 2)
  const minute = digitsAt(bytes, start + 14, 2)
  const second = digitsAt(bytes, start + 17, 2)
  const ms = digitsAt(bytes, start + 20, 3)
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const extra = month > 2 && leap ? 1 : 0
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (month === 2 && leap ? 1 : 0)) return undefined
  // Days from 1970-01-01 to the first of the year (proleptic Gregorian: 477 leap days before
  // 1970), then into it.
  const y = year - 1
  const days =
    365 * (year - 1970) +
    (Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 477) +
    (DAYS_BEFORE_MONTH[month - 1] as number) +
    extra +
    day -
    1
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}

/** The decimal value of `n` ASCII digits at `at`, or -1 if one is not a digit. */
function digitsAt(bytes: Uint8Array, at: number, n: number): number {
  let value = 0
  for (let i = at; i < at + n; i++) {
    const d = (bytes[i] as number) - 0x30
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}
