import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'

// The key server's defences against bad-token floods, through `latch server`'s own flags:
// --trust-proxy, --rate-limit-anonymous and --auth-failure-interval reach the server, and a
// graceful stop appends the tally of failed authentications still counting.

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latch-hardening-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function badRewrap(server: KeyServerProcess, forwardedFor: string): Promise<number> {
  const response = await fetch(`${server.url}/v1/rewrap`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer latch_nope',
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
    },
    body: '{}',
  })
  await response.arrayBuffer()
  return response.status
}

async function authFailures(server: KeyServerProcess) {
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
  const response = await fetch(`${server.url}/v1/audit/events?type=auth.failed`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return ((await response.json()) as { events: Record<string, unknown>[] }).events
}

describe('latch server --trust-proxy, --rate-limit-anonymous, --auth-failure-interval', () => {
  it('attributes requests from the trusted proxy to the forwarded address, limits each, and records the tally on stop', async () => {
    const flags = ['--trust-proxy', '127.0.0.1,10.0.0.0/8', '--rate-limit-anonymous', '3']
    const server = await startKeyServerProcess(dir, [
      ...flags,
      '--auth-failure-interval',
      '3600000',
    ])
    try {
      const codes = []
      for (let i = 0; i < 4; i++) codes.push(await badRewrap(server, '203.0.113.9'))
      codes.push(await badRewrap(server, '203.0.113.10'))
      expect(codes).toEqual([401, 401, 401, 429, 401])
      expect((await authFailures(server)).map((e) => [e.source_ip, e.count])).toEqual([
        ['203.0.113.9', undefined],
        ['203.0.113.10', undefined],
      ])
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const again = await startKeyServerProcess(dir)
    try {
      expect((await authFailures(again)).map((e) => [e.source_ip, e.count])).toEqual([
        ['203.0.113.9', undefined],
        ['203.0.113.10', undefined],
        ['203.0.113.9', 3],
      ])
    } finally {
      await again.stop()
    }
  })

  it('refuses a malformed --trust-proxy list', async () => {
    const empty = await runCli(['server', '--data', dir, '--port', '0', '--trust-proxy', 'a,,b'])
    expect(empty.code).toBe(64)
    const range = await runCli([
      'server',
      '--data',
      dir,
      '--port',
      '0',
      '--trust-proxy',
      '10.0.0.0/33',
    ])
    expect(range.code).toBe(64)
    expect(range.stderr).toContain('ERR_CONFIG_INVALID')
  })
})
