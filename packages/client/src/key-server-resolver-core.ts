import {
  combineShares,
  type Header,
  type KeyEntry,
  type KeyResolver,
  type ShareBinding,
} from '@latch/format/web'
import { ClientError } from './errors.js'
import type { KeyServerClient } from './key-server-client.js'
import type { ShareBatcherCore } from './share-batcher-core.js'

/** What differs between Node and browsers: the batcher, and the binding's SHA-256. */
export interface ResolverPlatform {
  batcher(client: KeyServerClient): ShareBatcherCore
  bindingOf(coreBytes: Uint8Array, sid: number, n: number): ShareBinding | Promise<ShareBinding>
}

/**
 * A {@link KeyResolver} that asks key servers for an object's shares: for each share, an entry
 * wrapped to a key server this resolver knows (`kasId` → client), re-wrapped by that server to a
 * fresh throw-away X25519 key, opened and checked against the object's binding, then XORed into
 * the data key. Requests made at the same time (many objects read at once) travel in one batch
 * per server. The abort signal the decryptor passes on cancels the key requests (see
 * {@link ShareBatcher.share}).
 *
 * @throws KeyServerError from the server (`ERR_ACCESS_DENIED`, …); ClientError
 *   `ERR_CLIENT_CONFIG_INVALID` when no entry of a share names a known server,
 *   `ERR_CLIENT_RESPONSE_INVALID` when the answer does not open.
 */
export function keyServerResolverWith(
  servers: Readonly<Record<string, KeyServerClient>>,
  platform: ResolverPlatform,
): KeyResolver {
  const batchers = new Map<string, ShareBatcherCore>()
  const batcherFor = (kasId: string, client: KeyServerClient) => {
    let batcher = batchers.get(kasId)
    if (batcher === undefined) {
      batcher = platform.batcher(client)
      batchers.set(kasId, batcher)
    }
    return batcher
  }
  return async (header: Header, options: { readonly signal?: AbortSignal | undefined } = {}) => {
    const n = header.entries[0]?.n ?? 0
    const core = base64url(header.coreBytes)
    // Every share must have a server before any is asked for: a share released for an object
    // that cannot be opened would be audited as a release for nothing.
    const asks: { entry: KeyEntry; client: KeyServerClient; sid: number }[] = []
    for (let sid = 1; sid <= n; sid++) {
      const entry = header.entries.find((e) => e.sid === sid && servers[e.kasId] !== undefined)
      const client = entry === undefined ? undefined : servers[entry.kasId]
      if (entry === undefined || client === undefined) throw noServer(header, sid)
      asks.push({ entry, client, sid })
    }
    const bindings = await Promise.all(
      asks.map(({ sid }) => platform.bindingOf(header.coreBytes, sid, n)),
    )
    const requests = asks.map(({ entry, client }, i) =>
      batcherFor(entry.kasId, client).share(core, entry.jwe, bindings[i] as ShareBinding, options),
    )
    const settled = await Promise.allSettled(requests)
    const shares = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    try {
      const failed = settled.find((s) => s.status === 'rejected')
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
      return combineShares(shares)
    } finally {
      for (const share of shares) share.fill(0)
    }
  }
}

function noServer(header: Header, sid: number): ClientError {
  const known = [...new Set(header.entries.map((e) => e.kasId))].join(', ')
  const split =
    header.entries[0]?.n === 2
      ? ': the file is split across two key servers, and reading it needs a client for both'
      : ''
  return new ClientError(
    'ERR_CLIENT_CONFIG_INVALID',
    `no configured key server holds share ${sid} of this file (its entries name ${known})${split}`,
  )
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
