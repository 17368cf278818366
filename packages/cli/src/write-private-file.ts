import { closeSync, constants, fchmodSync, ftruncateSync, openSync, writeFileSync } from 'node:fs'
import { CliError } from './errors.js'

/**
 * Writes a file that holds a secret (a token) so that only its owner can read it: mode 0600 even
 * when the file was there already with another mode (the `mode` of `writeFileSync` applies only
 * to a file it creates), set before the secret is written, and never through a symbolic link.
 *
 * @param file the path.
 * @param text the whole new content.
 * @throws CliError `ERR_CLI_USAGE` when `file` is a symbolic link or cannot be written.
 */
export function writePrivateFile(file: string, text: string): void {
  let fd: number
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600)
  } catch (error) {
    const link = (error as NodeJS.ErrnoException).code === 'ELOOP'
    throw new CliError(
      'ERR_CLI_USAGE',
      link
        ? `${file} is a symbolic link: refusing to write a token through it`
        : `cannot write ${file}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  try {
    fchmodSync(fd, 0o600)
    ftruncateSync(fd, 0)
    writeFileSync(fd, text)
  } finally {
    closeSync(fd)
  }
}
