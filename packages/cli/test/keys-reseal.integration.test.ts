import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '@latch/server'
import { afterAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('latch keys reseal', () => {
  it('moves the keys under root.key to a new root key file, prints each kid, and exits 0; a bad target exits 64 changing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-cli-reseal-'))
    dirs.push(dir)
    const first = await startServer({ dataDir: dir, port: 0, logger: false })
    const kids = first.services.keys.jwks().keys.map((k) => k.kid)
    await first.close()
    const file = join(dir, 'new-root.key')
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 })

    const bad = await runInProcess(['keys', 'reseal', '--data', dir, '--to', 'hsm:nothing'], {})
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('ERR_CONFIG_INVALID')

    const moved = await runInProcess(
      ['keys', 'reseal', '--data', dir, '--to', `root-key:${file}`],
      {},
    )
    expect(moved.code, moved.stderr).toBe(0)
    expect(moved.stdout).toContain(`${kids[0]}  resealed`)
    expect(moved.stderr).toContain(`2 key(s) moved from root-key to root-key:${file}`)

    const again = await runInProcess(
      ['keys', 'reseal', '--data', dir, '--to', `root-key:${file}`],
      {},
    )
    expect(again.stdout).toContain(`${kids[0]}  already under the new custody`)
    const restarted = await startServer({
      dataDir: dir,
      port: 0,
      logger: false,
      custody: `root-key:${file}`,
    })
    expect(restarted.services.keys.jwks().keys.map((k) => k.kid)).toEqual(kids)
    await restarted.close()
  })
})
