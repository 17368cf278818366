import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { auditEvent } from './audit/audit-event.js'
import { SYSTEM_IDENTITY } from './auth/identity.js'
import { ServerError } from './errors.js'
import { mintApiToken } from './identity/api-token.js'
import type { Store } from './store/store.js'

/** The email of the admin created on first start. */
export const FIRST_ADMIN_EMAIL = 'admin@latch.local'

/** The file, in the data directory, that receives the first admin's token. */
export const ADMIN_TOKEN_FILE = 'admin.token'

/**
 * On first start (no user yet), creates an admin and writes its token to `DATA/admin.token`
 * with mode 0600: the only copy. The file is created exclusively, without following a symbolic
 * link, and written before the admin exists, so that a refusal leaves no admin whose token was
 * never written. Returns the file's path when it did.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` when anything (a file, a symbolic link) is at
 *   `DATA/admin.token` already, or it cannot be created; the store's errors.
 */
export async function bootstrapAdmin(store: Store, dataDir: string): Promise<string | undefined> {
  if ((await store.listUsers()).length > 0) return undefined
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  const minted = mintApiToken()
  writeTokenFile(file, `${minted.token}\n`)
  try {
    await store.createUser(
      { email: FIRST_ADMIN_EMAIL, role: 'admin', mayAssignOwner: true },
      // Minted by the server: whoever reads admin.token holds it too, until it is rotated.
      {
        id: minted.id,
        email: FIRST_ADMIN_EMAIL,
        hash: minted.hash,
        mintedBy: SYSTEM_IDENTITY.email,
      },
      auditEvent('user.create', SYSTEM_IDENTITY, undefined, {
        email: FIRST_ADMIN_EMAIL,
        role: 'admin',
        may_assign_owner: true,
        token_id: minted.id,
      }),
    )
  } catch (error) {
    // A commit whose answer was lost leaves the admin with this token: keep the file then.
    const created = await store
      .listTokens(FIRST_ADMIN_EMAIL)
      .then((tokens) => tokens.some((t) => t.id === minted.id))
      .catch(() => undefined)
    if (created === true) return file
    // Unknown (the database is gone): keep the file; the next start tells.
    if (created === false) rmSync(file, { force: true })
    // Another instance on the same database created it first.
    if (error instanceof ServerError && error.code === 'ERR_CONFLICT') return undefined
    throw error
  }
  return file
}

function writeTokenFile(file: string, text: string): void {
  let fd: number
  try {
    // O_EXCL: never reuse or truncate a file someone put there; O_NOFOLLOW: never write through
    // a symbolic link (O_EXCL already refuses one; this says it twice, on purpose).
    fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
      0o600,
    )
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ELOOP') {
      const what = lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()
        ? 'a symbolic link'
        : 'a file'
      throw new ServerError(
        'ERR_CONFIG_INVALID',
        `${file} is ${what} already, but the database has no user yet: it holds no token of this server. Remove it, then start again (the first start writes the admin token there)`,
        { cause },
      )
    }
    throw new ServerError('ERR_CONFIG_INVALID', `cannot create ${file}`, { cause })
  }
  try {
    writeFileSync(fd, text)
    fsyncSync(fd)
  } catch (cause) {
    closeSync(fd)
    rmSync(file, { force: true })
    throw new ServerError('ERR_CONFIG_INVALID', `cannot write ${file}`, { cause })
  }
  closeSync(fd)
}
