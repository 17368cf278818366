import { createHash } from 'node:crypto'

const GENESIS_LABEL = Buffer.from('latch/v1 audit genesis\0', 'utf8')

/**
 * The chain's starting value `h_0 = SHA-256("latch/v1 audit genesis" ‖ 0x00 ‖ UTF-8(origin))`,
 * the `previous` of seq 1. Binding the origin means two logs never share a chain.
 *
 * @param origin the log's origin, as in its checkpoints.
 * @returns `h_0` (32 bytes).
 * @example
 * const h1 = chainHash(genesisHash('latch-audit/abc'), 1, leafHash(recordBytes))
 */
export function genesisHash(origin: string): Buffer {
  return createHash('sha256').update(GENESIS_LABEL).update(origin, 'utf8').digest()
}
