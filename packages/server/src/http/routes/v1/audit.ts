import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { checkpointKeyId, encodeAuditExport, formatVerifierKey } from '@latch/audit'
import { type AuditEventView, routes } from '@latch/protocol'
import { auditStretch } from '../../../audit/audit-stretch.js'
import { ServerError } from '../../../errors.js'
import { assertMayChangePolicy } from '../../../policy/may-see-policy.js'
import { auditRowsBetween } from '../../../store/audit-rows-between.js'
import { callerOf } from '../../caller-of.js'
import { parseTimeInput } from '../../parse-time-input.js'

/**
 * The audit chain over HTTP. Public: the checkpoint verification key (`GET /v1/audit/key`). Admin:
 * the head, the records page by page (their exact bytes, base64), the signed checkpoints, and
 * `POST /v1/audit/checkpoints` to sign the head now. `latch audit verify` reads these.
 * `GET /v1/audit/events` lists records as JSON, filtered by policy, actor, type and time: admins
 * any, a policy's owner those of their policy.
 */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.auditKey,
    config: { access: 'public' },
    handler: async () => {
      const key = app.latch.keys.checkpointKey
      const raw = Buffer.from(key.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
      return {
        origin: app.latch.store.auditOrigin,
        name: key.name,
        publicKey: raw.toString('base64'),
        keyId: checkpointKeyId(key.name, key.publicKey).toString('base64'),
        verifierKey: formatVerifierKey(key),
      }
    },
  })

  app.route({
    ...routes.auditHead,
    config: { access: 'admin' },
    handler: async () => {
      const head = await app.latch.store.auditHead()
      return {
        origin: app.latch.store.auditOrigin,
        size: head.size,
        headHash: Buffer.from(head.headHash).toString('base64'),
        signedSize: head.signedSize,
        signedAt: head.signedAt?.toISOString() ?? null,
      }
    },
  })

  app.route({
    ...routes.auditRecords,
    config: { access: 'admin' },
    handler: async (request) => {
      const after = Number(request.query.after ?? 0)
      const limit = Number(request.query.limit ?? 1000)
      const rows = await app.latch.store.readAudit(after, limit)
      return {
        records: rows.map((r) => ({
          seq: r.seq,
          record: Buffer.from(r.recordBytes).toString('base64'),
          entryHash: Buffer.from(r.entryHash).toString('base64'),
        })),
        next: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
      }
    },
  })

  app.route({
    ...routes.auditEvents,
    // Records go out as stored, in their canonical member order; a serializer compiled from the
    // schema would put the members it names first.
    serializerCompiler: () => (data) => JSON.stringify(data),
    handler: async (request) => {
      const caller = callerOf(request)
      const { query } = request
      if (caller.role !== 'admin') {
        if (query.policy === undefined) {
          throw new ServerError('ERR_ACCESS_FORBIDDEN', 'only admins read the whole audit log')
        }
        const policy = await app.latch.store.getPolicy(query.policy, { objects: false })
        if (policy === undefined)
          throw new ServerError('ERR_NOT_FOUND', `no policy ${query.policy}`)
        assertMayChangePolicy(caller, policy)
      }
      const limit = Number(query.limit ?? 100)
      const order = query.order ?? 'asc'
      const rows = await app.latch.store.queryAudit(
        {
          ...(query.policy === undefined ? {} : { policyId: query.policy }),
          ...(query.actor === undefined ? {} : { actor: query.actor.toLowerCase() }),
          ...(query.type === undefined ? {} : { type: query.type }),
          ...(query.since === undefined ? {} : { since: parseTimeInput(query.since, 'since') }),
          ...(query.until === undefined ? {} : { until: parseTimeInput(query.until, 'until') }),
        },
        {
          after: Number(query.after ?? 0),
          ...(query.before === undefined ? {} : { before: Number(query.before) }),
          order,
          limit,
        },
      )
      return {
        events: rows.map(
          (r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')) as AuditEventView,
        ),
        // The after of the next page ascending, its before descending: the last seq either way.
        next: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
      }
    },
  })

  app.route({
    ...routes.auditExport,
    config: { access: 'admin' },
    handler: async (request, reply) => {
      const { query } = request
      if (query.policy !== undefined) {
        const policy = await app.latch.store.getPolicy(query.policy, { objects: false })
        if (policy === undefined)
          throw new ServerError('ERR_NOT_FOUND', `no policy ${query.policy}`)
      }
      const window =
        query.since === undefined && query.until === undefined
          ? undefined
          : exportWindow(query.since, query.until)
      const stretch = await auditStretch(app.latch.store, app.latch.keys.checkpointKey, window)
      const encoded = encodeAuditExport({
        header: {
          origin: app.latch.store.auditOrigin,
          exportedAt: new Date(),
          size: stretch.size,
          headHash: stretch.headHash,
          from: stretch.from,
        },
        checkpoints: stretch.checkpoints.map((c) => ({
          size: c.size,
          note: c.note,
          signedAt: c.signedAt,
        })),
        rows: auditRowsBetween(app.latch.store, stretch.from?.size ?? 0, stretch.size),
      })
      const name = `latch-audit-${query.policy ?? 'log'}-${stretch.from?.size ?? 0}-${stretch.size}.jsonl`
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Readable.from(encoded, { objectMode: false }))
    },
  })

  app.route({
    ...routes.listCheckpoints,
    config: { access: 'admin' },
    handler: async () => ({
      checkpoints: (await app.latch.store.listCheckpoints()).map((c) => ({
        size: c.size,
        note: c.note,
        signedAt: c.signedAt.toISOString(),
      })),
    }),
  })

  app.route({
    ...routes.signCheckpoint,
    config: { access: 'admin' },
    handler: async (_request, reply) => {
      const size = await app.latch.checkpointer.sign()
      reply.code(201)
      return { size }
    },
  })
}

/** The window of an export: `since` (default the start of the log) to `until` (default now). */
function exportWindow(
  since: string | undefined,
  until: string | undefined,
): { since: Date; until: Date } {
  const now = Date.now()
  const start = since === undefined ? new Date(0) : parseTimeInput(since, 'since')
  const end = new Date(
    Math.min(now, until === undefined ? now : parseTimeInput(until, 'until').getTime()),
  )
  if (end.getTime() <= start.getTime()) {
    throw new ServerError('ERR_REQUEST_INVALID', 'until must be after since (and not ahead of now)')
  }
  return { since: start, until: end }
}
