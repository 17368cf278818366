import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// A time given on the command line is read field by field. What is not a real instant (a leap
// second, February 30, T24:00, an offset past 23:59, a year past 9999) is a usage error, exit 64,
// before anything is sent; `new Date()` used to roll some of these over into another day and send
// that.

// Nothing listens on port 9 (discard) on loopback: a command that gets past its flags fails fast
// with 69, which tells a time that was taken from one that was refused.
const env = {
  LATCH_SERVER: 'http://127.0.0.1:9',
  LATCH_TOKEN: 'latch_x_y',
  AWS_REGION: 'us-east-1',
}
let file: string

beforeAll(() => {
  file = join(mkdtempSync(join(tmpdir(), 'latch-time-')), 'plain.txt')
  writeFileSync(file, 'x')
})

const malformed = {
  'a leap second': '2030-06-30T23:59:60Z',
  'month 13': '2030-13-01',
  'day 32': '2030-01-32',
  'February 30': '2030-02-30',
  'February 29 of a common year': '2031-02-29T12:00Z',
  'hour 24': '2030-01-01T24:00Z',
  'T25:00': '2030-01-01T25:00Z',
  'offset +24:00': '2030-01-01T00:00+24:00',
  'a year past 9999 once the offset is applied': '9999-12-31T23:59-01:00',
  'a huge year': '+275760-09-13T00:00:00Z',
  'a five-digit year': '99999-01-01',
  'a duration past the year 9999': '999999w',
}

const commands: Record<string, (time: string) => string[]> = {
  'latch expire': (time) => ['expire', 'p-x', time],
  'latch put --expires': (time) => ['put', file, 's3://bucket/key', '--expires', time],
  'latch encrypt --expires': (time) => ['encrypt', file, '-o', `${file}.latch`, '--expires', time],
  'latch audit --since': (time) => ['audit', '--since', time],
  'latch audit --until': (time) => ['audit', 'p-x', '--until', time],
  'latch audit report --since': (time) => ['audit', 'report', 'p-x', '--since', time],
}

describe('a malformed time on the command line is a usage error (exit 64), never a crash', () => {
  for (const [command, args] of Object.entries(commands)) {
    for (const [what, time] of Object.entries(malformed)) {
      it(`${command} ${time} (${what}) → exit 64`, async () => {
        const result = await runInProcess(args(time), env)
        expect(result.code, result.stderr).toBe(64)
        expect(result.stderr).toMatch(/^latch: --(expires|since|until) /)
      })
    }
  }

  it('still takes durations, dates and times with offsets (they reach the server: exit 69 here)', async () => {
    for (const time of ['30d', '2030-02-28', '2032-02-29T23:30-00:45', '2030-01-31T18:00:00.5Z']) {
      const result = await runInProcess(['expire', 'p-x', time], env)
      expect(result.code, result.stderr).toBe(69)
    }
  })

  it('answers any date-like text with 64 or by going on, never 70 (fast-check)', async () => {
    const field = (width: number) =>
      fc.integer({ min: 0, max: 10 ** width - 1 }).map((n) => String(n).padStart(width, '0'))
    const dateLike = fc
      .tuple(
        field(4),
        field(2),
        field(2),
        fc.option(fc.tuple(field(2), field(2), fc.option(field(2)))),
        fc.constantFrom('', 'Z', '+00:00', '-23:59', '+24:00', '+01'),
      )
      .map(
        ([y, mo, d, time, zone]) =>
          `${y}-${mo}-${d}${time === null ? '' : `T${time[0]}:${time[1]}${time[2] === null ? '' : `:${time[2]}`}${zone}`}`,
      )
    await fc.assert(
      fc.asyncProperty(fc.oneof(dateLike, fc.string({ maxLength: 30 })), async (time) => {
        const result = await runInProcess(['expire', 'p-x', time], env)
        expect([64, 69]).toContain(result.code)
      }),
      { numRuns: process.env.SLOW === '1' ? 2_000 : 100 },
    )
  })
})
