import { createHash, hash } from 'node:crypto'

// RFC 6962's leaf prefix: a later Merkle tree over the same leaves stays sound.
const LEAF_PREFIX = 0x00
const MAX_LEAF_SCRATCH = 16 * 1024
let leafScratch = Buffer.alloc(1024)
/** `leafScratch.subarray(0, n)` at index n, for the lengths met so far. */
const leafViews: Buffer[] = []

/**
 * The RFC 6962 leaf hash of a record, `SHA-256(0x00 ‖ recordBytes)`.
 *
 * @param recordBytes the record's canonical JSON bytes, exactly as stored.
 * @returns the 32-byte leaf hash (a new buffer).
 * @example
 * const h1 = chainHash(genesisHash(origin), 1, leafHash(recordBytes))
 */
export function leafHash(recordBytes: Uint8Array): Buffer {
  return Buffer.from(leafHashLatin1(recordBytes), 'binary')
}

/**
 * {@link leafHash} as a latin1 string (one character per byte), for the verifier's hot loop.
 *
 * @internal
 */
export function leafHashLatin1(recordBytes: Uint8Array): string {
  const size = recordBytes.length + 1
  if (size > MAX_LEAF_SCRATCH) {
    return createHash('sha256').update(Buffer.of(LEAF_PREFIX)).update(recordBytes).digest('binary')
  }
  if (size > leafScratch.length) {
    leafScratch = Buffer.alloc(MAX_LEAF_SCRATCH)
    leafViews.length = 0
  }
  leafScratch[0] = LEAF_PREFIX
  leafScratch.set(recordBytes, 1)
  // A view per preimage length, made once: a new one per record cost more than its copy.
  let view = leafViews[size]
  if (view === undefined) {
    view = leafScratch.subarray(0, size)
    leafViews[size] = view
  }
  return hash('sha256', view, 'binary')
}
