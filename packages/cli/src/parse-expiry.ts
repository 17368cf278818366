import { CliError } from './errors.js'

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:(Z)|([+-])(\d{2}):(\d{2})))?$/

// What the key server accepts (RFC 3339 with a four-digit year).
const EARLIEST = Date.parse('0000-01-01T00:00:00Z')
const LATEST = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * Parses a time given on the command line: a duration (`90m`, `12h`, `30d`, `2w`) counted from
 * now into the future (`--expires`) or the past (`--since`), or an ISO 8601 date or time with a
 * time zone (`2027-01-31T18:00:00Z`). Each field is checked, so that a day past the month's end,
 * `T24:00` or a leap second is refused rather than rolled over into another time.
 * @throws CliError `ERR_CLI_USAGE`, naming `flag`.
 */
export function parseTime(
  text: string,
  flag: string,
  direction: 'future' | 'past',
  now = Date.now(),
): Date {
  const date = durationFrom(text, direction, now) ?? isoTime(text)
  if (date !== undefined && date.getTime() >= EARLIEST && date.getTime() <= LATEST) return date
  throw new CliError(
    'ERR_CLI_USAGE',
    `${flag} ${text}: use a duration (30d, 12h, 90m, 2w${direction === 'past' ? ' ago' : ''}) or an ISO 8601 time (2030-01-31, 2030-01-31T18:00Z) between the years 0 and 9999`,
  )
}

function durationFrom(text: string, direction: 'future' | 'past', now: number): Date | undefined {
  const duration = /^(\d{1,6})([mhdw])$/.exec(text)
  if (duration === null) return undefined
  const span = Number(duration[1]) * (UNITS[duration[2] as string] as number)
  return new Date(direction === 'future' ? now + span : now - span)
}

function isoTime(text: string): Date | undefined {
  const m = ISO_TIME.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((f) => Number(f ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const offsetHours = Number(m[10] ?? 0)
  const offsetMinutes = Number(m[11] ?? 0)
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return undefined
  }
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(
    hour,
    minute,
    second,
    m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000),
  )
  const sign = m[9] === '-' ? -1 : 1
  return new Date(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000)
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Parses `--expires`: a duration from now or an ISO 8601 time (see {@link parseTime}). */
export function parseExpiry(text: string, now = Date.now()): Date {
  return parseTime(text, '--expires', 'future', now)
}

/** Splits `--share a@x.org,b@y.org` (the flag may repeat). */
export function collectEmails(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ]
}
