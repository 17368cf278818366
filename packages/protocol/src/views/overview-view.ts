import { type Static, Type } from 'typebox'
import { AuditEventViewSchema } from './audit-event-view.js'

/** The schema of {@link OverviewView}. */
export const OverviewViewSchema = Type.Object({
  scope: Type.Union([Type.Literal('all'), Type.Literal('mine')], {
    description: 'all: an admin sees every policy; mine: the policies the caller owns or reads',
  }),
  server: Type.Object({
    version: Type.String(),
    time: Type.String({ format: 'date-time', description: "the database's clock" }),
    database: Type.Object({
      kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
      ok: Type.Boolean(),
    }),
  }),
  chain: Type.Object({
    headSeq: Type.Integer({ description: 'the last record of the audit chain (0: none)' }),
    lastCheckpoint: Type.Union([
      Type.Object({ seq: Type.Integer(), time: Type.String({ format: 'date-time' }) }),
      Type.Null(),
    ]),
    unsignedTail: Type.Integer({ description: 'records no signed checkpoint covers yet' }),
  }),
  files: Type.Object(
    {
      total: Type.Integer(),
      active: Type.Integer(),
      revoked: Type.Integer(),
      expired: Type.Integer({ description: 'not revoked, and expiresAt is past' }),
    },
    { description: 'the policies in scope, by state' },
  ),
  lockdowns: Type.Union([Type.Object({ active: Type.Integer() }), Type.Null()], {
    description: 'admins only (null for others)',
  }),
  recentDenials: Type.Array(AuditEventViewSchema, {
    description: 'admins: the last 10 key denials, newest first; others: none',
  }),
  recentChanges: Type.Array(AuditEventViewSchema, {
    description:
      "the last 10 policy.* records, newest first: admins every policy's, owners their policies'; readers none",
  }),
})

/**
 * What a console shows first (`GET /v1/overview`), scoped to the caller: admins see every policy,
 * the lockdowns and the latest key denials; everyone else the policies they own or read, and the
 * latest changes of the policies they own. `files.expired` counts the policies not revoked whose
 * expiry is past; `active` the others not revoked.
 */
export type OverviewView = Static<typeof OverviewViewSchema>
