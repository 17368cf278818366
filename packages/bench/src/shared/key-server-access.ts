import { KeyServerClient, keyServerResolver } from '@latch/client'
import type { KeyServerAccess } from '@latch/testkit/release-fixture'

/**
 * The real client for the testkit's release fixture: a `KeyServerClient` of the key server at
 * `url` per token, and key release through `keyServerResolver`.
 */
export function keyServerAccess(url: string): KeyServerAccess<KeyServerClient> {
  return {
    connect: (token) => new KeyServerClient({ server: url, token }),
    resolver: (kasId, client) => keyServerResolver({ [kasId]: client }),
  }
}
