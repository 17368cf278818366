import type { AuditDraft } from '../store/records.js'
import { canonicalJson } from './canonical-json.js'
import { chainHash, leafHash } from './chain-hash.js'

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
 */
export function sealRecord(
  draft: AuditDraft,
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
