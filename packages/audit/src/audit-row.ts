/** One stored row of the audit chain. */
export interface AuditRow {
  /** The row's position, from 1. */
  seq: number
  /** The record's canonical JSON bytes, verbatim. */
  recordBytes: Uint8Array
  /** The stored `h_seq`. */
  entryHash: Uint8Array
  /**
   * `leafHash(recordBytes)`, when the reader hashed the record already (the SQLite store's
   * worker, on another core): the verifier takes it as the hash of `recordBytes`.
   */
  leafHash?: Uint8Array
}
