import { setTimeout as sleep } from 'node:timers/promises'
import { keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthFailureAggregator } from '../src/audit/auth-failure-aggregator.js'
import type { ServerConfigInput } from '../src/config/server-config.js'
import { buildApp } from '../src/http/app.js'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Every bad token on /v1/rewrap used to append one chained auth.failed record;
// a flood filled the disk and, through the unsigned-tail bound, stopped every key release.

let t: TestApp
afterEach(async () => {
  await t.close()
})

const HOUR = 3_600_000

async function setup(config: ServerConfigInput) {
  t = await buildTestApp({ rateLimitAnonymousMax: 1_000_000, ...config })
  return (await t.services.store.auditHead()).size
}

function badRewrap(
  options: { token?: string; from?: string; forwardedFor?: string; batch?: boolean } = {},
) {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  if (options.forwardedFor !== undefined) headers['x-forwarded-for'] = options.forwardedFor
  return t.app.inject({
    method: 'POST',
    url: options.batch === true ? '/v1/rewrap/batch' : '/v1/rewrap',
    headers,
    payload: {},
    ...(options.from === undefined ? {} : { remoteAddress: options.from }),
  })
}

// A token of the right shape that no user holds.
const FORGED = `latch_${'A'.repeat(16)}_${'B'.repeat(43)}`

async function authFailuresAfter(seq: number) {
  const rows = await t.services.store.readAudit(seq, 100_000)
  return rows
    .map((row) => JSON.parse(Buffer.from(row.recordBytes).toString()))
    .filter((record) => record.type === 'auth.failed')
}

describe('a bad-token flood appends a bounded number of audit records', () => {
  it('records 5,000 failures from one source in one interval as at most 2 records, the last counting them all', async () => {
    const head = await setup({ authFailureIntervalMs: HOUR })
    for (let i = 0; i < 5_000; i++) {
      const response = await badRewrap(
        i % 5 === 0 ? { batch: i % 10 === 0 } : { token: i % 2 === 0 ? FORGED : 'latch_nope' },
      )
      expect(response.statusCode).toBe(401)
    }
    // The first failure shows at once.
    const during = await authFailuresAfter(head)
    expect(during).toHaveLength(1)
    expect(during[0]).toMatchObject({ route: '/v1/rewrap/batch', reason: 'missing' })
    // Graceful close appends the interval's tally.
    await t.app.close()
    const records = await authFailuresAfter(head)
    expect((await t.services.store.auditHead()).size).toBe(head + 2)
    expect(records).toHaveLength(2)
    expect(records[1]).toMatchObject({
      actor: { email: 'unauthenticated' },
      source_ip: '127.0.0.1',
      first_request_id: during[0].request_id,
      count: 5_000,
      reasons: { missing: 1_000, invalid: 4_000 },
      routes: { '/v1/rewrap': 4_500, '/v1/rewrap/batch': 500 },
    })
    expect(Date.parse(records[1].last_at)).toBeGreaterThanOrEqual(Date.parse(records[1].first_at))
  })

  it('keeps one tally per source address', async () => {
    const head = await setup({ authFailureIntervalMs: HOUR })
    for (let i = 0; i < 300; i++) {
      await badRewrap({ token: FORGED, from: i % 3 === 0 ? '192.0.2.1' : '192.0.2.2' })
    }
    await t.app.close()
    const records = await authFailuresAfter(head)
    const bySource = (ip: string) => records.filter((r) => r.source_ip === ip)
    expect(records).toHaveLength(4)
    expect(bySource('192.0.2.1').map((r) => r.count)).toEqual([undefined, 100])
    expect(bySource('192.0.2.2').map((r) => r.count)).toEqual([undefined, 200])
  })

  it('appends the tally when the interval ends, and records the next failure at once', async () => {
    const head = await setup({ authFailureIntervalMs: 200 })
    for (let i = 0; i < 20; i++) await badRewrap({ token: FORGED })
    await sleep(500)
    const records = await authFailuresAfter(head)
    expect(records.map((r) => r.count ?? 1).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20)
    expect(records.some((r) => r.count !== undefined)).toBe(true)
    const size = (await t.services.store.auditHead()).size
    await badRewrap({ token: FORGED })
    expect((await t.services.store.auditHead()).size).toBe(size + 1)
  })

  it('counts sources past the bound together, in one record without a source', async () => {
    const head = await setup({ authFailureIntervalMs: HOUR })
    const aggregator = new AuthFailureAggregator(t.services.store, t.services.checkpointer, {
      intervalMs: HOUR,
      maxSources: 2,
    })
    const fail = (ip: string, i: number) =>
      aggregator.record({
        route: '/v1/rewrap',
        reason: 'invalid',
        meta: { requestId: `r-${ip}-${i}`, sourceIp: ip },
      })
    for (let i = 0; i < 3; i++) {
      for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
        await fail(ip, i)
      }
    }
    expect(await authFailuresAfter(head)).toHaveLength(2)
    await aggregator.close()
    const records = await authFailuresAfter(head)
    expect(records).toHaveLength(5)
    expect(records[4]).toMatchObject({ other_sources: true, count: 6, reasons: { invalid: 6 } })
    expect(records[4].source_ip).toBeUndefined()
  })
})

describe('a bad-token flood no longer stops key releases', () => {
  it('keeps releasing keys to a real user during and after a flood past the unsigned-tail bound', async () => {
    await setup({
      authFailureIntervalMs: HOUR,
      maxUnsignedRecords: 50,
      checkpointRecords: 1_000_000,
    })
    const owner = t.client(await t.user('owner@example.com'))
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('secret'))
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    await t.services.checkpointer.sign()
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 200; i++)
        expect((await badRewrap({ token: FORGED })).statusCode).toBe(401)
      expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
    }
    const head = await t.services.store.auditHead()
    expect(head.size - head.signedSize).toBeLessThan(50)
  })
})

describe('unauthenticated requests meet a much lower rate limit', () => {
  it('answers 429 past the anonymous limit while an authenticated user goes on', async () => {
    await setup({ rateLimitAnonymousMax: 5, rateLimitMax: 100, authFailureIntervalMs: HOUR })
    const user = await t.user('user@example.com')
    const codes: number[] = []
    for (let i = 0; i < 8; i++) {
      codes.push((await badRewrap(i % 2 === 0 ? { token: FORGED } : {})).statusCode)
    }
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    for (let i = 0; i < 20; i++) {
      const me = await t.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${user}` } })
      expect(me.statusCode).toBe(200)
    }
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})

describe('trustProxy decides whose address a request is', () => {
  it('records the forwarded address, and limits it, only behind a trusted proxy', async () => {
    const head = await setup({
      trustProxy: ['127.0.0.1'],
      rateLimitAnonymousMax: 2,
      authFailureIntervalMs: HOUR,
    })
    const codes = []
    for (let i = 0; i < 3; i++) {
      codes.push((await badRewrap({ token: FORGED, forwardedFor: '203.0.113.9' })).statusCode)
    }
    codes.push((await badRewrap({ token: FORGED, forwardedFor: '203.0.113.10' })).statusCode)
    expect(codes).toEqual([401, 401, 429, 401])
    const records = await authFailuresAfter(head)
    expect(records.map((r) => r.source_ip)).toEqual(['203.0.113.9', '203.0.113.10'])
  })

  it('ignores X-Forwarded-For from anyone when no proxy is trusted', async () => {
    const head = await setup({ rateLimitAnonymousMax: 2, authFailureIntervalMs: HOUR })
    const codes = []
    for (const forwardedFor of ['203.0.113.9', '203.0.113.10', '203.0.113.11']) {
      codes.push((await badRewrap({ token: FORGED, forwardedFor })).statusCode)
    }
    expect(codes).toEqual([401, 401, 429])
    const records = await authFailuresAfter(head)
    expect(records.map((r) => r.source_ip)).toEqual(['127.0.0.1'])
  })

  it('refuses a malformed trusted-proxy list with ERR_CONFIG_INVALID', async () => {
    await setup({})
    for (const trustProxy of [['10.0.0.0/33'], ['proxy.internal']]) {
      const config = { ...t.services.config, trustProxy }
      await expect(buildApp({ ...t.services, config })).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
      })
    }
  })
})
