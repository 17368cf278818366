import { readFileSync, statSync } from 'node:fs'
import { ServerError } from '../../errors.js'

/**
 * The first line of a secret file (a PIN, a root key), refused when the group or others may read
 * or write it, as ssh refuses a private key with loose permissions.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` for loose permissions, an unreadable or empty file.
 */
export function readSecretFile(file: string, what: string): string {
  let text: string
  try {
    // stat follows links: secret stores mount files behind symbolic links.
    const stat = statSync(file)
    if (!stat.isFile()) throw new Error('not a file')
    if ((stat.mode & 0o077) !== 0) {
      throw new ServerError(
        'ERR_CONFIG_INVALID',
        `the ${what} file ${file} is open to other users (mode 0${(stat.mode & 0o777).toString(8)}): run chmod 600 ${file}`,
      )
    }
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    if (cause instanceof ServerError) throw cause
    throw new ServerError('ERR_CONFIG_INVALID', `cannot read the ${what} file ${file}`, { cause })
  }
  const value = text.split(/\r?\n/)[0] ?? ''
  if (value === '') throw new ServerError('ERR_CONFIG_INVALID', `the ${what} file ${file} is empty`)
  return value
}
