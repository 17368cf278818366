import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type AuditEventView, routes } from '@latch/protocol'
import { SERVER_VERSION } from '../../../server-version.js'
import type { AuditRow } from '../../../store/records.js'
import { callerOf } from '../../caller-of.js'

// How many records each list of the overview holds.
const RECENT = 10

/**
 * `GET /v1/overview`: what a console shows first, scoped to the caller. Admins: every policy by
 * state, the active lockdowns, the latest key denials and policy changes. Anyone else: the
 * policies they own or read by state, and the latest changes of the policies they own (a reader
 * sees no audit record).
 */
export const overviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.overview,
    // Records go out as stored, in their canonical member order (see GET /v1/audit/events).
    serializerCompiler: () => (data) => JSON.stringify(data),
    handler: async (request) => {
      const caller = callerOf(request)
      const { store } = app.latch
      const admin = caller.role === 'admin'
      const [counts, head, rules, denials, changes] = await Promise.all([
        store.countPolicies(admin ? {} : { visibleTo: caller.email }),
        store.auditHead(),
        admin ? store.listLockdownRules() : undefined,
        admin
          ? store.queryAudit({ type: 'key.release.denied' }, { order: 'desc', limit: RECENT })
          : [],
        store.queryAudit(
          admin ? { type: 'policy.*' } : { type: 'policy.*', policyOwner: caller.email },
          { order: 'desc', limit: RECENT },
        ),
      ])
      return {
        scope: admin ? ('all' as const) : ('mine' as const),
        server: {
          version: SERVER_VERSION,
          time: counts.at.toISOString(),
          // The queries above answered (a database that does not is a 503).
          database: { kind: store.kind, ok: true },
        },
        chain: {
          headSeq: head.size,
          lastCheckpoint:
            head.signedAt === undefined
              ? null
              : { seq: head.signedSize, time: head.signedAt.toISOString() },
          unsignedTail: head.size - head.signedSize,
        },
        files: {
          total: counts.total,
          active: counts.active,
          revoked: counts.revoked,
          expired: counts.expired,
        },
        lockdowns: rules === undefined ? null : { active: rules.length },
        recentDenials: denials.map(eventOf),
        recentChanges: changes.map(eventOf),
      }
    },
  })
}

function eventOf(row: AuditRow): AuditEventView {
  return JSON.parse(Buffer.from(row.recordBytes).toString('utf8')) as AuditEventView
}
