import { randomBytes } from 'node:crypto'
import { type FSWatcher, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, keyServerResolver, LatchClient, nodeHttpTransport } from '@latch/client'
import { decryptBuffer, encryptBuffer } from '@latch/format'
import { startKeyServerProcess } from '@latch/testkit/key-server-process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// SQLite keeps a savepoint's undo pages (its sub-journal) in memory up to 64 KiB, then in a
// temporary file under SQLITE_TMPDIR, TMPDIR or /var/tmp: outside the private data directory,
// and impossible on a read-only root filesystem. A key server's group commits put each policy
// creation and each key decision in a savepoint of its own, so a busy one wrote such files.

let root: string
let events: string[]
let watcher: FSWatcher
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'latch-temp-files-'))
  events = []
  watcher = watch(join(root), (event, name) => {
    if (name !== 'data') events.push(`${event} ${name}`)
  })
})
afterAll(() => {
  watcher.close()
  rmSync(root, { recursive: true, force: true })
})

describe('latch server under a burst of writes and key requests', () => {
  it('writes no temporary file outside its data directory', async () => {
    const server = await startKeyServerProcess(join(root, 'data'), [], {
      env: { SQLITE_TMPDIR: root, TMPDIR: root },
    })
    try {
      const admin = new KeyServerClient({ server: server.url, token: server.adminToken })
      const { token } = await admin.createUser('writer@example.com')
      const client = new KeyServerClient({
        server: server.url,
        token,
        transport: nodeHttpTransport,
      })
      const latch = new LatchClient(client)
      // 100 objects written at once: their policies are created in batches, one transaction each.
      const files = Array.from({ length: 100 }, () => randomBytes(64))
      const objects = await Promise.all(
        files.map(async (file, i) => {
          const pending = await latch.createDeferredWriter({})
          const object = encryptBuffer(pending.writer, file)
          await pending.register({ bucket: 'b', key: `k/${i}` })
          return object
        }),
      )
      // Read back at once: their key requests are decided in groups, one transaction each.
      const { kasId } = await client.keys()
      const resolve = keyServerResolver({ [kasId]: client })
      const read = await Promise.all(objects.map((object) => decryptBuffer(object, resolve)))
      expect(read.map((bytes) => Buffer.from(bytes))).toEqual(files)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    // Watch events arrive asynchronously; give the last ones a moment.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(events).toEqual([])
    expect(readdirSync(root)).toEqual(['data'])
  })
})
