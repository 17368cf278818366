import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTimeInput } from '../src/http/parse-time-input.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// `2030-06-30T23:59:60Z` passed ajv's `date-time` format, `new Date()` made an
// Invalid Date of it and `toISOString()` threw: a 500. Every route that takes a time now reads
// it with one schema and one parse function, and answers 400 for anything that is not an instant.

let t: TestApp
let policyId: string
const auth = () => ({ authorization: `Bearer ${t.adminToken}` })

beforeAll(async () => {
  t = await buildTestApp({ rateLimitMax: 10_000_000 })
  policyId = (await t.client(t.adminToken).createPolicy({})).id
})
afterAll(async () => {
  await t.close()
})

/** Every place a request gives a time: what a user would send, and the answer. */
const routes: Record<string, (time: string) => Promise<{ statusCode: number; json(): unknown }>> = {
  'POST /v1/policies expiresAt': (time) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/policies',
      headers: auth(),
      payload: { expiresAt: time },
    }),
  'POST /v1/policies/:id/expiry expiresAt': (time) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/policies/${policyId}/expiry`,
      headers: auth(),
      payload: { expiresAt: time },
    }),
  'GET /v1/audit/events since': (time) =>
    t.app.inject({
      url: `/v1/audit/events?since=${encodeURIComponent(time)}`,
      headers: auth(),
    }),
  'GET /v1/audit/events until': (time) =>
    t.app.inject({
      url: `/v1/audit/events?until=${encodeURIComponent(time)}`,
      headers: auth(),
    }),
}

const malformed = {
  'a leap second': '2030-06-30T23:59:60Z',
  'a leap second with an offset': '2030-06-30T22:59:60-01:00',
  'month 13': '2030-13-01T00:00:00Z',
  'month 0': '2030-00-10T00:00:00Z',
  'day 32': '2030-01-32T00:00:00Z',
  'February 30': '2030-02-30T00:00:00Z',
  'February 29 of a common year': '2031-02-29T00:00:00Z',
  'hour 24': '2030-01-01T24:00:00Z',
  'T25:00': '2030-01-01T25:00:00Z',
  'minute 60': '2030-01-01T10:60:00Z',
  'a huge year': '+275760-09-13T00:00:00Z',
  'a five-digit year': '99999-01-01T00:00:00Z',
  'past the year 9999 once the offset is applied': '9999-12-31T23:59:59-00:01',
  'before the year 0 once the offset is applied': '0000-01-01T00:00:00+00:01',
  'offset +24:00': '2030-01-01T00:00:00+24:00',
  'offset +23:60': '2030-01-01T00:00:00+23:60',
  'offset +01 (no minutes)': '2030-01-01T00:00:00+01',
  'offset +0100 (no colon)': '2030-01-01T00:00:00+0100',
  'no zone': '2030-01-01T00:00:00',
  'no seconds': '2030-01-01T00:00Z',
  'a space for T': '2030-01-01 00:00:00Z',
  'a date only': '2030-01-01',
  text: 'tomorrow',
}

describe('every time a request gives is an instant, or 400 — never 500', () => {
  for (const [route, send] of Object.entries(routes)) {
    for (const [what, time] of Object.entries(malformed)) {
      it(`${route}: ${what} (${time}) → 400 ERR_REQUEST_INVALID`, async () => {
        const answer = await send(time)
        expect(answer.statusCode, JSON.stringify(answer.json())).toBe(400)
        expect(answer.json()).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
      })
    }
  }

  it('still takes RFC 3339 times with fractions and offsets, as the instant they name', async () => {
    const created = await routes['POST /v1/policies expiresAt']?.('2030-01-31T19:00:00.5+01:00')
    expect(created?.statusCode).toBe(201)
    expect(created?.json()).toMatchObject({ expiresAt: '2030-01-31T18:00:00.500Z' })
    const changed = await routes['POST /v1/policies/:id/expiry expiresAt']?.(
      '2032-02-29t23:30:00-00:45',
    )
    expect(changed?.statusCode).toBe(200)
    expect(changed?.json()).toMatchObject({ expiresAt: '2032-03-01T00:15:00.000Z' })
    for (const time of ['1970-01-01T00:00:00Z', '9999-12-31T00:00:00.999999-23:59']) {
      expect((await routes['GET /v1/audit/events since']?.(time))?.statusCode).toBe(200)
    }
  })

  // Dates built field by field: mostly in range, often on a bound or just past it, sometimes
  // anything that fits the width; in every zone shape.
  const field = (min: number, max: number, width: number) =>
    fc
      .oneof(
        { weight: 4, arbitrary: fc.integer({ min, max }) },
        { weight: 2, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 ** width - 1 }) },
      )
      .map((n) => String(Math.max(n, 0)).padStart(width, '0'))
  const zone = fc.oneof(
    fc.constantFrom('Z', 'z', '', '+00:00', '-00:00'),
    fc
      .tuple(
        fc.constantFrom('+', '-'),
        field(0, 23, 2),
        field(0, 59, 2),
        fc.constantFrom(':', ':', ':', '', '!'),
      )
      .map(([sign, h, m, sep]) => `${sign}${h}${sep}${m}`),
    fc.tuple(fc.constantFrom('+', '-'), field(0, 23, 2)).map(([sign, h]) => `${sign}${h}`),
  )
  const dateLike = fc
    .tuple(
      fc.oneof(field(0, 9999, 4), fc.integer({ min: 10_000, max: 999_999 }).map(String)),
      field(1, 12, 2),
      field(1, 31, 2),
      fc.constantFrom('T', 'T', 't', ' '),
      field(0, 23, 2),
      field(0, 59, 2),
      field(0, 60, 2),
      fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,12}$/)),
      zone,
    )
    .map(([y, mo, d, sep, h, mi, s, frac, z]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${z}`)
  // Leap seconds (23:59:60 UTC) written in any zone: what ajv's `date-time` lets through.
  const leapSecond = fc
    .tuple(
      fc.date({
        min: new Date('1972-01-01T00:00:00Z'),
        max: new Date('9998-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    )
    .map(([day, offset]) => {
      const utc = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 23, 59)
      const abs = Math.abs(offset)
      const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
      return `${new Date(utc + offset * 60_000).toISOString().slice(0, 17)}60${zone}`
    })

  it('answers every malformed or valid date-like string with 400 or success, never 5xx (fast-check)', async () => {
    const names = Object.keys(routes)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.oneof(dateLike, leapSecond),
        async (route, time) => {
          const answer = await (routes[route] as (time: string) => Promise<{ statusCode: number }>)(
            time,
          )
          expect(answer.statusCode).toBeLessThan(500)
          if (answer.statusCode >= 400) expect(answer.statusCode).toBe(400)
        },
      ),
      { numRuns: process.env.SLOW === '1' ? 5_000 : 300 },
    )
  })
})

describe('parseTimeInput reads the instant field by field', () => {
  it('reads every valid time as the instant it names, and refuses what Date would roll over', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000)
          if (local.getUTCFullYear() < 0 || local.getUTCFullYear() > 9999) return
          const abs = Math.abs(offset)
          const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
          const text = `${local.toISOString().slice(0, 23)}${zone}`
          expect(parseTimeInput(text, 'at').getTime()).toBe(date.getTime())
        },
      ),
    )
    // Date.UTC reads years 0–99 as 1900–1999; this must not.
    expect(parseTimeInput('0042-03-04T05:06:07Z', 'at').toISOString()).toBe(
      '0042-03-04T05:06:07.000Z',
    )
    expect(parseTimeInput('2000-02-29T00:00:00Z', 'at').toISOString()).toBe(
      '2000-02-29T00:00:00.000Z',
    )
    for (const bad of ['1900-02-29T00:00:00Z', '2030-04-31T00:00:00Z', '2030-01-01T24:00:00Z']) {
      expect(() => parseTimeInput(bad, 'at')).toThrow(/at is not a valid time/)
    }
  })
})
