import { join } from 'node:path'
import { Checkpointer } from './audit/checkpointer.js'
import { createOidcVerifier, type OidcVerifier } from './auth/oidc-verifier.js'
import type { ServerConfig } from './config/server-config.js'
import { ServerError } from './errors.js'
import type { ClosableKeySealer } from './keys/custody/closable-key-sealer.js'
import { logSeals, type SealLogEntry } from './keys/custody/log-seals.js'
import { openKeySealer } from './keys/custody/open-key-sealer.js'
import { describeCustody, parseCustody } from './keys/custody/parse-custody.js'
import { KeyRing } from './keys/key-ring.js'
import type { KeySealer } from './keys/key-sealer.js'
import type { RootKeySource } from './keys/root-key.js'
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
  readonly rootKeySource: RootKeySource | 'custody-file' | 'custody' | 'injected'
  /** The root key's custody as configured, without secrets (for the start-up log). */
  readonly custody: string
  /** The custody's sealer, every seal and unseal of it logged; closed by {@link closeServices}. */
  readonly sealer: KeySealer & { close?(): Promise<void> }
  /** How long opening the custody and unsealing every server key took, in ms. */
  readonly unsealMs: number
  /** What the start-up log warns about: a data directory whose mode was tightened. */
  readonly startupWarnings: readonly string[]
}

/** Parts a test or an embedding can supply instead of the defaults. */
export interface ServiceOverrides {
  readonly store?: Store
  readonly sealer?: KeySealer
  /** Told of every seal and unseal (without key material); default: nobody. */
  readonly onSeal?: (entry: SealLogEntry) => void
}

/**
 * Opens the store (SQLite under the data directory, or the PostgreSQL database of
 * `config.database`, unless one is given), the key ring (creating the first keys), the
 * checkpointer and the OIDC verifier, after making the data directory private (see
 * {@link secureDataDir}). Call {@link closeServices} to stop.
 *
 * The root key's custody (`config.custody`) is opened first and every stored key unsealed: a
 * custody that cannot be reached or does not open them stops the start (fail closed).
 *
 * @throws ServerError `ERR_CONFIG_INVALID` (root key, custody, OIDC discovery, a database that is
 *   not a PostgreSQL URL, a data directory of another user), `ERR_CUSTODY_UNAVAILABLE` (the HSM or
 *   KMS cannot be reached), `ERR_STORE_UNAVAILABLE`.
 */
export async function openServices(
  config: ServerConfig,
  overrides: ServiceOverrides = {},
): Promise<KeyServerServices> {
  let rootKeySource: KeyServerServices['rootKeySource'] = 'injected'
  let custody = 'injected'
  const dataDir = secureDataDir(config.dataDir)
  const startupWarnings =
    dataDir.tightenedFrom === undefined
      ? []
      : [
          `the data directory ${config.dataDir} had mode 0${dataDir.tightenedFrom.toString(8)}, open to other users: set it to 0700`,
        ]
  const start = performance.now()
  let opened: ClosableKeySealer
  if (overrides.sealer === undefined) {
    const parsed = parseCustody(config.custody)
    custody = describeCustody(parsed)
    const result = await openKeySealer(parsed, { dataDir: config.dataDir, kasId: config.kasId })
    opened = result.sealer
    rootKeySource = result.rootKeySource ?? 'custody'
  } else {
    opened = { custody: 'injected', ...overrides.sealer }
  }
  const sealer = overrides.onSeal === undefined ? opened : logSeals(opened, overrides.onSeal)
  let store: Store
  try {
    store = overrides.store ?? (await openStore(config))
  } catch (error) {
    await sealer.close?.()
    throw error
  }
  try {
    const keys = await underStartupLock(store, () => KeyRing.open(store, sealer))
    const unsealMs = performance.now() - start
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
    return {
      config,
      store,
      keys,
      checkpointer,
      oidc,
      rootKeySource,
      custody,
      sealer,
      unsealMs,
      startupWarnings,
    }
  } catch (error) {
    await store.close()
    await sealer.close?.()
    throw error
  }
}

/** Stops the checkpointer (after a last checkpoint) and closes the store. */
export async function closeServices(services: KeyServerServices): Promise<void> {
  await services.checkpointer.stop()
  await services.checkpointer.sign().catch(() => undefined)
  await services.store.close()
  await services.sealer.close?.()
}

/**
 * Runs first-start work (the first key pairs, the first admin) under the store's start-up lock,
 * so that instances starting together on one database do it once.
 */
export function underStartupLock<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  return store.withStartupLock === undefined ? fn() : store.withStartupLock(fn)
}

/** Opens the store of `config`: SQLite in the data directory, or its PostgreSQL database. */
export async function openStore(config: ServerConfig): Promise<Store> {
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
