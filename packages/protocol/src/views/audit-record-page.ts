import { type Static, Type } from 'typebox'

/** The schema of {@link AuditRecordPage}. */
export const AuditRecordPageSchema = Type.Object({
  records: Type.Array(
    Type.Object({ seq: Type.Integer(), record: Type.String(), entryHash: Type.String() }),
  ),
  next: Type.Union([Type.Integer(), Type.Null()]),
})

/**
 * One page of the audit chain for verification: each record's exact bytes and entry hash
 * (base64), ascending by `seq`; `next` is the `after` of the next page, `null` after the last.
 */
export type AuditRecordPage = Static<typeof AuditRecordPageSchema>
