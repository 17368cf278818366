/** One stored row of the audit chain. */
export interface AuditRow {
  /** The row's position, from 1. */
  seq: number
  /** The record's canonical JSON bytes, verbatim. */
  recordBytes: Uint8Array
  /** The stored `h_seq`. */
  entryHash: Uint8Array
}
