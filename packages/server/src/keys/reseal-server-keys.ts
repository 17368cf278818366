import { timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { auditEvent } from '../audit/audit-event.js'
import { SYSTEM_IDENTITY } from '../auth/identity.js'
import { resolveConfig, type ServerConfigInput } from '../config/server-config.js'
import { ServerError } from '../errors.js'
import { openStore } from '../services.js'
import type { ResealedKey } from '../store/records.js'
import type { ClosableKeySealer } from './custody/closable-key-sealer.js'
import { logSeals, type SealLogEntry } from './custody/log-seals.js'
import { openKeySealer } from './custody/open-key-sealer.js'
import { type Custody, describeCustody, parseCustody } from './custody/parse-custody.js'
import { ROOT_KEY_FILE } from './root-key.js'

/** Options of {@link resealServerKeys}: the server's store configuration and both custodies. */
export interface ResealOptions extends ServerConfigInput {
  /** The custody the keys are sealed under now (as `--custody`). */
  readonly from: string
  /** The custody to move them to. */
  readonly to: string
  /** Told of every seal and unseal (without key material). */
  readonly onSeal?: (entry: SealLogEntry) => void
  /** Where `LATCH_ROOT_KEY` and `LATCH_PKCS11_PIN` are read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv
}

/** What {@link resealServerKeys} did. */
export interface ResealResult {
  readonly from: string
  readonly to: string
  /** The kids moved to `to`. */
  readonly resealed: readonly string[]
  /** The kids that were under `to` already (a reseal run again, a key added by a new instance). */
  readonly already: readonly string[]
}

/**
 * Moves every server key from one custody to another (`latch keys reseal`): each key is unsealed
 * under `from`, sealed under `to` and checked to open there, then all of them are replaced in one
 * transaction with a `key.reseal` audit record. Keys already under `to` are left as they are, so
 * it can be run again. Running servers keep the keys they hold in memory and go on serving; each
 * must be restarted with `--custody` set to `to` before the next rotation (`docs/DEPLOYMENT.md`).
 *
 * @throws ServerError `ERR_CONFIG_INVALID` (a custody that does not parse, a key that opens under
 *   neither custody, a root key file that does not exist), `ERR_CUSTODY_UNAVAILABLE`,
 *   `ERR_CONFLICT` (another reseal ran meanwhile: nothing changed), `ERR_STORE_UNAVAILABLE`.
 */
export async function resealServerKeys(options: ResealOptions): Promise<ResealResult> {
  const config = resolveConfig(options)
  const from = parseCustody(options.from)
  const to = parseCustody(options.to)
  const env = options.env ?? process.env
  for (const custody of [from, to]) assertRootKeyExists(custody, config.dataDir, env)
  if (config.database === '' && !existsSync(join(config.dataDir, 'latch.db'))) {
    throw new ServerError('ERR_CONFIG_INVALID', `no key server database in ${config.dataDir}`)
  }
  const context = { dataDir: config.dataDir, kasId: config.kasId, env }
  const sealers: ClosableKeySealer[] = []
  const logged = (sealer: ClosableKeySealer) =>
    options.onSeal === undefined ? sealer : logSeals(sealer, options.onSeal)
  try {
    const source = logged((await openKeySealer(from, context)).sealer)
    sealers.push(source)
    const target = logged((await openKeySealer(to, context)).sealer)
    sealers.push(target)
    const store = await openStore(config)
    try {
      const updates: ResealedKey[] = []
      const already: string[] = []
      for (const record of await store.listServerKeys()) {
        const raw = await openUnder(source, target, record.sealedPrivateKey, record.kid)
        if (raw === 'target') {
          already.push(record.kid)
          continue
        }
        try {
          const sealed = await target.seal(raw, record.kid)
          const check = await target.unseal(sealed, record.kid)
          const same = check.length === raw.length && timingSafeEqual(check, raw)
          check.fill(0)
          if (!same) {
            throw new ServerError('ERR_INTERNAL', `server key ${record.kid} did not reopen`)
          }
          updates.push({
            kid: record.kid,
            previous: record.sealedPrivateKey,
            sealedPrivateKey: sealed,
          })
        } finally {
          raw.fill(0)
        }
      }
      const result = {
        from: describeCustody(from),
        to: describeCustody(to),
        resealed: updates.map((u) => u.kid),
        already,
      }
      if (updates.length > 0) {
        await store.resealServerKeys(
          updates,
          auditEvent('key.reseal', SYSTEM_IDENTITY, undefined, {
            from: result.from,
            to: result.to,
            kids: result.resealed,
            operator: operator(),
          }),
        )
      }
      return result
    } finally {
      await store.close()
    }
  } finally {
    for (const sealer of sealers) await sealer.close?.()
  }
}

// A key that does not open under `from` but does under `to` was moved already.
async function openUnder(
  source: ClosableKeySealer,
  target: ClosableKeySealer,
  sealed: Uint8Array,
  kid: string,
): Promise<Buffer | 'target'> {
  try {
    return await source.unseal(sealed, kid)
  } catch (error) {
    if (!(error instanceof ServerError) || error.code !== 'ERR_CONFIG_INVALID') throw error
    const moved = await target.unseal(sealed, kid).catch(() => undefined)
    if (moved === undefined) throw error
    moved.fill(0)
    return 'target'
  }
}

// loadRootKey creates DATA/root.key when there is none: right for a first start, wrong here,
// where a new random key would open nothing.
function assertRootKeyExists(custody: Custody, dataDir: string, env: NodeJS.ProcessEnv): void {
  if (custody.kind !== 'root-key' || custody.file !== undefined) return
  if ((env.LATCH_ROOT_KEY ?? '') !== '') return
  if (!existsSync(join(dataDir, ROOT_KEY_FILE))) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `custody root-key: neither LATCH_ROOT_KEY nor ${join(dataDir, ROOT_KEY_FILE)} is there`,
    )
  }
}

function operator(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}
