/**
 * `nonce_i = BE88(i) ‖ f`: the index big-endian in 11 bytes, then 0x01 for the final segment.
 * Written into `into` when given (ciphers copy their IV, so one buffer serves every segment).
 *
 * @param index - the segment index, below 2^32.
 * @param final - whether this is the object's final segment.
 * @param into - a 12-byte buffer to write the nonce into; a new one by default.
 * @returns the 12-byte nonce (`into` when given).
 */
export function segmentNonce(
  index: number,
  final: boolean,
  into: Buffer = Buffer.alloc(12),
): Buffer {
  // Indices are < 2^32, so the top seven bytes of the 88-bit counter stay zero.
  into.fill(0, 0, 7)
  into.writeUInt32BE(index, 7)
  into[11] = final ? 1 : 0
  return into
}
