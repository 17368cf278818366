import { KEY_SIZE } from './constants.js'
import { FormatError } from './errors.js'

/**
 * Combines key shares into the data key: `DEK = share_1 XOR … XOR share_n` (n = 1: the share).
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` unless every share is 32 bytes.
 */
export function combineShares(shares: readonly Uint8Array[]): Uint8Array {
  if (shares.length === 0 || shares.some((share) => share.length !== KEY_SIZE)) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'shares must be 32 bytes each')
  }
  const dek = new Uint8Array(KEY_SIZE)
  for (const share of shares) {
    for (let i = 0; i < KEY_SIZE; i++) dek[i] = (dek[i] ?? 0) ^ (share[i] ?? 0)
  }
  return dek
}
