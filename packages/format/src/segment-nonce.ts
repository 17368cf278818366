/**
 * `nonce_i = BE88(i) ‖ f`: the index big-endian in 11 bytes, then 0x01 for the final segment.
 * Written into `into` when given (ciphers copy their IV, so one buffer serves every segment).
 * Shared by the Node and web builds.
 *
 * @param index - the segment index, below 2^32.
 * @param final - whether this is the object's final segment.
 * @param into - a 12-byte buffer to write the nonce into; a new one by default.
 * @returns the 12-byte nonce (`into` when given).
 */
export function segmentNonce<T extends Uint8Array = Uint8Array>(
  index: number,
  final: boolean,
  into: T = new Uint8Array(12) as T,
): T {
  // Indices are < 2^32, so the top seven bytes of the 88-bit counter stay zero.
  into.fill(0, 0, 7)
  into[7] = index >>> 24
  into[8] = (index >>> 16) & 0xff
  into[9] = (index >>> 8) & 0xff
  into[10] = index & 0xff
  into[11] = final ? 1 : 0
  return into
}
