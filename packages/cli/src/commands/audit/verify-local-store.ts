import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CheckpointVerifierKey } from '@latch/audit'
import type { Store } from '@latch/server'
import { DEFAULTS } from '@latch/server/defaults'
import { CliError } from '../../errors.js'
import type { VerifiedLog } from './verified-log.js'

/**
 * Verifies a key server's log straight from its database: the SQLite file of a data directory
 * (opened read-only) or a PostgreSQL database. The only audit path that loads the key server's
 * code, and only when it runs.
 *
 * @param source the data directory or the database URL.
 * @param key the pinned checkpoint key; default the one the database holds.
 * @param anchor a checkpoint note kept outside the database, which the log must hold.
 * @returns the verified log.
 * @throws CliError `ERR_CLI_NOT_FOUND` when the data directory holds no database.
 */
export async function verifyLocalStore(
  source: { readonly data: string } | { readonly database: string },
  key: CheckpointVerifierKey | undefined,
  anchor: string | undefined,
): Promise<VerifiedLog> {
  const { openPostgresStore, openSqliteStore, verifyStore } = await import('@latch/server')
  const tailBounds = {
    maxUnsignedRecords: DEFAULTS.maxUnsignedRecords.default,
    maxUnsignedAgeMs: DEFAULTS.maxUnsignedAgeMs.default,
  }
  let store: Store
  if ('data' in source) {
    const file = join(source.data, 'latch.db')
    if (!existsSync(file)) throw new CliError('ERR_CLI_NOT_FOUND', `no Latch database at ${file}`)
    store = openSqliteStore({ file, readonly: true, tailBounds })
  } else {
    // Opening migrates a database that is behind; it never changes the audit tables' contents.
    store = await openPostgresStore({
      url: source.database,
      poolSize: 2,
      statementTimeoutMs: 600_000,
      tailBounds,
    })
  }
  try {
    return await verifyStore(store, {
      ...(key === undefined ? {} : { key }),
      ...(anchor === undefined ? {} : { anchor }),
    })
  } finally {
    await store.close()
  }
}
