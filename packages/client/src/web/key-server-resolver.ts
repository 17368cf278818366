import {
  exportX25519PublicJwk,
  generateX25519KeyPair,
  type KeyResolver,
  openShare,
  shareBindingOf,
} from '@latch/format/web'
import type { KeyServerClient } from '../key-server-client.js'
import { keyServerResolverWith } from '../key-server-resolver-core.js'
import { type BatcherPlatform, ShareBatcherCore } from '../share-batcher-core.js'

const webPlatform: BatcherPlatform = {
  async throwaway() {
    const { privateKey, publicKey } = await generateX25519KeyPair()
    const { x } = await exportX25519PublicJwk(publicKey)
    return {
      jwk: { kty: 'OKP', crv: 'X25519', x, kid: 'client' },
      open: (jwe, binding) => openShare(jwe, privateKey, binding),
    }
  },
  // Browsers have no setImmediate; a zero timeout also waits for the current task to finish.
  schedule: (task) => {
    setTimeout(task, 0)
  },
}

/**
 * The key resolver of a page (web build): for each share, an entry wrapped to a key server this
 * resolver knows (`kasId` → client), re-wrapped by that server to a fresh throw-away X25519 key
 * made with WebCrypto (not extractable, one per batch), opened and checked against the object's
 * binding, then XORed into the data key. The clients carry the page's bearer token (an API token
 * or the signed-in user's OIDC access token).
 *
 * @example
 * ```ts
 * const client = new KeyServerClient({ server: 'https://kas.example', token: accessToken })
 * const plaintext = decryptToStream(response.body, keyServerResolver({ kas: client }))
 * ```
 * @throws KeyServerError from the server (`ERR_ACCESS_DENIED`, …); ClientError
 *   `ERR_CLIENT_RESPONSE_INVALID` when no entry names a known server or the answer does not open.
 */
export function keyServerResolver(servers: Readonly<Record<string, KeyServerClient>>): KeyResolver {
  return keyServerResolverWith(servers, {
    batcher: (client) => new ShareBatcherCore(client, webPlatform),
    bindingOf: shareBindingOf,
  })
}
