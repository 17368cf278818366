import { CliError } from './errors.js'

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Parses a time given on the command line: a duration (`90m`, `12h`, `30d`, `2w`) counted from
 * now into the future (`--expires`) or the past (`--since`), or an ISO 8601 date or time with a
 * time zone (`2027-01-31T18:00:00Z`).
 * @throws CliError `ERR_CLI_USAGE`, naming `flag`.
 */
export function parseTime(
  text: string,
  flag: string,
  direction: 'future' | 'past',
  now = Date.now(),
): Date {
  const duration = /^(\d{1,6})([mhdw])$/.exec(text)
  if (duration !== null) {
    const span = Number(duration[1]) * (UNITS[duration[2] as string] as number)
    return new Date(direction === 'future' ? now + span : now - span)
  }
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    const date = new Date(text)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new CliError(
    'ERR_CLI_USAGE',
    `${flag} ${text}: use a duration (30d, 12h, 90m, 2w${direction === 'past' ? ' ago' : ''}) or an ISO 8601 time`,
  )
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
