import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'

/**
 * Writes a file so that it appears only when complete: `write` fills a temporary file beside
 * `output` (mode 0600), which is renamed on success and removed on failure. Decryption uses it so
 * that a tampered or truncated object leaves no partial plaintext behind.
 *
 * @throws whatever `write` throws, or the file system's error (`ENOENT` for a missing folder);
 *   the temporary file is closed and removed first.
 */
export async function writeAtomically(
  output: string,
  write: (sink: Writable) => Promise<void>,
): Promise<void> {
  const temporary = join(
    dirname(output),
    `.${basename(output)}.${randomBytes(6).toString('hex')}.partial`,
  )
  const sink = createWriteStream(temporary, { mode: 0o600 })
  // A writer that never listens for errors must not take the process down when the file cannot
  // be opened (a missing folder): its own failure, or the rename's, reports it.
  sink.on('error', () => undefined)
  try {
    await write(sink)
    await rename(temporary, output)
  } catch (error) {
    await discard(sink)
    await rm(temporary, { force: true })
    throw error
  }
}

// The stream opens its file in the background: removing the file before that open completed
// would leave it behind (and its descriptor open) once the open lands, so close it first.
async function discard(sink: WriteStream): Promise<void> {
  if (sink.closed) return
  await new Promise<void>((resolve) => {
    sink.once('close', resolve)
    sink.destroy()
  })
}
