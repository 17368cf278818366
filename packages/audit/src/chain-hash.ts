import { hash } from 'node:crypto'
import { AuditError } from './audit-error.js'

// 0x02 is ours for the chain link; 0x00 and 0x01 are RFC 6962's leaf and node (`leaf-hash.ts`),
// so a later Merkle tree over the same leaves stays sound.
const CHAIN_PREFIX = 0x02
const HASH_SIZE = 32

// One preimage buffer per module: the functions are synchronous, so no call can interleave.
const link = Buffer.alloc(1 + HASH_SIZE + 8 + HASH_SIZE)
const PREVIOUS_AT = 1
const SEQ_AT = PREVIOUS_AT + HASH_SIZE
const LEAF_AT = SEQ_AT + 8

/**
 * The chain link `h_seq = SHA-256(0x02 ‖ h_{seq-1} ‖ be64(seq) ‖ leaf_seq)`. The sequence number
 * is bound into every link, so a record cannot be moved to another position without breaking
 * the chain.
 *
 * @param previous `h_{seq-1}`: `genesisHash(origin)` for seq 1, else the previous link (32 bytes).
 * @param seq the record's position, from 1, contiguous.
 * @param leaf `leafHash` of the record bytes (32 bytes).
 * @returns `h_seq` (32 bytes, a new buffer).
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` if a hash is not 32 bytes or `seq` is not a
 *   positive safe integer.
 * @example
 * let h = genesisHash(origin)
 * h = chainHash(h, 1, leafHash(recordBytes))
 */
export function chainHash(previous: Uint8Array, seq: number, leaf: Uint8Array): Buffer {
  if (previous.length !== HASH_SIZE || leaf.length !== HASH_SIZE) throw notHashes()
  link.set(previous, PREVIOUS_AT)
  link.set(leaf, LEAF_AT)
  return Buffer.from(hashLink(seq), 'binary')
}

/**
 * {@link chainHash} on hashes held as latin1 strings (one character per byte), for the
 * verifier's hot loop: a digest returned as a string costs a third of one returned as a Buffer.
 *
 * @internal
 */
export function chainHashLatin1(previous: string, seq: number, leaf: string): string {
  if (previous.length !== HASH_SIZE || leaf.length !== HASH_SIZE) throw notHashes()
  link.write(previous, PREVIOUS_AT, 'binary')
  link.write(leaf, LEAF_AT, 'binary')
  return hashLink(seq)
}

/**
 * {@link chainHashLatin1} with the leaf hash as bytes, as a reader that hashed the record on
 * another thread hands it over: copied into the preimage without a string in between.
 *
 * @internal
 */
export function chainHashLatin1Leaf(previous: string, seq: number, leaf: Uint8Array): string {
  if (previous.length !== HASH_SIZE || leaf.length !== HASH_SIZE) throw notHashes()
  link.write(previous, PREVIOUS_AT, 'binary')
  link.set(leaf, LEAF_AT)
  return hashLink(seq)
}

function hashLink(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new AuditError(
      'ERR_AUDIT_ARGUMENT_INVALID',
      'chain hash: seq must be a positive safe integer',
    )
  }
  link[0] = CHAIN_PREFIX
  link.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), SEQ_AT)
  link.writeUInt32BE(seq >>> 0, SEQ_AT + 4)
  return hash('sha256', link, 'binary')
}

function notHashes(): AuditError {
  return new AuditError(
    'ERR_AUDIT_ARGUMENT_INVALID',
    'chain hash: inputs must be 32-byte SHA-256 values',
  )
}
