import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'

const dirs: string[] = []
const running: KeyServerProcess[] = []
afterAll(async () => {
  for (const s of running) s.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function serve(dir: string): Promise<KeyServerProcess> {
  const server = await startKeyServerProcess(dir)
  running.push(server)
  return server
}

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

describe('latch audit verify names records whose times break the report bounds', () => {
  it('names a record timed a minute before the checkpoint that precedes it, though every hash and signature verifies (exit 65)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-times-'))
    dirs.push(dir)
    await (await serve(dir)).stop()
    expect((await runCli(['audit', 'verify', '--data', dir])).code).toBe(0)

    // Someone with write access to the database (or a clock stepped back a minute) appends a
    // record timed a minute before the last checkpoint, correctly chained.
    const db = new Database(join(dir, 'latch.db'))
    const head = db.prepare('SELECT size, head_hash FROM audit_head').get() as {
      size: number
      head_hash: Buffer
    }
    const last = db.prepare('SELECT signed_at FROM checkpoints ORDER BY rowid DESC').get() as {
      signed_at: string
    }
    const seq = head.size + 1
    const time = new Date(Date.parse(last.signed_at) - 60_000).toISOString()
    // Canonical JSON: members in order, ASCII strings, an integer.
    const record = Buffer.from(
      `{"actor":{"email":"system","scheme":"system"},"seq":${seq},"time":"${time}","type":"server.start","v":1}`,
    )
    const seqBytes = Buffer.alloc(8)
    seqBytes.writeBigUInt64BE(BigInt(seq))
    const entry = sha256(
      Buffer.from([2]),
      head.head_hash,
      seqBytes,
      sha256(Buffer.from([0]), record),
    )
    db.prepare('INSERT INTO audit_log VALUES (?, ?, ?)').run(seq, record, entry)
    db.prepare('INSERT INTO audit_index VALUES (?, ?, ?, ?, ?)').run(
      seq,
      'server.start',
      'system',
      null,
      time,
    )
    db.prepare(
      'UPDATE audit_head SET size = ?, head_hash = ?, first_unsigned_at = ? WHERE id = 1',
    ).run(seq, entry, time)
    db.close()
    // The server signs the head when it starts: the record is now covered by a valid note.
    await (await serve(dir)).stop()

    const verified = await runCli(['audit', 'verify', '--data', dir])
    expect(verified.code).toBe(65)
    expect(verified.stdout).toContain(
      `  record ${seq}: record-time: record ${seq} is timed ${time}`,
    )
    expect(verified.stdout).toContain('record-time: record and checkpoint times that break the 5 s')
    expect(verified.stdout).toMatch(
      new RegExp(`INCONSISTENT TIMES: first bad record ${seq}: record-time:`),
    )
    expect(verified.stderr).toMatch(
      new RegExp(`^latch: the audit log does not verify: record ${seq}: record-time`),
    )
    const json = JSON.parse((await runCli(['audit', 'verify', '--data', dir, '--json'])).stdout)
    expect(json).toMatchObject({
      ok: false,
      firstBad: { seq, kind: 'record-time' },
      problems: [{ seq, kind: 'record-time' }],
    })
  })
})
