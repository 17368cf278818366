import type { AuditWindowStart } from './verify-audit-log.js'

/**
 * The format tag of an audit export file, on its first line. A reader refuses any other.
 *
 * An export is a JSON Lines file (UTF-8, every line ending in `\n`) that can be verified offline
 * with only the server's published checkpoint key (`GET /v1/audit/key`):
 *
 * ```text
 * {"format":"latch-audit-export/1","origin":"…","exportedAt":"<RFC 3339 ms>","size":N,"headHash":"<base64>","from":null}
 * {"checkpoint":{"size":1000,"note":"<the signed note, verbatim>","signedAt":"<RFC 3339 ms>"}}
 * …                                   one line per checkpoint, oldest first
 * {"seq":1,"record":"<base64 of the record's exact canonical bytes>","entryHash":"<base64>"}
 * …                                   one line per record, ascending, up to seq N
 * ```
 *
 * - The header's `size` and `headHash` are the chain head when the export was taken (`GET
 *   /v1/audit/head`): the records end at `size`, and the last one's entry hash is `headHash`.
 * - `from` is `null` for the whole log, or `{"size":S,"headHash":"<base64>"}` for a partial
 *   export: the size and head of a checkpoint, the records starting at seq `S + 1`. The
 *   checkpoints may then begin at any note up to that one.
 * - The checkpoints come **before** the records, so that a reader knows every note before the
 *   first record and can verify millions of records streaming, in constant memory.
 * - Nothing in the file is trusted: the notes' signatures under the pinned key vouch for the
 *   records up to the last checkpoint; records after it are only as good as the server that
 *   exported them (the verifier reports them as unsigned).
 */
export const AUDIT_EXPORT_FORMAT = 'latch-audit-export/1'

/** The first line of an audit export. */
export interface AuditExportHeader {
  /** The log's origin. */
  origin: string
  /** When the export was taken: the verifier judges freshness at this time. */
  exportedAt: Date
  /** The chain head's size when the export was taken: the last record's seq. */
  size: number
  /** The chain head's hash then: the last record's entry hash (32 bytes). */
  headHash: Uint8Array
  /** For a partial export, the checkpoint it starts after; `undefined` for the whole log. */
  from: AuditWindowStart | undefined
}

/** One checkpoint line of an audit export, as `GET /v1/audit/checkpoints` lists it. */
export interface AuditExportCheckpoint {
  /** The size the note signs. */
  size: number
  /** The signed note's full text, verbatim. */
  note: string
  /** When it was stored. */
  signedAt: Date
}
