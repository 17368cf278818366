import { type AuditValue, canonicalJson } from './canonical-json.js'
import { chainHash } from './chain-hash.js'
import { leafHash } from './leaf-hash.js'

/** Version of the audit record schema (`docs/audit-events.md`). */
export const AUDIT_RECORD_VERSION = 1

/** An audit record ready to insert: its canonical bytes and its chain hash `h_seq`. */
export interface SealedRecord {
  readonly recordBytes: Buffer
  readonly entryHash: Buffer
}

/**
 * Turns a draft into the record at position `seq` of the chain: adds `v`, `seq` and `time`,
 * serializes it as canonical JSON (RFC 8785), and computes
 * `h_seq = SHA-256(0x02 ‖ h_{seq-1} ‖ be64(seq) ‖ SHA-256(0x00 ‖ bytes))`.
 * The bytes are stored verbatim, so verification never depends on re-serialization.
 *
 * @param draft the record's members but `v`, `seq` and `time` (`docs/audit-events.md`).
 * @param seq its position, from 1.
 * @param time its time, `YYYY-MM-DDTHH:MM:SS.sssZ` (the database clock).
 * @param previousHash `h_{seq-1}` (the genesis hash for seq 1).
 * @returns the record bytes and `h_seq`.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` for a draft that is not canonical JSON, a
 *   hash that is not 32 bytes, or a `seq` that is not a positive safe integer.
 * @example
 * const sealed = sealRecord({ type: 'key.release', actor }, 1, time, genesisHash(origin))
 */
export function sealRecord(
  draft: Readonly<Record<string, AuditValue>>,
  seq: number,
  time: string,
  previousHash: Uint8Array,
): SealedRecord {
  const recordBytes = Buffer.from(
    canonicalJson({ ...draft, v: AUDIT_RECORD_VERSION, seq, time }),
    'utf8',
  )
  return { recordBytes, entryHash: chainHash(previousHash, seq, leafHash(recordBytes)) }
}
