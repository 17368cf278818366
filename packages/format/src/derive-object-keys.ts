import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'
import { KEY_SIZE } from './constants.js'
import { FormatError } from './errors.js'

/** The keys of one object, all derived from its data key. */
export interface ObjectKeys {
  /** `K_enc`: the AES-256-GCM key of every segment. */
  readonly payloadKey: KeyObject
  /** `C`: the key commitment stored in the header. */
  readonly commitment: Uint8Array
  /** `K_hdr`: the HMAC-SHA-256 key of the header MAC. */
  readonly macKey: Uint8Array
}

const INFO_LABEL = Buffer.from('latch/v1 keys\0', 'ascii')

/**
 * Derives `K_enc ‖ C ‖ K_hdr = HKDF-SHA-256(ikm = DEK, salt = salt, info = "latch/v1 keys" ‖ 0x00
 * ‖ hc, L = 96)`. One HKDF call gives all three (as in C2SP chunked-encryption); `C` commits to
 * the data key and, through `hc`, to the policy id, object id, salt, suite and segment size.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when the data key is not 32 bytes.
 */
export function deriveObjectKeys(
  dek: Uint8Array,
  salt: Uint8Array,
  coreHash: Uint8Array,
): ObjectKeys {
  if (dek.length !== KEY_SIZE) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'data key must be 32 bytes')
  }
  const okm = Buffer.from(hkdfSync('sha256', dek, salt, Buffer.concat([INFO_LABEL, coreHash]), 96))
  const keys = {
    payloadKey: createSecretKey(okm.subarray(0, 32)),
    commitment: okm.subarray(32, 64),
    macKey: okm.subarray(64, 96),
  }
  okm.fill(0, 0, 32)
  return keys
}
