import { exportX25519PublicJwk, generateX25519KeyPair, openShare } from '@latch/format'
import type { KeyServerClient } from './key-server-client.js'
import { type BatcherPlatform, ShareBatcherCore } from './share-batcher-core.js'

const nodePlatform: BatcherPlatform = {
  throwaway() {
    const { privateKey, publicKey } = generateX25519KeyPair()
    const { x } = exportX25519PublicJwk(publicKey)
    return {
      jwk: { kty: 'OKP', crv: 'X25519', x, kid: 'client' },
      open: (jwe, binding) => openShare(jwe, privateKey, binding),
    }
  },
  schedule: (task) => setImmediate(task),
}

/**
 * Collects the key requests made in the same turn of the event loop and sends them as one
 * `POST /v1/rewrap/batch` re-wrapped to one fresh throw-away key per batch (Node: `node:crypto`
 * keys, `setImmediate`). See {@link ShareBatcherCore}.
 */
export class ShareBatcher extends ShareBatcherCore {
  constructor(client: KeyServerClient, maxBatch = 100) {
    super(client, nodePlatform, maxBatch)
  }
}
