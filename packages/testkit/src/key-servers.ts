import { readFileSync } from 'node:fs'
import {
  combineShares,
  FormatError,
  type Header,
  importX25519PrivateKey,
  type KeyResolver,
  openShare,
  parseCompactJwe,
  shareBindingOf,
} from '@latch/format'
import type { VectorKey } from './vector.js'
import { preferredEntry } from './vector-entry.js'

/** The folder of committed vectors. */
export const VECTORS_DIR: URL = new URL('../vectors/', import.meta.url)

/** The key-server key pairs the vectors were written to (`vectors/keys.json`). */
export function loadVectorKeys(): VectorKey[] {
  return JSON.parse(readFileSync(new URL('keys.json', VECTORS_DIR), 'utf8')) as VectorKey[]
}

/**
 * A key resolver that plays the key servers of the vectors and the client together: for each
 * share it picks an entry (preferred key servers first, then header order), opens the JWE with
 * that server's private key for its `kid` after checking the binding to the header core, exactly
 * as `latch server` does, and XORs the shares. An unknown `kid` is denied like a bad JWE.
 */
export function vectorKeyServerResolver(
  keys: readonly VectorKey[],
  preference: readonly string[] = [],
): KeyResolver {
  return async (header: Header) => {
    const n = header.entries[0]?.n ?? 0
    const shares: Uint8Array[] = []
    for (let sid = 1; sid <= n; sid++) {
      const entry = preferredEntry(header.entries, sid, preference)
      if (entry === undefined) throw denied()
      const jwe = parseCompactJwe(entry.jwe)
      const key = keys.find((k) => k.kas_id === entry.kasId && k.kid === jwe.header.kid)
      if (key === undefined) throw denied()
      const privateKey = importX25519PrivateKey(Buffer.from(key.private_key, 'hex'))
      shares.push(openShare(jwe, privateKey, shareBindingOf(header.coreBytes, sid, n)))
    }
    return combineShares(shares)
  }
}

// The key server's one denial: its message, like the format's, never says which check failed.
function denied(): FormatError {
  return new FormatError('ERR_FORMAT_DECRYPT_FAILED', 'the object failed authentication')
}

/** A key resolver that hands over a known data key: the "bypass the key server" harness. */
export function dataKeyResolver(dek: Uint8Array): KeyResolver {
  return async () => Uint8Array.from(dek)
}
