import type { KeyServerClient } from '@latch/client'
import { createObjectWriter, encryptBuffer, type Header, parseHeader } from '@latch/format'

/**
 * Encrypts `data` the way a client does: under a policy the server created, to the server's
 * current wrap key (from its JWKS). Returns the object and its parsed header.
 */
export async function encryptFor(
  client: KeyServerClient,
  policyId: string,
  data: Uint8Array,
): Promise<{ object: Uint8Array; header: Header }> {
  const set = await client.keys()
  const jwk = set.keys.find((k) => k.kid === set.current)
  if (jwk === undefined) throw new Error('no current key')
  const writer = createObjectWriter({
    policyId,
    shares: [[{ kasId: set.kasId, kid: jwk.kid, publicKey: jwk }]],
  })
  const object = encryptBuffer(writer, data)
  return { object, header: parseHeader(object) }
}
