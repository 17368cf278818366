import { join } from 'node:path'
import { Checkpointer } from './audit/checkpointer.js'
import { createOidcVerifier, type OidcVerifier } from './auth/oidc-verifier.js'
import type { ServerConfig } from './config/server-config.js'
import { ServerError } from './errors.js'
import { KeyRing } from './keys/key-ring.js'
import { createRootKeySealer, type KeySealer } from './keys/key-sealer.js'
import { loadRootKey, type RootKeySource } from './keys/root-key.js'
import { secureDataDir } from './secure-data-dir.js'
import { databasePassword } from './store/postgres/database-password.js'
import { openPostgresStore } from './store/postgres/open-postgres-store.js'
import { openSqliteStore } from './store/sqlite/open-sqlite-store.js'
import type { Store } from './store/store.js'

/** Everything a key-server instance runs on, shared by its routes. */
export interface KeyServerServices {
  readonly config: ServerConfig
  readonly store: Store
  readonly keys: KeyRing
  readonly checkpointer: Checkpointer
  readonly oidc: OidcVerifier | undefined
  /** Where the root key came from (for the start-up log). */
  readonly rootKeySource: RootKeySource | 'injected'
  /** What the start-up log warns about: a data directory whose mode was tightened. */
  readonly startupWarnings: readonly string[]
}

/** Parts a test or an embedding can supply instead of the defaults. */
export interface ServiceOverrides {
  readonly store?: Store
  readonly sealer?: KeySealer
}

/**
 * Opens the store (SQLite under the data directory, or the PostgreSQL database of
 * `config.database`, unless one is given), the key ring (creating the first keys), the
 * checkpointer and the OIDC verifier, after making the data directory private (see
 * {@link secureDataDir}). Call {@link closeServices} to stop.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` (root key, OIDC discovery, a database that is not a
 *   PostgreSQL URL, a data directory of another user), `ERR_STORE_UNAVAILABLE`.
 */
export async function openServices(
  config: ServerConfig,
  overrides: ServiceOverrides = {},
): Promise<KeyServerServices> {
  let rootKeySource: RootKeySource | 'injected' = 'injected'
  let sealer = overrides.sealer
  const dataDir = secureDataDir(config.dataDir)
  const startupWarnings =
    dataDir.tightenedFrom === undefined
      ? []
      : [
          `the data directory ${config.dataDir} had mode 0${dataDir.tightenedFrom.toString(8)}, open to other users: set it to 0700`,
        ]
  if (sealer === undefined) {
    const root = loadRootKey(config.dataDir)
    rootKeySource = root.source
    sealer = createRootKeySealer(root.key)
    root.key.fill(0)
  }
  const store = overrides.store ?? (await openStore(config))
  try {
    const keys = await underStartupLock(store, () => KeyRing.open(store, sealer))
    const checkpointer = new Checkpointer(store, keys, {
      intervalMs: config.checkpointIntervalMs,
      records: config.checkpointRecords,
    })
    const oidc =
      config.oidc === undefined
        ? undefined
        : await createOidcVerifier({
            issuer: config.oidc.issuer,
            audience: config.oidc.audience,
            identityClaim: config.oidc.identityClaim,
          })
    return { config, store, keys, checkpointer, oidc, rootKeySource, startupWarnings }
  } catch (error) {
    await store.close()
    throw error
  }
}

/** Stops the checkpointer (after a last checkpoint) and closes the store. */
export async function closeServices(services: KeyServerServices): Promise<void> {
  await services.checkpointer.stop()
  await services.checkpointer.sign().catch(() => undefined)
  await services.store.close()
}

/**
 * Runs first-start work (the first key pairs, the first admin) under the store's start-up lock,
 * so that instances starting together on one database do it once.
 */
export function underStartupLock<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  return store.withStartupLock === undefined ? fn() : store.withStartupLock(fn)
}

async function openStore(config: ServerConfig): Promise<Store> {
  if (config.database === '') {
    return openSqliteStore({
      file: join(config.dataDir, 'latch.db'),
      synchronous: config.synchronous,
      tailBounds: config,
    })
  }
  if (!/^postgres(?:ql)?:\/\//.test(config.database)) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      'the database must be a postgres:// URL (or empty for SQLite in the data directory)',
    )
  }
  return openPostgresStore({
    url: config.database,
    password: databasePassword(config.database, config.databasePasswordFile),
    tailBounds: config,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseTimeoutMs,
    connectTimeoutMs: config.databaseTimeoutMs,
  })
}
