import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll } from 'vitest'
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
