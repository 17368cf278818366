import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'

/**
 * Writes a file so that it appears only when complete: `write` fills a temporary file beside
 * `output` (mode 0600), which is renamed on success and removed on failure. Decryption uses it so
 * that a tampered or truncated object leaves no partial plaintext behind.
 */
export async function writeAtomically(
  output: string,
  write: (sink: Writable) => Promise<void>,
): Promise<void> {
  const temporary = join(
    dirname(output),
    `.${basename(output)}.${randomBytes(6).toString('hex')}.partial`,
  )
  try {
    await write(createWriteStream(temporary, { mode: 0o600 }))
    await rename(temporary, output)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
