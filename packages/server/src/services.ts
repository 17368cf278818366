import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Checkpointer } from './audit/checkpointer.js'
import { createOidcVerifier, type OidcVerifier } from './auth/oidc-verifier.js'
import type { ServerConfig } from './config/server-config.js'
import { KeyRing } from './keys/key-ring.js'
import { createRootKeySealer, type KeySealer } from './keys/key-sealer.js'
import { loadRootKey, type RootKeySource } from './keys/root-key.js'
import { openSqliteStore } from './store/sqlite/sqlite-store.js'
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
}

/** Parts a test or an embedding can supply instead of the defaults. */
export interface ServiceOverrides {
  readonly store?: Store
  readonly sealer?: KeySealer
}

/**
 * Opens the store (SQLite under the data directory unless one is given), the key ring (creating
 * the first keys), the checkpointer and the OIDC verifier. Call {@link closeServices} to stop.
 *
 * @throws ServerError `ERR_CONFIG_INVALID` (root key, OIDC discovery), `ERR_STORE_UNAVAILABLE`.
 */
export async function openServices(
  config: ServerConfig,
  overrides: ServiceOverrides = {},
): Promise<KeyServerServices> {
  let rootKeySource: RootKeySource | 'injected' = 'injected'
  let sealer = overrides.sealer
  if (overrides.store === undefined || sealer === undefined)
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  if (sealer === undefined) {
    const root = loadRootKey(config.dataDir)
    rootKeySource = root.source
    sealer = createRootKeySealer(root.key)
    root.key.fill(0)
  }
  const store =
    overrides.store ??
    openSqliteStore({
      file: join(config.dataDir, 'latch.db'),
      synchronous: config.synchronous,
      tailBounds: config,
    })
  try {
    const keys = await KeyRing.open(store, sealer)
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
    return { config, store, keys, checkpointer, oidc, rootKeySource }
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
