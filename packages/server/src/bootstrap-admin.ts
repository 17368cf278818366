import { writeFileSync } from 'node:fs'
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
 * with mode 0600: the only copy. Returns the file's path when it did.
 */
export async function bootstrapAdmin(store: Store, dataDir: string): Promise<string | undefined> {
  if ((await store.listUsers()).length > 0) return undefined
  const minted = mintApiToken()
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
    // Another instance on the same database created it first.
    if (error instanceof ServerError && error.code === 'ERR_CONFLICT') return undefined
    throw error
  }
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  writeFileSync(file, `${minted.token}\n`, { mode: 0o600 })
  return file
}
