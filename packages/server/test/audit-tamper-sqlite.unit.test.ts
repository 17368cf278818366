import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chainHash, leafHash } from '@latch/audit'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { verifyStore } from '../src/audit/verify-store.js'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'

// Tamper detection on the real SQLite store: an attacker with write access to the
// database file (triggers dropped) edits, deletes, swaps, rewrites or truncates audit rows; the
// verifier names the right record or checkpoint every time, and never alarms on an untouched copy.

const RECORDS = 1200
const EVERY = 200
const TRIALS = process.env.SLOW === '1' ? 100 : 12
const bounds = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }

let dir: string
let pristine: string
let signedSize: number
let checkpointSizes: number[]
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-tamper-'))
  pristine = join(dir, 'pristine.db')
  const store = openSqliteStore({ file: pristine, tailBounds: bounds })
  const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 3)))
  const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 1e9 })
  for (let i = 1; i <= RECORDS; i++) {
    await store.appendAudit(
      auditEvent(
        'key.release',
        SYSTEM_IDENTITY,
        { requestId: `r-${i}`, sourceIp: '127.0.0.1' },
        { n: i, policy_id: `p-${i % 7}` },
      ),
    )
    if (i % EVERY === 0) await checkpointer.sign()
  }
  signedSize = (await store.auditHead()).signedSize
  checkpointSizes = (await store.listCheckpoints()).map((c) => c.size)
  await store.close()
  const db = new Database(pristine)
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let trial = 0
async function tamperAndVerify(tamper: (db: Database.Database) => void) {
  const file = join(dir, `trial-${trial++}.db`)
  copyFileSync(pristine, file)
  const db = new Database(file)
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete')
  db.transaction(() => tamper(db))()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  const store = openSqliteStore({ file, readonly: true, tailBounds: bounds })
  try {
    return await verifyStore(store)
  } finally {
    await store.close()
    rmSync(file, { force: true })
  }
}

function row(db: Database.Database, seq: number) {
  return db.prepare('SELECT record, entry_hash FROM audit_log WHERE seq = ?').get(seq) as {
    record: Buffer
    entry_hash: Buffer
  }
}

// A deterministic pick of positions, so a failure reproduces.
let state = 12345
function pick(from: number, to: number): number {
  state = (state * 1103515245 + 12345) % 2 ** 31
  return from + (state % (to - from + 1))
}

describe('tamper detection on the SQLite store', () => {
  it('raises no alarm on untouched copies', async () => {
    for (let i = 0; i < 3; i++) {
      const report = await tamperAndVerify(() => undefined)
      expect(report).toMatchObject({ ok: true, records: RECORDS + 2, problems: [] })
    }
  })

  it('names an edited record (stored hashes left alone)', async () => {
    for (let i = 0; i < TRIALS; i++) {
      const k = pick(3, RECORDS)
      const report = await tamperAndVerify((db) => {
        const edited = Buffer.from(row(db, k).record.toString().replace('"n":', '"n":1'))
        db.prepare('UPDATE audit_log SET record = ? WHERE seq = ?').run(edited, k)
      })
      expect(report.firstBad).toMatchObject({ seq: k, kind: 'entry-hash-mismatch' })
    }
  })

  // The read-only scan reads a row's entry hash and record as one blob and splits it at the
  // hash's stored length: a hash of another length must not shift bytes into the record.
  it('names a record whose stored entry hash lost its last byte', async () => {
    for (let i = 0; i < 3; i++) {
      const k = pick(3, RECORDS)
      const report = await tamperAndVerify((db) => {
        const short = row(db, k).entry_hash.subarray(0, 31)
        db.prepare('UPDATE audit_log SET entry_hash = ? WHERE seq = ?').run(short, k)
      })
      expect(report.firstBad).toMatchObject({ seq: k, kind: 'entry-hash-mismatch' })
      expect(report.problems).toHaveLength(1)
    }
  })

  it('names a deleted record', async () => {
    for (let i = 0; i < TRIALS; i++) {
      const k = pick(3, RECORDS)
      const report = await tamperAndVerify((db) =>
        db.prepare('DELETE FROM audit_log WHERE seq = ?').run(k),
      )
      expect(report.firstBad).toMatchObject({ seq: k, kind: 'seq-gap' })
    }
  })

  it('names the first of two swapped records', async () => {
    for (let i = 0; i < TRIALS; i++) {
      const a = pick(3, RECORDS - 1)
      const b = pick(a + 1, RECORDS)
      const report = await tamperAndVerify((db) => {
        const ra = row(db, a)
        const rb = row(db, b)
        const set = db.prepare('UPDATE audit_log SET record = ?, entry_hash = ? WHERE seq = ?')
        set.run(rb.record, rb.entry_hash, a)
        set.run(ra.record, ra.entry_hash, b)
      })
      expect(report.firstBad).toMatchObject({ seq: a, kind: 'record-seq-mismatch' })
    }
  })

  it('places a rewrite with every hash recomputed inside the checkpoint interval it broke', async () => {
    for (let i = 0; i < TRIALS; i++) {
      const k = pick(3, signedSize)
      const report = await tamperAndVerify((db) => {
        let previous = k === 1 ? undefined : row(db, k - 1).entry_hash
        const last = (db.prepare('SELECT max(seq) AS m FROM audit_log').get() as { m: number }).m
        for (let seq = k; seq <= last; seq++) {
          const original = row(db, seq).record
          const record =
            seq === k ? Buffer.from(original.toString().replace('"n":', '"n":1')) : original
          const entry = chainHash(previous as Buffer, seq, leafHash(record))
          db.prepare('UPDATE audit_log SET record = ?, entry_hash = ? WHERE seq = ?').run(
            record,
            entry,
            seq,
          )
          previous = entry
        }
      })
      const intervalStart = Math.max(0, ...checkpointSizes.filter((size) => size < k)) + 1
      expect(report.firstBad).toMatchObject({ kind: 'checkpoint-mismatch', seq: intervalStart })
      expect(report.firstBad?.seq).toBeLessThanOrEqual(k)
    }
  })

  it('detects a log truncated below its last checkpoint', async () => {
    for (let i = 0; i < TRIALS; i++) {
      const s = pick(10, signedSize - 1)
      const report = await tamperAndVerify((db) => {
        db.prepare('DELETE FROM audit_log WHERE seq > ?').run(s)
        db.prepare('UPDATE audit_head SET size = ?').run(s)
      })
      expect(report.ok).toBe(false)
      expect(report.firstBad).toMatchObject({ seq: s + 1, kind: 'truncated' })
    }
  })
})
