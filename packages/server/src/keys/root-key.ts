import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ServerError } from '../errors.js'

/** Name of the root key file in the data directory when `LATCH_ROOT_KEY` is not set. */
export const ROOT_KEY_FILE = 'root.key'

/** Where the root key came from, for the start-up log (never the key itself). */
export type RootKeySource = 'env' | 'file-created' | 'file'

/**
 * Loads the 32-byte root key that seals the server's private keys: from `LATCH_ROOT_KEY`
 * (64 hex digits or 43 base64url characters) when set, else from `DATA/root.key`, created with
 * mode 0600 on first start. A key file readable by group or others is refused, as ssh refuses a
 * private key with loose permissions.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` for a malformed key or a key file with loose permissions.
 */
export function loadRootKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { key: Buffer; source: RootKeySource } {
  const fromEnv = env.LATCH_ROOT_KEY
  if (fromEnv !== undefined && fromEnv !== '') {
    return { key: decodeRootKey(fromEnv, 'LATCH_ROOT_KEY'), source: 'env' }
  }
  const file = join(dataDir, ROOT_KEY_FILE)
  let created = false
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 })
    chmodSync(file, 0o600)
    created = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ServerError('ERR_CONFIG_INVALID', `cannot create ${file}`, { cause: error })
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `${file} is readable by others: run chmod 600 ${file}`,
    )
  }
  return {
    key: decodeRootKey(readFileSync(file, 'utf8').trim(), file),
    source: created ? 'file-created' : 'file',
  }
}

/**
 * Decodes a 32-byte root key given as 64 hex digits or 43 base64url characters.
 * @throws ServerError `ERR_CONFIG_INVALID` naming `where` for anything else.
 */
export function decodeRootKey(text: string, where: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9_-]{43}$/.test(text)
      ? Buffer.from(text, 'base64url')
      : undefined
  if (key === undefined || key.length !== 32) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `${where} must hold a 32-byte key as 64 hex digits or 43 base64url characters`,
    )
  }
  return key
}
