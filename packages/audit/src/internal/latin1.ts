const HASH_SIZE = 32

/** The bytes as a latin1 string (one character per byte): the verifier's form of a hash. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** Whether a stored hash (32 bytes) equals a hash held as a latin1 string. */
export function sameHash(bytes: Uint8Array, hash: string): boolean {
  if (bytes.length !== HASH_SIZE) return false
  for (let i = 0; i < HASH_SIZE; i++) {
    if (bytes[i] !== hash.charCodeAt(i)) return false
  }
  return true
}
