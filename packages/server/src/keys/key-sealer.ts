import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ServerError } from '../errors.js'

/**
 * Seals and unseals the server's private keys at rest. The default is AES-256-GCM under the local
 * root key ({@link createRootKeySealer}); `keys/custody/` holds the PKCS#11 and AWS KMS ones
 * (`--custody`). `context` (the key id) is authenticated, so a sealed key cannot be moved to
 * another row.
 */
export interface KeySealer {
  /** @throws ServerError `ERR_CUSTODY_UNAVAILABLE` when the HSM or KMS cannot be reached. */
  seal(privateKey: Uint8Array, context: string): Promise<Uint8Array>
  /**
   * @throws ServerError `ERR_CONFIG_INVALID` when the sealed key does not open (another root key
   *   or custody), `ERR_CUSTODY_UNAVAILABLE` when the HSM or KMS cannot be reached.
   */
  unseal(sealed: Uint8Array, context: string): Promise<Buffer>
}

/** The start of the authenticated data of every seal; the key id follows. */
export const SEAL_AAD_PREFIX = 'latch/v1 server key\u0000'

/**
 * A {@link KeySealer} on a 32-byte root key: `iv(12) ‖ AES-256-GCM(rootKey, iv, aad, key) ‖ tag(16)`
 * with `aad = "latch/v1 server key" ‖ 0x00 ‖ context`.
 */
export function createRootKeySealer(rootKey: Uint8Array): KeySealer {
  const key = Buffer.from(rootKey)
  return {
    async seal(privateKey, context) {
      const iv = randomBytes(12)
      const gcm = createCipheriv('aes-256-gcm', key, iv)
      gcm.setAAD(Buffer.from(SEAL_AAD_PREFIX + context, 'utf8'))
      return Buffer.concat([iv, gcm.update(privateKey), gcm.final(), gcm.getAuthTag()])
    },
    async unseal(sealed, context) {
      try {
        const bytes = Buffer.from(sealed)
        const gcm = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
        gcm.setAAD(Buffer.from(SEAL_AAD_PREFIX + context, 'utf8'))
        gcm.setAuthTag(bytes.subarray(bytes.length - 16))
        return Buffer.concat([gcm.update(bytes.subarray(12, bytes.length - 16)), gcm.final()])
      } catch (cause) {
        throw new ServerError(
          'ERR_CONFIG_INVALID',
          `server key ${context} does not open under this root key (LATCH_ROOT_KEY or root.key changed?)`,
          { cause },
        )
      }
    },
  }
}
