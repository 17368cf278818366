import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@latch/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// `latch audit export -o FILE` writes the file only once it is complete: a connection lost in the
// middle of the records leaves no partial export behind, and an earlier export at that path as it
// was. The key server is a real one; between it and the CLI, a relay passes everything through
// but drops the connection of the second page of records (the first one is on disk by then).

let dir: string
let server: RunningServer
let relay: Server
let token: string
let relayUrl: string
let recordPages = 0

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-export-atomic-'))
  server = await startServer({ dataDir: join(dir, 'data'), port: 0, logger: false })
  token = readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim()
  // More than one page of records (10,000 a page), about 3 MB of export.
  for (let i = 0; i < 10_050; i++) {
    await server.services.store.appendAudit({
      type: 'server.start',
      actor: { email: 'system', scheme: 'system' },
      n: i,
    })
  }
  relay = createServer((req, res) => {
    if (req.url?.startsWith('/v1/audit/records') === true && ++recordPages === 2) {
      req.socket.destroy()
      return
    }
    const upstream = request(
      `${server.url}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => relay.close(resolve))
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('latch audit export -o FILE', () => {
  it('leaves no partial file, and an earlier export untouched, when the connection drops midway', async () => {
    const out = join(dir, 'out')
    mkdirSync(out)
    const file = join(out, 'audit.jsonl')
    writeFileSync(file, 'the export of last week\n')
    const failed = await runInProcess(['audit', 'export', '-o', file], {
      LATCH_SERVER: relayUrl,
      LATCH_TOKEN: token,
    })
    expect(recordPages).toBe(2)
    expect(failed.code, failed.stderr).toBe(69)
    expect(readdirSync(out)).toEqual(['audit.jsonl'])
    expect(readFileSync(file, 'utf8')).toBe('the export of last week\n')

    // Straight from the server, the export replaces it, whole.
    const exported = await runInProcess(['audit', 'export', '-o', file], {
      LATCH_SERVER: server.url,
      LATCH_TOKEN: token,
    })
    expect(exported.code, exported.stderr).toBe(0)
    expect(readdirSync(out)).toEqual(['audit.jsonl'])
    const key = /--key '([^']+)'/.exec(exported.stderr)?.[1] as string
    const verified = await runInProcess(['audit', 'verify', '--file', file, '--key', key], {})
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/10,05\d records/)
  })
})
