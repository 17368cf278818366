import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AuditRow, leafHash } from '@latch/audit'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js'
import type { Store } from '../src/store/store.js'
import { describeStoreContract } from './store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }

const files = new WeakMap<Store, string>()

describeStoreContract(
  'sqlite',
  async (given) => {
    const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
    const store = openSqliteStore({ file, tailBounds: given ?? bounds })
    files.set(store, file)
    return store
  },
  async (store, statement) => {
    const db = new Database(files.get(store) as string)
    try {
      db.exec(statement)
    } finally {
      db.close()
    }
  },
)

it('indexes the records a database written before the audit index already holds', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  await store.appendAudit({ type: 'key.release', actor: { email: 'r@x.org' }, policy_id: 'p-1' })
  await store.appendAudit({ type: 'user.create', actor: { email: 'a@x.org' } })
  await store.close()
  // The same chain in a database of the first schema version, as written before the index.
  const old = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const db = new Database(old)
  db.exec(SQLITE_MIGRATIONS[0] as string)
  db.pragma('user_version = 1')
  db.prepare('ATTACH ? AS newer').run(file)
  db.exec(`INSERT INTO settings SELECT * FROM newer.settings;
    INSERT INTO audit_log SELECT seq, record, entry_hash FROM newer.audit_log;
    INSERT INTO audit_head SELECT * FROM newer.audit_head;
    DETACH newer`)
  db.close()
  const reopened = openSqliteStore({ file: old, tailBounds: bounds })
  expect((await reopened.queryAudit({ policyId: 'p-1' }, { limit: 10 })).map((r) => r.seq)).toEqual(
    [1],
  )
  expect(
    (await reopened.queryAudit({ actor: 'a@x.org' }, { limit: 10 })).map((r) => r.seq),
  ).toEqual([2])
  await reopened.close()
})

it('scans every record synchronously once opened read-only, and not while writable', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  for (let i = 0; i < 5; i++) await store.appendAudit({ type: 'server.start', actor: null, i })
  expect(store.scanAudit?.()).toBeUndefined()
  const rows = await store.readAudit(0, 100)
  await store.close()
  const reader = openSqliteStore({ file, tailBounds: bounds, readonly: true })
  expect([...(reader.scanAudit?.() ?? [])]).toEqual(rows)
  expect(rows).toHaveLength(5)
  await reader.close()
})

/** Every row the worker reads, its pages flattened; each page at most 1 MiB, or one row. */
async function workerRows(store: Store, stopAfter = Number.POSITIVE_INFINITY): Promise<AuditRow[]> {
  const rows: AuditRow[] = []
  for await (const page of store.scanAuditConcurrently?.() ?? []) {
    const bytes = page.reduce(
      (sum, row) => sum + row.entryHash.length + 1 + row.recordBytes.length,
      0,
    )
    if (page.length > 1) expect(bytes).toBeLessThanOrEqual(1 << 20)
    expect(page.length).toBeLessThanOrEqual(1024)
    rows.push(...page)
    if (rows.length >= stopAfter) break
  }
  return rows
}

// More pages of 1,024 rows than the worker may send ahead unread; rows of 300 KB alone and in a
// run of 40 (12 MB: pages are bounded by bytes too, so a log of large records cannot make one
// page of a gigabyte); a row larger than a page.
it('reads every record in a worker once opened read-only, in order, with its leaf hash, and stops when left', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  for (let i = 0; i < 6_000; i++) {
    const large = i % 1_000 === 999 || (i >= 3_000 && i < 3_040)
    const pad = 'x'.repeat(i === 4_500 ? 1_500_000 : large ? 300_000 : i % 200)
    await store.appendAudit({ type: 'server.start', actor: null, pad })
  }
  expect(store.scanAuditConcurrently?.()).toBeUndefined()
  await store.close()
  const reader = openSqliteStore({ file, tailBounds: bounds, readonly: true })
  const expected = [...(reader.scanAudit?.() ?? [])]
  const rows = await workerRows(reader)
  expect(rows).toHaveLength(6_000)
  expect(rows.map(({ leafHash: _, ...row }) => row)).toEqual(expected)
  for (const row of rows) expect(row.leafHash).toEqual(leafHash(row.recordBytes))
  const first = await workerRows(reader, 1)
  expect(first.slice(0, 10).map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  await reader.close()
  // A tampered seq reaches the verifier as stored, even a negative one or one past 2^53.
  const db = new Database(file)
  db.exec('DROP TRIGGER audit_log_no_update')
  db.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(-3, 3)
  db.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(123_456_789_012, 4)
  db.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(2n ** 62n, 5)
  db.close()
  const tampered = openSqliteStore({ file, tailBounds: bounds, readonly: true })
  const seen = await workerRows(tampered)
  expect(seen.map(({ leafHash: _, ...row }) => row)).toEqual([...(tampered.scanAudit?.() ?? [])])
  expect(seen.map((row) => row.seq).slice(0, 2)).toEqual([-3, 1])
  expect(seen.map((row) => row.seq).slice(-2)).toEqual([123_456_789_012, Number(2n ** 62n)])
  await tampered.close()
})

it('fails the worker read as the database failing when its read fails', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  await store.appendAudit({ type: 'server.start', actor: null })
  await store.close()
  const reader = openSqliteStore({ file, tailBounds: bounds, readonly: true })
  const db = new Database(file)
  db.exec('ALTER TABLE audit_log RENAME TO audit_log_gone')
  db.close()
  const read = async () => {
    for await (const _page of reader.scanAuditConcurrently?.() ?? []) {
      // nothing: the read fails first
    }
  }
  await expect(read()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  await reader.close()
})

it.each([4, 5])(
  'finds the readers of policies a database of schema %i already holds, newest first',
  async (schema) => {
    const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
    const db = new Database(file)
    for (const [version, migration] of SQLITE_MIGRATIONS.slice(0, schema).entries()) {
      db.exec(migration)
      db.pragma(`user_version = ${version + 1}`)
    }
    const add = db.prepare(
      `INSERT INTO policies VALUES (?, 'o@x.org', ?, NULL, '{}', NULL, NULL, NULL, 1,
       ?, 'o@x.org')`,
    )
    add.run('p-1', '["bob@y.org","*@z.org"]', '2026-01-01T00:00:00.000Z')
    add.run('p-2', '[]', '2026-01-02T00:00:00.000Z')
    add.run('p-3', '["bob@y.org"]', '2026-01-03T00:00:00.000Z')
    db.close()
    const store = openSqliteStore({ file, tailBounds: bounds })
    const visible = async (email: string) =>
      (await store.listPolicies({ visibleTo: email }, { limit: 10 })).map((p) => p.id)
    expect(await visible('bob@y.org')).toEqual(['p-3', 'p-1'])
    expect(await visible('eve@z.org')).toEqual(['p-1'])
    expect(await visible('o@x.org')).toEqual(['p-3', 'p-2', 'p-1'])
    expect(await visible('eve@y.org')).toEqual([])
    await store.close()
  },
)

it('commits the decisions asked for at once in one transaction, each judging the state its group sees', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  const policy = {
    id: 'p-1',
    owner: 'o@x.org',
    readers: ['r@x.org'],
    expiresAt: undefined,
    labels: {},
    createdBy: 'o',
  }
  await store.createPolicy(policy, { type: 'policy.create', actor: null })
  const asked = (n: number) =>
    store.decide({
      policyId: 'p-1',
      judge: (found) =>
        found?.revocation === undefined
          ? { permit: true, reason: 'reader' }
          : { permit: false, reason: 'revoked' },
      record: (verdict) => ({ type: 'key.release', actor: null, n, reason: verdict.reason }),
    })
  // Asked before the revocation commits, decided after it: the waiting decisions see it.
  const waiting = [asked(0), asked(1), asked(2)]
  await store.changePolicy('p-1', () => ({
    patch: { revocation: { by: 'o@x.org', at: new Date(), reason: 'r' } },
    audit: { type: 'policy.revoke', actor: null },
  }))
  const results = await Promise.all(waiting)
  expect(results.map((r) => r.verdict)).toEqual(
    Array.from({ length: 3 }, () => ({ permit: false, reason: 'revoked' })),
  )
  // The revocation's record precedes the decisions' in the chain, as its commit did.
  expect(results.map((r) => r.seq)).toEqual([3, 4, 5])
  const types = (await store.readAudit(0, 10)).map(
    (r) => JSON.parse(Buffer.from(r.recordBytes).toString()).type,
  )
  expect(types).toEqual([
    'policy.create',
    'policy.revoke',
    'key.release',
    'key.release',
    'key.release',
  ])
  // Closing commits the decisions still waiting before the database closes.
  const last = asked(3)
  await store.close()
  expect((await last).seq).toBe(6)
})

it('creates the policies asked for at once in one commit, each with its object and two records, a conflict failing alone', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  const create = (id: string) =>
    store.createPolicy(
      { id, owner: 'o@x.org', readers: [], expiresAt: undefined, labels: {}, createdBy: 'o' },
      { type: 'policy.create', actor: null, policy_id: id },
      {
        object: { objectId: `obj-${id}`, coreHash: 'h', bucket: 'b', key: id },
        audit: (created) => ({
          type: 'policy.object.add',
          actor: null,
          policy_id: created.id,
          policy_version: created.version,
        }),
      },
    )
  // The frames a commit appends to the WAL are the pages it wrote: count them from a checkpoint.
  const reader = new Database(file)
  const framesWritten = async (work: () => Promise<unknown>) => {
    reader.pragma('wal_checkpoint(TRUNCATE)')
    await work()
    return (reader.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? 0
  }
  await create('p-taken')
  const oneByOne = await framesWritten(async () => {
    for (const id of ['p-s1', 'p-s2', 'p-s3', 'p-s4']) await create(id)
  })
  const ids = Array.from({ length: 16 }, (_, i) => `p-g${i}`)
  let settled: PromiseSettledResult<unknown>[] = []
  const atOnce = await framesWritten(async () => {
    settled = await Promise.allSettled([
      ...ids.slice(0, 8).map(create),
      create('p-taken'),
      ...ids.slice(8).map(create),
    ])
  })
  reader.close()
  // Sixteen policies committed together write fewer pages than four committed one by one.
  expect(atOnce).toBeLessThan(oneByOne)
  expect(settled.map((s) => s.status)).toEqual([
    ...Array<string>(8).fill('fulfilled'),
    'rejected',
    ...Array<string>(8).fill('fulfilled'),
  ])
  expect((settled[8] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_CONFLICT' })
  for (const id of ids) {
    const policy = await store.getPolicy(id)
    expect(policy?.version).toBe(2)
    expect(policy?.objects.map((o) => o.key)).toEqual([id])
    const types = (await store.queryAudit({ policyId: id }, { limit: 10 })).map(
      (r) => JSON.parse(Buffer.from(r.recordBytes).toString()).type,
    )
    expect(types.sort()).toEqual(['policy.create', 'policy.object.add'])
  }
  // One chain: 2 records per created policy (1 + 4 + 16), none for the conflict.
  expect((await store.auditHead()).size).toBe(42)
  await store.close()
})

it('keeps the chain whole when a write of a group commit fails after appending a record', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  const create = (id: string, fails = false) =>
    store.createPolicy(
      { id, owner: 'o@x.org', readers: [], expiresAt: undefined, labels: {}, createdBy: 'o' },
      { type: 'policy.create', actor: null, policy_id: id },
      {
        object: { objectId: `obj-${id}`, coreHash: 'h', bucket: 'b', key: id },
        // Called after the policy's own record was appended, in the same savepoint.
        audit: (created) => {
          if (fails) throw new Error('no record for this object')
          return { type: 'policy.object.add', actor: null, policy_id: created.id }
        },
      },
    )
  await create('p-0')
  const settled = await Promise.allSettled([
    create('p-1'),
    create('p-2', true),
    create('p-3'),
    create('p-4', true),
  ])
  expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected'])
  // Then alone: its transaction reads the head the group wrote back.
  await create('p-5')
  const rows = await store.readAudit(0, 100)
  expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  expect(rows.map((r) => JSON.parse(Buffer.from(r.recordBytes).toString()).seq)).toEqual([
    1, 2, 3, 4, 5, 6, 7, 8,
  ])
  const head = await store.auditHead()
  expect(head.size).toBe(8)
  expect(Buffer.from(head.headHash)).toEqual(Buffer.from(rows[7]?.entryHash as Uint8Array))
  expect(await store.getPolicy('p-2')).toBeUndefined()
  await store.close()
})

it('shows the decisions of one group commit every lockdown rule active when it runs', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  await store.createPolicy(
    { id: 'p-1', owner: 'o@x.org', readers: [], expiresAt: undefined, labels: {}, createdBy: 'o' },
    { type: 'policy.create', actor: null },
  )
  const asked = () => {
    let seen: readonly string[] = []
    return store
      .decide({
        policyId: 'p-1',
        judge: (_policy, _now, lockdowns) => {
          seen = lockdowns
          return lockdowns.length > 0
            ? { permit: false, reason: 'lockdown' }
            : { permit: true, reason: 'owner' }
        },
        record: (verdict) => ({ type: 'key.release', actor: null, reason: verdict.reason }),
      })
      .then(() => seen)
  }
  expect(await Promise.all([asked(), asked(), asked()])).toEqual([[], [], []])
  // Asked before the rule commits, decided after it: the waiting decisions see it.
  const waiting = [asked(), asked(), asked()]
  const rule = await store.addLockdownRule(
    {
      id: 'ld_00000000000000000001',
      scope: { kind: 'all' },
      reason: 'incident',
      createdBy: 'sec@x.org',
    },
    () => ({ type: 'lockdown.add', actor: null }),
  )
  expect(await Promise.all(waiting)).toEqual([[rule.id], [rule.id], [rule.id]])
  await store.liftLockdownRule(rule.id, () => ({
    by: 'sec@x.org',
    reason: undefined,
    audit: { type: 'lockdown.lift', actor: null },
  }))
  expect(await Promise.all([asked(), asked()])).toEqual([[], []])
  await store.close()
})
