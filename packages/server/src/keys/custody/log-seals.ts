import type { ClosableKeySealer } from './closable-key-sealer.js'

/** One seal or unseal, as logged: never the key, only which one and how it went. */
export interface SealLogEntry {
  readonly custody: ClosableKeySealer['custody']
  readonly op: 'seal' | 'unseal'
  readonly kid: string
  readonly ok: boolean
  /** The error code when it failed. */
  readonly code?: string
  readonly ms: number
}

/** Wraps a sealer so that every seal and unseal is reported to `log`, failed ones too. */
export function logSeals(
  sealer: ClosableKeySealer,
  log: (entry: SealLogEntry) => void,
): ClosableKeySealer {
  const timed = async <T>(op: 'seal' | 'unseal', kid: string, fn: () => Promise<T>) => {
    const start = performance.now()
    try {
      const result = await fn()
      log({ custody: sealer.custody, op, kid, ok: true, ms: elapsed(start) })
      return result
    } catch (error) {
      const code = (error as { code?: unknown }).code
      log({
        custody: sealer.custody,
        op,
        kid,
        ok: false,
        ...(typeof code === 'string' ? { code } : {}),
        ms: elapsed(start),
      })
      throw error
    }
  }
  return {
    custody: sealer.custody,
    seal: (privateKey, context) => timed('seal', context, () => sealer.seal(privateKey, context)),
    unseal: (sealed, context) => timed('unseal', context, () => sealer.unseal(sealed, context)),
    ...(sealer.close === undefined ? {} : { close: () => (sealer.close as () => Promise<void>)() }),
  }
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10
}
