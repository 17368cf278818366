import { spawnSync } from 'node:child_process'
import { hash } from 'node:crypto'
import { join } from 'node:path'
import type { AuditRow, CheckpointVerifierKey } from '@latch/audit'
import { openSqliteStore, type Store, verifyStore } from '@latch/server'
import { LATCH_BIN } from '@latch/testkit/latch-process'
import { compareRates } from '../shared/measure.js'
import { printTable } from '../shared/report.js'

/** What {@link benchAuditVerify} measured, for other sections' summaries. */
export interface AuditVerifyFigures {
  readonly records: number
  /** `verifyStore` records per second (median), and its ratio to raw SHA-256. */
  readonly rate: number
  readonly ratio: number
  /** The checkpoint key the store holds, under which the chain verified. */
  readonly key: CheckpointVerifierKey
}

/**
 * The baseline hashes at most this many rows, held in memory: a rate per record needs no more,
 * and holding a 1,000,000-record log in the heap would slow the verifier measured next to it
 * (garbage collection over a gigabyte).
 */
const BASELINE_ROWS = 200_000

/** Unbounded, so that opening the verifier's store never refuses a long unsigned tail. */
const NO_TAIL_BOUNDS = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }

/**
 * Audit records verified per second by `verifyStore` on a read-only SQLite store (rows read from
 * the database, leaf and chain hashes, record checks, checkpoint signatures), next to raw
 * SHA-256 of the first 200,000 records' bytes twice per record (leaf, then a 73-byte chain
 * link) from memory, in alternating rounds; then `latch audit verify --data` once, for the wall time of the
 * command. Throws when the chain does not verify.
 *
 * @returns the verifier's figures (the table is printed).
 */
export async function benchAuditVerify(
  dataDir: string,
  rounds: number,
  filled: number,
): Promise<AuditVerifyFigures> {
  process.stderr.write('audit verify …\n')
  const file = join(dataDir, 'latch.db')
  const store = openSqliteStore({ file, readonly: true, tailBounds: NO_TAIL_BOUNDS })
  let checkpoints = 0
  let records = 0
  let unsigned = 0
  let key: CheckpointVerifierKey | undefined
  try {
    records = await countRows(store)
    const rows = await readRows(store, BASELINE_ROWS)
    const result = await compareRates(rounds, async () => hashTwice(rows), {
      read: async () => {
        const started = performance.now()
        const count = await countRows(store)
        return count / ((performance.now() - started) / 1000)
      },
      // The same verification with the rows read on the calling thread (before the worker).
      'verify-one-thread': async () => {
        const started = performance.now()
        const report = await verifyStore(withoutWorkerScan(store))
        if (!report.ok) throw new Error('the audit log does not verify (one thread)')
        return report.records / ((performance.now() - started) / 1000)
      },
      verify: async () => {
        const started = performance.now()
        const report = await verifyStore(store)
        const seconds = (performance.now() - started) / 1000
        if (!report.ok || report.records !== records) {
          throw new Error(`the audit log does not verify: ${report.firstBad?.message ?? 'count'}`)
        }
        checkpoints = report.checkpoints
        key = report.key
        unsigned = report.unsignedRecords
        return report.records / seconds
      },
    })
    const cli = runCliVerify(dataDir)
    printTable(
      `Audit chain verified, ${records.toLocaleString('en')} records (${filled.toLocaleString('en')} of them appended copies of real ones), ${checkpoints} checkpoints, ${unsigned} unsigned (median of ${rounds} rounds)`,
      [
        {
          what: 'raw SHA-256 twice per record (leaf + chain link), from memory (baseline)',
          value: result.baseline,
          unit: 'records/s',
          ratio: 1,
        },
        {
          what: 'reading the rows alone (`store.iterateAudit`, pages of 10,000)',
          value: result.rates.read ?? 0,
          unit: 'records/s',
          ratio: result.ratios.read ?? 0,
        },
        {
          what: 'verifyStore, rows read on the same thread (`scanAudit`, the previous path)',
          value: result.rates['verify-one-thread'] ?? 0,
          unit: 'records/s',
          ratio: result.ratios['verify-one-thread'] ?? 0,
        },
        {
          what: 'verifyStore on a read-only SQLite store, pages read and leaf-hashed in a worker: report ok',
          value: result.rates.verify ?? 0,
          unit: 'records/s',
          ratio: result.ratios.verify ?? 0,
          goal: '≥ 250,000/s',
        },
        {
          what: `\`latch audit verify --data\`, whole command once (${(cli.seconds).toFixed(2)} s wall, exit ${cli.status})`,
          value: records / cli.seconds,
          unit: 'records/s',
          ratio: records / cli.seconds / result.baseline,
        },
      ],
    )
    if (cli.status !== 0) throw new Error(`latch audit verify exited ${cli.status}: ${cli.stderr}`)
    if (key === undefined) throw new Error('no verification ran')
    return { records, rate: result.rates.verify ?? 0, ratio: result.ratios.verify ?? 0, key }
  } finally {
    await store.close()
  }
}

/** The store without its worker scan, so that `verifyStore` reads on the calling thread. */
function withoutWorkerScan(store: Store): Store {
  return new Proxy(store, {
    get(target, name) {
      if (name === 'scanAuditConcurrently') return undefined
      const value: unknown = Reflect.get(target, name, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** The first `limit` rows, held in memory for the baseline. */
async function readRows(store: Store, limit: number): Promise<AuditRow[]> {
  const rows: AuditRow[] = []
  for await (const row of store.iterateAudit(0)) {
    if (rows.length === limit) break
    rows.push(row)
  }
  return rows
}

/** Reads every row without keeping them. */
async function countRows(store: Store): Promise<number> {
  let count = 0
  for await (const _row of store.iterateAudit(0)) count++
  return count
}

/**
 * Records per second of SHA-256(record) then SHA-256(0x02 ‖ previous ‖ be64(seq) ‖ leaf), the
 * digests taken as latin1 strings: on Node 20 that is about 3× faster than as Buffers, whose
 * allocation dominates for inputs this small.
 */
function hashTwice(rows: readonly AuditRow[]): number {
  const link = Buffer.alloc(1 + 32 + 8 + 32)
  link[0] = 0x02
  const started = performance.now()
  for (const row of rows) {
    link.write(hash('sha256', row.recordBytes, 'binary'), 41, 'binary')
    link.writeUInt32BE(Math.floor(row.seq / 0x1_0000_0000), 33)
    link.writeUInt32BE(row.seq >>> 0, 37)
    link.write(hash('sha256', link, 'binary'), 1, 'binary')
  }
  return rows.length / ((performance.now() - started) / 1000)
}

function runCliVerify(dataDir: string): { seconds: number; status: number | null; stderr: string } {
  const started = performance.now()
  const result = spawnSync(process.execPath, [LATCH_BIN, 'audit', 'verify', '--data', dataDir], {
    encoding: 'utf8',
  })
  return {
    seconds: (performance.now() - started) / 1000,
    status: result.status,
    stderr: result.stderr,
  }
}
