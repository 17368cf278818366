import { type Static, Type } from 'typebox'

/** The schema of {@link AuditEventView}. */
export const AuditEventViewSchema = Type.Intersect(
  [
    Type.Object({
      v: Type.Integer({ description: 'record schema, 1' }),
      seq: Type.Integer({ description: 'position in the chain, from 1' }),
      time: Type.String({ description: 'database time, ISO 8601 UTC with milliseconds' }),
      type: Type.String({ description: 'the event, see docs/audit-events.md' }),
      actor: Type.Intersect([
        Type.Object({ email: Type.String() }),
        Type.Record(Type.String(), Type.Unknown()),
      ]),
    }),
    Type.Record(Type.String(), Type.Unknown()),
  ],
  { description: 'one audit record as stored (docs/audit-events.md)' },
)

/**
 * One audit record as stored: the members every record has (`v`, `seq`, `time`, `type`,
 * `actor`) and the event's own (`docs/audit-events.md`), in the record's canonical order.
 */
export type AuditEventView = Static<typeof AuditEventViewSchema>
