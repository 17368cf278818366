import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, nodeHttpTransport, PolicyBatcher } from '@latch/client'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/server.js'
import { BATCH_MAX, type BatchHarness, policyBatchContract } from './policy-batch-contract.js'

// Issue 16: concurrent small puts share one key-server request, on SQLite (the group commit).

let dir: string
let server: RunningServer
let saboteur: Database.Database
let harness: BatchHarness
const triggers: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-policy-batch-'))
  server = await startServer({ dataDir: dir, port: 0, logger: false, batchMax: BATCH_MAX })
  // Another connection breaks audit writes, the SQLite analogue of a full disk.
  saboteur = new Database(join(dir, 'latch.db'))
  harness = {
    server,
    adminToken: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
    async sabotage(policyIds) {
      const match = policyIds.map((id) => `instr(CAST(NEW.record AS TEXT), '${id}') > 0`)
      const name = `sabotage_${triggers.push(`sabotage_${triggers.length}`) - 1}`
      saboteur.exec(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_log
        WHEN ${match.join(' OR ')} BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
    },
    async repair() {
      for (const name of triggers.splice(0)) saboteur.exec(`DROP TRIGGER IF EXISTS ${name}`)
    },
  }
})

afterAll(async () => {
  saboteur?.close()
  await server?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

policyBatchContract('SQLite', () => harness)

describe('PolicyBatcher against a server without the batch route', () => {
  it('falls back to one POST /v1/policies per creation, and creates every one', async () => {
    const admin = new KeyServerClient({ server: server.url, token: harness.adminToken })
    const { token } = await admin.createUser('fallback@example.com')
    const paths: string[] = []
    // The batch route renamed on the way: the server answers it as any route it does not have.
    const older = new KeyServerClient({
      server: server.url,
      token,
      transport: (request) => {
        const url = request.url.replace(/\/v1\/policies\/batch$/, '/v1/policies/batch-unknown')
        paths.push(`${request.method} ${new URL(url).pathname}`)
        return nodeHttpTransport({ ...request, url })
      },
    })
    const batcher = new PolicyBatcher(older, { schedule: (task) => setImmediate(task) })
    const create = () =>
      batcher.create({
        claim: randomBytes(32).toString('base64url'),
        object: { objectId: 'A'.repeat(22), coreHash: randomBytes(32).toString('base64url') },
      })
    const first = await Promise.all([create(), create(), create()])
    expect(new Set(first.map((p) => p.id)).size).toBe(3)
    expect(paths).toEqual([
      'POST /v1/policies/batch-unknown',
      'POST /v1/policies',
      'POST /v1/policies',
      'POST /v1/policies',
    ])
    paths.length = 0
    await Promise.all([create(), create()])
    expect(paths).toEqual(['POST /v1/policies', 'POST /v1/policies'])
  })
})
