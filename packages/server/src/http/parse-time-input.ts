import { ServerError } from '../errors.js'

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

// The instants RFC 3339 can write (four-digit years), so that every time the server stores
// prints back as a time its API accepts.
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * Reads a time a request gives (the shape of `TimeSchema`: RFC 3339 with seconds and a zone)
 * field by field, so that nothing is left to `new Date()`, which rolls `T24:00` and `02-30`
 * over into the next day or month and turns a leap second into an Invalid Date (whose
 * `toISOString()` throws: a 500).
 *
 * @param text the value as received.
 * @param field the request field, for the message.
 * @returns the instant.
 * @throws ServerError `ERR_REQUEST_INVALID` for anything that is not a real instant: a month
 *   outside 1–12, a day past the month's end, an hour past 23, a minute or second past 59 (a leap
 *   second too: JavaScript time has none), an offset past ±23:59, an instant outside the years
 *   0000–9999 once the offset is applied.
 * @example
 * ```ts
 * parseTimeInput('2030-01-31T19:00:00.5+01:00', 'expiresAt') // 2030-01-31T18:00:00.500Z
 * ```
 */
export function parseTimeInput(text: string, field: string): Date {
  const m = RFC3339.exec(text)
  if (m !== null) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    const millis = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000)
    const sign = m[8] === '-' ? -1 : 1
    const offsetHours = Number(m[9] ?? 0)
    const offsetMinutes = Number(m[10] ?? 0)
    if (
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysIn(year, month) &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      offsetHours <= 23 &&
      offsetMinutes <= 59
    ) {
      const date = new Date(0)
      // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
      date.setUTCFullYear(year, month - 1, day)
      date.setUTCHours(hour, minute, second, millis)
      const instant = date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000
      if (instant >= EARLIEST && instant <= LATEST) return new Date(instant)
    }
  }
  throw new ServerError(
    'ERR_REQUEST_INVALID',
    `${field} is not a valid time: give an RFC 3339 time such as 2030-01-31T18:00:00Z`,
  )
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}
