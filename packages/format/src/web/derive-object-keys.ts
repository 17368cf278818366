import { KEY_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import { asciiBytes, type CryptoKey, joinPieces, subtle } from './subtle.js'

/** The keys of one object, all derived from its data key (web build). */
export interface ObjectKeys {
  /** `K_enc`: the AES-256-GCM key of every segment, not extractable. */
  readonly payloadKey: CryptoKey
  /** `C`: the key commitment stored in the header. */
  readonly commitment: Uint8Array
  /** `K_hdr`: the HMAC-SHA-256 key of the header MAC, not extractable. */
  readonly macKey: CryptoKey
}

const INFO_LABEL = asciiBytes('latch/v1 keys\0')

/**
 * `K_enc ‖ C ‖ K_hdr = HKDF-SHA-256(ikm = DEK, salt, info = "latch/v1 keys" ‖ 0x00 ‖ hc, L = 96)`
 * as bytes: test vectors compare them; everything else uses {@link deriveObjectKeys}.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when the data key is not 32 bytes.
 */
export async function deriveObjectKeyBytes(
  dek: Uint8Array,
  salt: Uint8Array,
  coreHash: Uint8Array,
): Promise<Uint8Array> {
  if (dek.length !== KEY_SIZE) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'data key must be 32 bytes')
  }
  const ikm = await subtle().importKey('raw', dek, 'HKDF', false, ['deriveBits'])
  const info = joinPieces([INFO_LABEL, coreHash])
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 768)
  return new Uint8Array(bits)
}

/**
 * Derives an object's keys from its data key (the same HKDF as the Node build), as WebCrypto
 * keys that cannot be exported.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when the data key is not 32 bytes.
 */
export async function deriveObjectKeys(
  dek: Uint8Array,
  salt: Uint8Array,
  coreHash: Uint8Array,
): Promise<ObjectKeys> {
  const okm = await deriveObjectKeyBytes(dek, salt, coreHash)
  try {
    const [payloadKey, macKey] = await Promise.all([
      subtle().importKey('raw', okm.subarray(0, 32), 'AES-GCM', false, ['encrypt', 'decrypt']),
      subtle().importKey('raw', okm.subarray(64, 96), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ]),
    ])
    return { payloadKey, commitment: okm.slice(32, 64), macKey }
  } finally {
    okm.fill(0)
  }
}
