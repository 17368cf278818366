import { createHash, hash } from 'node:crypto'
import { ServerError } from '../errors.js'

// Domain-separation prefixes: 0x00 and 0x01 are RFC 6962's leaf and node, so a later Merkle tree
// over the same leaves stays sound; 0x02 is ours for the chain link.
const LEAF_PREFIX = 0x00
const CHAIN_PREFIX = 0x02
const HASH_SIZE = 32
const GENESIS_LABEL = Buffer.from('latch/v1 audit genesis\0', 'utf8')

// One preimage buffer per module: the functions are synchronous, so no call can interleave.
const link = Buffer.alloc(1 + HASH_SIZE + 8 + HASH_SIZE)
const PREVIOUS_AT = 1
const SEQ_AT = PREVIOUS_AT + HASH_SIZE
const LEAF_AT = SEQ_AT + 8
const MAX_LEAF_SCRATCH = 16 * 1024
let leafScratch = Buffer.alloc(1024)
/** `leafScratch.subarray(0, n)` at index n, for the lengths met so far. */
const leafViews: Buffer[] = []

/**
 * The chain link `h_seq = SHA-256(0x02 ‖ h_{seq-1} ‖ be64(seq) ‖ leaf_seq)`. The sequence number
 * is bound into every link, so a record cannot be moved to another position without breaking
 * the chain.
 *
 * @param previous `h_{seq-1}`: {@link genesisHash} for seq 1, else the previous link (32 bytes).
 * @param seq the record's position, from 1, contiguous.
 * @param leaf {@link leafHash} of the record bytes (32 bytes).
 * @returns `h_seq` (32 bytes, a new buffer).
 * @throws ServerError `ERR_INTERNAL` if a hash is not 32 bytes or `seq` is not a positive safe
 *   integer.
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
 * The RFC 6962 leaf hash of a record, `SHA-256(0x00 ‖ recordBytes)`.
 *
 * @param recordBytes the record's canonical JSON bytes, exactly as stored.
 * @returns the 32-byte leaf hash (a new buffer).
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

/**
 * The chain's starting value `h_0 = SHA-256("latch/v1 audit genesis" ‖ 0x00 ‖ UTF-8(origin))`,
 * the `previous` of seq 1. Binding the origin means two logs never share a chain.
 *
 * @param origin the log's origin, as in its checkpoints.
 * @returns `h_0` (32 bytes).
 */
export function genesisHash(origin: string): Buffer {
  return createHash('sha256').update(GENESIS_LABEL).update(origin, 'utf8').digest()
}

function hashLink(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new ServerError('ERR_INTERNAL', 'chain hash: seq must be a positive safe integer')
  }
  link[0] = CHAIN_PREFIX
  link.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), SEQ_AT)
  link.writeUInt32BE(seq >>> 0, SEQ_AT + 4)
  return hash('sha256', link, 'binary')
}

function notHashes(): ServerError {
  return new ServerError('ERR_INTERNAL', 'chain hash: inputs must be 32-byte SHA-256 values')
}
