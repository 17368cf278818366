import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { KeyServerClient, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/server.js'
import { encryptFor } from './helpers/encrypt-for.js'

describe('logs', () => {
  it('hold no token, key, share or plaintext, even at trace level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-logs-'))
    let log = ''
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString()
        done()
      },
    })
    const server = await startServer({ dataDir: dir, port: 0, logger: { level: 'trace', stream } })
    try {
      const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
      const admin = new KeyServerClient({ server: server.url, token: adminToken })
      const { token } = await admin.createUser('owner@example.com')
      const owner = new KeyServerClient({ server: server.url, token })
      const policy = await owner.createPolicy({})
      const plaintext = 'PLAINTEXT-MARKER-4711'
      const { object, header } = await encryptFor(owner, policy.id, Buffer.from(plaintext))
      const kasId = (await owner.keys()).kasId
      expect(
        Buffer.from(await decryptBuffer(object, keyServerResolver({ [kasId]: owner }))).toString(),
      ).toBe(plaintext)
      await new KeyServerClient({ server: server.url, token: `${token}x` })
        .me()
        .catch(() => undefined)
      await fetch(`${server.url}/v1/rewrap`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"core":',
      })
      const rootKey = readFileSync(join(dir, 'root.key'), 'utf8').trim()
      // latch_<12-character id>_<43-character secret>
      const secretPart = (t: string) => t.slice('latch_'.length + 13)
      expect(secretPart(token)).toHaveLength(43)
      expect(log.length).toBeGreaterThan(1000)
      expect(log).toContain('"reqId"')
      for (const secret of [
        secretPart(adminToken),
        secretPart(token),
        rootKey,
        plaintext,
        header.entries[0]?.jwe.split('.')[1] as string,
      ]) {
        expect(log).not.toContain(secret)
      }
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
