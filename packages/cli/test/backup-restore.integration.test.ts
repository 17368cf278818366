import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { type InstanceGroup, startInstances } from '@latch/testkit/key-server-process'
import { createDatabase, postgresTool } from '@latch/testkit/postgres'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { runCli } from './cli-process.js'
import { prepareFixture, sendRead } from './instances.js'

// A database restored from a backup older than a checkpoint kept outside it is caught by
// `latch audit verify --anchor`, while the restored database alone verifies (its own checkpoints
// were rolled back with it). The procedure of docs/DEPLOYMENT.md.

const dirs: string[] = []
let group: InstanceGroup | undefined
afterAll(async () => {
  await group?.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('backup and restore on PostgreSQL', () => {
  it('a database restored from an older backup verifies alone, and fails against an anchor kept outside it', async () => {
    const admin = inject('postgresUrl')
    const database = await createDatabase(admin)
    group = await startInstances(database, ['a'])
    const [a] = group.instances
    if (a === undefined) throw new Error('no instance')
    const fixture = await prepareFixture(a.url, group.adminToken, 'br', 1)
    const read = fixture.reads[0]
    if (read === undefined) throw new Error('no reader')
    const client = new KeyServerClient({ server: a.url, token: group.adminToken })
    for (let i = 0; i < 5; i++) expect((await sendRead(a.url, read)).released).toBe(true)
    await client.signCheckpoint()

    const dir = mkdtempSync(join(tmpdir(), 'latch-backup-'))
    dirs.push(dir)
    const backup = join(dir, 'latch.dump')
    execFileSync(postgresTool('pg_dump'), ['--format=custom', `--file=${backup}`, database])

    // After the backup: a revoke, and a checkpoint whose note is kept outside the database.
    await fixture.ownerOn(a.url).client.revokePolicy(fixture.policyId, 'incident')
    expect((await sendRead(a.url, read)).status).toBe(403)
    await client.signCheckpoint()
    const notes = (await client.auditCheckpoints()).checkpoints
    const anchor = join(dir, 'anchor.note')
    writeFileSync(anchor, notes[notes.length - 1]?.note ?? '')

    const live = await runCli(['audit', 'verify', '--database', database, '--anchor', anchor])
    expect(live.code, live.stdout + live.stderr).toBe(0)

    const restored = await createDatabase(admin)
    execFileSync(postgresTool('pg_restore'), ['--no-owner', `--dbname=${restored}`, backup])
    const alone = await runCli(['audit', 'verify', '--database', restored, '--json'])
    expect(alone.code, alone.stdout + alone.stderr).toBe(0)
    const caught = await runCli(['audit', 'verify', '--database', restored, '--anchor', anchor])
    expect(caught.code).toBe(65)
    expect(caught.stderr).toMatch(
      /^latch: the audit log does not verify: log: truncated: anchor: rolled back/,
    )
    // The key pinned from the live server's published key catches it the same way.
    const { verifierKey } = await client.auditKey()
    const pinned = await runCli([
      'audit',
      'verify',
      '--database',
      restored,
      '--key',
      verifierKey,
      '--anchor',
      anchor,
      '--json',
    ])
    expect(pinned.code).toBe(65)
    expect(JSON.parse(pinned.stdout)).toMatchObject({ ok: false, firstBad: { kind: 'truncated' } })
  })
})
