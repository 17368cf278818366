import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import {
  type AuditRow,
  encodeAuditExport,
  formatVerifierKey,
  genesisHash,
  noteHash,
  sealRecord,
  signCheckpoint,
} from '@latch/audit'
import { LATCH_BIN } from '@latch/testkit/latch-process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// An auditor checks an export with the CLI and the published key alone: `audit verify --file`
// must not need the key server's code (Fastify, SQLite, PostgreSQL drivers) at all. The CLI runs
// here in a Node process whose module loader refuses `@latch/server` and every file of it but its
// table of defaults (which the `server` command's help shows).

const HOOKS = `
export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@latch/server') throw new Error('refused to load @latch/server')
  const resolved = await nextResolve(specifier, context)
  if (resolved.url.includes('/packages/server/') && !resolved.url.endsWith('/config/defaults.js')) {
    throw new Error('refused to load ' + resolved.url)
  }
  return resolved
}
`

let dir: string
let refuseServer: string
let file: string
let verifierKey: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-offline-'))
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS)
  refuseServer = join(dir, 'refuse-server.mjs')
  writeFileSync(
    refuseServer,
    "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n",
  )
  // A log of 300 records with a checkpoint every 100, exported as the key server would.
  const origin = 'latch-audit/offline'
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const signer = { name: 'latch-checkpoint-offline', privateKey }
  verifierKey = formatVerifierKey({ name: signer.name, publicKey })
  const t0 = Date.parse('2026-11-27T10:00:00.000Z')
  const rows: AuditRow[] = []
  const checkpoints: { size: number; note: string; signedAt: Date }[] = []
  let head: Uint8Array = genesisHash(origin)
  for (let seq = 1; seq <= 300; seq++) {
    const time = new Date(t0 + seq * 1000).toISOString()
    const sealed = sealRecord({ type: 'server.start', actor: { email: 'system' } }, seq, time, head)
    rows.push({ seq, ...sealed })
    head = sealed.entryHash
    if (seq % 100 === 0) {
      const previous = checkpoints.at(-1)?.note
      const signedAt = new Date(t0 + seq * 1000)
      const note = signCheckpoint(
        {
          origin,
          size: seq,
          headHash: head,
          time: signedAt,
          previousNoteHash: previous === undefined ? undefined : noteHash(previous),
        },
        signer,
      )
      checkpoints.push({ size: seq, note, signedAt })
    }
  }
  file = join(dir, 'audit.jsonl')
  const encoded = encodeAuditExport({
    header: {
      origin,
      exportedAt: new Date(t0 + 301_000),
      size: 300,
      headHash: head,
      from: undefined,
    },
    checkpoints,
    rows,
  })
  await pipeline(Readable.from(encoded), createWriteStream(file))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the built `latch ARGS` in a Node process that cannot load the key server's code. */
function runWithoutServer(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(refuseServer).href, LATCH_BIN, ...args],
      { env: { ...process.env, LATCH_SERVER: 'http://127.0.0.1:9', LATCH_TOKEN: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 70
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('latch audit verify --file runs without the key server’s code', () => {
  it('verifies an export with only the published key', async () => {
    const verified = await runWithoutServer([
      'audit',
      'verify',
      '--file',
      file,
      '--key',
      verifierKey,
    ])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toContain('300 records, 3 signed checkpoints')
    expect(verified.stdout).toContain(
      `OK: every record and checkpoint verifies under ${verifierKey}`,
    )
  })

  it('is run where the key server’s code cannot load: a command that needs it fails there', async () => {
    const local = await runWithoutServer(['audit', 'verify', '--data', join(dir, 'no-such-dir')])
    expect(local.code).toBe(70)
    expect(local.stderr).toContain('refused to load @latch/server')
  })
})
