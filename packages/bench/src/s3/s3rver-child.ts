import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

// Child of s3-endpoints.ts: runs s3rver on 127.0.0.1 in its own process (so that its CPU is not
// spent on the event loop being measured), sends `{ port }` over IPC, and on SIGTERM closes and
// removes its folder.
const directory = mkdtempSync(join(tmpdir(), 'latch-bench-s3rver-'))
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
const { port } = await server.run()
process.send?.({ port })
process.once('SIGTERM', () => {
  server
    .close()
    .finally(() => {
      rmSync(directory, { recursive: true, force: true })
      process.exit(0)
    })
    .catch(() => undefined)
})
