import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The key server prepares a re-wrap, with a fresh ephemeral X25519 key, for every key
// request. On Node 20, keys from `generateKeyPairSync` deadlock the process: a garbage collection
// during a later JWK export of such a key runs the key-generation job's destructor, which waits
// for the lock that export holds (seen with gdb: `~KeyGenJob` → `uv_mutex_lock` under
// `ExportJWKEdKey`), and the server hangs for good. The format now makes X25519 keys from random
// bytes. The loop runs in a child process on the built package (`npm test` builds first): a
// deadlocked thread cannot be interrupted, a process can be killed. `--single-threaded-gc`
// makes the deadlock come within a few thousand keys instead of tens of thousands.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCRIPT = `
import { generateX25519KeyPair, prepareShareWrap, exportX25519PublicJwk } from '@latch/format'
const recipient = { kid: 'client', publicKey: generateX25519KeyPair().publicKey }
for (let i = 0; i < 30000; i++) {
  prepareShareWrap(recipient)
  exportX25519PublicJwk(generateX25519KeyPair().publicKey)
}
process.stdout.write('done')
`

describe('ephemeral X25519 keys never hang the process', () => {
  it('makes 30,000 prepared wraps and key pairs, exporting each public key, without a deadlock', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; killed: boolean }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          ['--single-threaded-gc', '--input-type=module', '-e', SCRIPT],
          { cwd: ROOT, timeout: 90_000, killSignal: 'SIGKILL' },
          (error, stdout) => {
            resolve({
              code: error === null ? 0 : (child.exitCode ?? null),
              stdout,
              killed: child.killed,
            })
          },
        )
      },
    )
    expect(result).toEqual({ code: 0, stdout: 'done', killed: false })
  })
})
