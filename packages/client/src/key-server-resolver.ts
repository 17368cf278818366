import {
  combineShares,
  FormatError,
  generateX25519KeyPair,
  type Header,
  type KeyResolver,
  openShare,
  shareBindingOf,
} from '@latch/format'
import { ClientError } from './errors.js'
import type { KeyServerClient } from './key-server-client.js'

/**
 * A {@link KeyResolver} that asks key servers for an object's shares: for each share, an entry
 * wrapped to a key server this resolver knows (`kasId` → client), re-wrapped by that server to a
 * fresh throw-away X25519 key (one per request, never reused), opened and checked against the
 * object's binding, then XORed into the data key.
 *
 * @throws KeyServerError from the server (`ERR_ACCESS_DENIED`, …); ClientError
 *   `ERR_CLIENT_RESPONSE_INVALID` when no entry names a known server or the answer does not open.
 */
export function keyServerResolver(servers: Readonly<Record<string, KeyServerClient>>): KeyResolver {
  return async (header: Header) => {
    const n = header.entries[0]?.n ?? 0
    const core = Buffer.from(header.coreBytes).toString('base64url')
    const shares: Uint8Array[] = []
    try {
      for (let sid = 1; sid <= n; sid++) {
        const entry = header.entries.find((e) => e.sid === sid && servers[e.kasId] !== undefined)
        const client = entry === undefined ? undefined : servers[entry.kasId]
        if (entry === undefined || client === undefined) {
          throw new ClientError(
            'ERR_CLIENT_RESPONSE_INVALID',
            `no configured key server holds share ${sid} (entries name ${[...new Set(header.entries.map((e) => e.kasId))].join(', ')})`,
          )
        }
        const throwaway = generateX25519KeyPair()
        const x = throwaway.publicKey.export({ format: 'jwk' }).x ?? ''
        const { jwe } = await client.rewrap(
          { core, jwe: entry.jwe },
          { kty: 'OKP', crv: 'X25519', x, kid: 'client' },
        )
        try {
          shares.push(
            openShare(jwe, throwaway.privateKey, shareBindingOf(header.coreBytes, sid, n)),
          )
        } catch (cause) {
          if (!(cause instanceof FormatError)) throw cause
          throw new ClientError(
            'ERR_CLIENT_RESPONSE_INVALID',
            'the key server answered a share that does not open for this object',
            { cause },
          )
        }
      }
      return combineShares(shares)
    } finally {
      for (const share of shares) share.fill(0)
    }
  }
}
