import { CliError } from './errors.js'

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Parses `--expires`: a duration from now (`90m`, `12h`, `30d`, `2w`) or an ISO 8601 time with a
 * time zone (`2027-01-31T18:00:00Z`).
 * @throws CliError `ERR_CLI_USAGE`.
 */
export function parseExpiry(text: string, now = Date.now()): Date {
  const duration = /^(\d{1,6})([mhdw])$/.exec(text)
  if (duration !== null)
    return new Date(now + Number(duration[1]) * (UNITS[duration[2] as string] as number))
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    const date = new Date(text)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw new CliError(
    'ERR_CLI_USAGE',
    `--expires ${text}: use a duration (30d, 12h, 90m, 2w) or an ISO 8601 time`,
  )
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
