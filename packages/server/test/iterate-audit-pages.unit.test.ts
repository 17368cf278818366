import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { iterateAuditPages } from '../src/store/iterate-audit-pages.js'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'

it('streams every record after the one asked for, across page boundaries, each once', async () => {
  const store = openSqliteStore({
    file: join(mkdtempSync(join(tmpdir(), 'latch-pages-')), 'latch.db'),
    tailBounds: { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
  })
  for (let i = 0; i < 21; i++) await store.appendAudit({ type: 'server.start', actor: null, i })
  const reads: number[] = []
  const seqs = async (afterSeq: number, pageSize: number) => {
    const seen: number[] = []
    const read = (after: number, limit: number) => {
      reads.push(after)
      return store.readAudit(after, limit)
    }
    for await (const row of iterateAuditPages(read, afterSeq, pageSize)) seen.push(row.seq)
    return seen
  }
  const all = Array.from({ length: 21 }, (_, i) => i + 1)
  expect(await seqs(0, 7)).toEqual(all)
  // 21 records in pages of 7: a fourth, empty read ends it.
  expect(reads).toEqual([0, 7, 14, 21])
  expect(await seqs(0, 5)).toEqual(all)
  expect(await seqs(12, 4)).toEqual(all.slice(12))
  expect(await seqs(21, 4)).toEqual([])
  expect(await seqs(0, 100)).toEqual(all)
  await store.close()
})
