import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase } from '@latch/testkit/postgres'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'
import { type RunningServer, startServer } from '../src/server.js'
import { BATCH_MAX, type BatchHarness, policyBatchContract } from './policy-batch-contract.js'

// Issue 16: concurrent small puts share one key-server request, on PostgreSQL (one transaction
// per item).

let dir: string
let server: RunningServer
let saboteur: pg.Client
let harness: BatchHarness
const triggers: string[] = []

beforeAll(async () => {
  const database = await createDatabase(inject('postgresUrl'))
  dir = mkdtempSync(join(tmpdir(), 'latch-pg-policy-batch-'))
  server = await startServer({
    dataDir: dir,
    database,
    port: 0,
    logger: false,
    batchMax: BATCH_MAX,
  })
  saboteur = new pg.Client({ connectionString: database })
  await saboteur.connect()
  harness = {
    server,
    adminToken: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
    async sabotage(policyIds) {
      const ids = policyIds.map((id) => `'${id}'`).join(', ')
      await saboteur.query(`CREATE OR REPLACE FUNCTION sabotage() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`)
      const name = `sabotage_${triggers.push(`sabotage_${triggers.length}`) - 1}`
      await saboteur.query(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_log FOR EACH ROW
        WHEN (NEW.policy_id IN (${ids})) EXECUTE FUNCTION sabotage()`)
    },
    async repair() {
      for (const name of triggers.splice(0)) {
        await saboteur.query(`DROP TRIGGER IF EXISTS ${name} ON audit_log`)
      }
    },
  }
})

afterAll(async () => {
  await saboteur?.end()
  await server?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

policyBatchContract('PostgreSQL', () => harness)
