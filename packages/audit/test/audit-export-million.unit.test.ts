import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  type AuditExportCheckpoint,
  type AuditRow,
  chainHash,
  encodeAuditExport,
  genesisHash,
  leafHash,
  readAuditExport,
  verifyAuditLog,
} from '@latch/audit'
import { afterAll, expect, it } from 'vitest'
import { key, noteFor, ORIGIN, T0 } from './audit-chain.js'

// A 1,000,000-record export written to a file and read back through the verifier, in constant
// memory. The records are small canonical key-release records made by a template (the realistic
// chain of tamper-million.unit.test.ts takes a minute to seal), and the chain is made twice (once
// for the checkpoints, which come first in the file, once while writing), so no row is ever kept.

const RECORDS = 1_000_000
const EVERY = 10_000
// Keeping every row read (its object, bytes and hash) would take more than 400 MB.
const MEMORY_BOUND = 128 * 1024 * 1024

function record(seq: number): Buffer {
  return Buffer.from(
    `{"actor":{"email":"user${seq % 97}@example.com","scheme":"token"},"decision":"permit","object_id":"o-${(seq * 7919).toString(36).padStart(12, '0')}","policy_id":"p-${(seq % 1000).toString(36).padStart(8, '0')}","seq":${seq},"time":"${new Date(T0 + seq * 10).toISOString()}","type":"key.release","v":1}`,
  )
}

function* chain(): Generator<AuditRow> {
  let head: Uint8Array = genesisHash(ORIGIN)
  for (let seq = 1; seq <= RECORDS; seq++) {
    const recordBytes = record(seq)
    head = chainHash(head, seq, leafHash(recordBytes))
    yield { seq, recordBytes, entryHash: head }
  }
}

let dir: string | undefined
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

it('writes and verifies a 1,000,000-record export file in constant memory', async () => {
  const checkpoints: AuditExportCheckpoint[] = []
  let last: AuditRow | undefined
  for (const row of chain()) {
    last = row
    if (row.seq % EVERY !== 0) continue
    const previous = checkpoints.at(-1)?.note
    const fields = { size: row.seq, headHash: row.entryHash }
    const note = noteFor(previous === undefined ? fields : { ...fields, previous })
    checkpoints.push({ size: row.seq, note, signedAt: new Date(T0 + row.seq * 10) })
  }
  dir = await mkdtemp(join(tmpdir(), 'latch-audit-million-'))
  const file = join(dir, 'audit.jsonl')
  let started = performance.now()
  const encoded = encodeAuditExport({
    header: {
      origin: ORIGIN,
      exportedAt: new Date(T0 + RECORDS * 10 + 1000),
      size: RECORDS,
      headHash: (last as AuditRow).entryHash,
      from: undefined,
    },
    checkpoints,
    rows: chain(),
  })
  await pipeline(Readable.from(encoded, { objectMode: false }), createWriteStream(file))
  const summary = encoded.summary
  const writeSeconds = (performance.now() - started) / 1000
  expect(summary).toMatchObject({ records: RECORDS, checkpoints: RECORDS / EVERY })
  expect((await stat(file)).size).toBe(summary.bytes)

  started = performance.now()
  const base = memory()
  let peak = 0
  const exported = await readAuditExport(createReadStream(file))
  async function* sampled(): AsyncGenerator<AuditRow> {
    for await (const row of exported.rows) {
      if (row.seq % 50_000 === 0) peak = Math.max(peak, memory() - base)
      yield row
    }
  }
  const report = await verifyAuditLog({ ...exported, rows: sampled(), key })
  const readSeconds = (performance.now() - started) / 1000
  expect(report).toMatchObject({
    ok: true,
    records: RECORDS,
    signedSize: RECORDS,
    unsignedRecords: 0,
    problems: [],
  })
  expect(peak).toBeLessThan(MEMORY_BOUND)
  console.log(
    `export of ${RECORDS.toLocaleString('en')} records: ${(summary.bytes / 1e6).toFixed(0)} MB written in ${writeSeconds.toFixed(1)} s; read and verified in ${readSeconds.toFixed(1)} s (${Math.round(RECORDS / readSeconds).toLocaleString('en')} records/s), memory growth at most ${(peak / 1e6).toFixed(0)} MB`,
  )
})

function memory(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}
