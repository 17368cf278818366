import { type Static, Type } from 'typebox'
import { AuditEventViewSchema } from './audit-event-view.js'

/** The schema of {@link AuditEventPage}. */
export const AuditEventPageSchema = Type.Object({
  events: Type.Array(AuditEventViewSchema),
  next: Type.Union([Type.Integer(), Type.Null()]),
})

/**
 * One page of audit records as JSON, oldest first (newest first with `order=desc`); `next` is the
 * `after` of the next page (with `order=desc` its `before`), `null` after the last.
 */
export type AuditEventPage = Static<typeof AuditEventPageSchema>
