import { type KeyResolver, shareBindingOf } from '@latch/format'
import type { KeyServerClient } from './key-server-client.js'
import { keyServerResolverWith } from './key-server-resolver-core.js'
import { ShareBatcher } from './share-batcher.js'

/**
 * A {@link KeyResolver} that asks key servers for an object's shares: for each share, an entry
 * wrapped to a key server this resolver knows (`kasId` → client), re-wrapped by that server to a
 * fresh throw-away X25519 key, opened and checked against the object's binding, then XORed into
 * the data key. Requests made at the same time (many objects read at once) travel in one batch
 * per server. The abort signal the decryptor passes on cancels the key requests.
 *
 * @throws KeyServerError from the server (`ERR_ACCESS_DENIED`, …); ClientError
 *   `ERR_CLIENT_CONFIG_INVALID` when no entry of a share names a known server,
 *   `ERR_CLIENT_RESPONSE_INVALID` when the answer does not open.
 */
export function keyServerResolver(servers: Readonly<Record<string, KeyServerClient>>): KeyResolver {
  return keyServerResolverWith(servers, {
    batcher: (client) => new ShareBatcher(client),
    bindingOf: shareBindingOf,
  })
}
