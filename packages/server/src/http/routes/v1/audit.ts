import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { checkpointKeyId, formatVerifierKey } from '@latch/audit'
import { Type } from 'typebox'
import { ServerError } from '../../../errors.js'
import { assertMayChangePolicy } from '../../../policy/may-see-policy.js'
import { callerOf } from '../../caller-of.js'
import { parseTimeInput } from '../../parse-time-input.js'
import { EmailSchema, errorResponses, PolicyIdSchema, TimeSchema } from '../../schemas.js'

/**
 * The audit chain over HTTP. Public: the checkpoint verification key (`GET /v1/audit/key`). Admin:
 * the head, the records page by page (their exact bytes, base64), the signed checkpoints, and
 * `POST /v1/audit/checkpoints` to sign the head now. `latch audit verify` reads these.
 * `GET /v1/audit/events` lists records as JSON, filtered by policy, actor, type and time: admins
 * any, a policy's owner those of their policy.
 */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/audit/key',
    {
      config: { access: 'public' },
      schema: {
        summary: 'The Ed25519 key that signs audit checkpoints',
        response: {
          200: Type.Object({
            origin: Type.String(),
            name: Type.String(),
            publicKey: Type.String({ description: 'raw 32-byte Ed25519 key, base64' }),
            keyId: Type.String({ description: 'C2SP note key id, base64' }),
            verifierKey: Type.String({
              description: 'name+keyid+key, for latch audit verify --key',
            }),
          }),
        },
      },
    },
    async () => {
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
  )

  app.get(
    '/v1/audit/head',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'The chain head and how much of it is signed (admin)',
        response: {
          200: Type.Object({
            origin: Type.String(),
            size: Type.Integer(),
            headHash: Type.String(),
            signedSize: Type.Integer(),
            signedAt: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const head = await app.latch.store.auditHead()
      return {
        origin: app.latch.store.auditOrigin,
        size: head.size,
        headHash: Buffer.from(head.headHash).toString('base64'),
        signedSize: head.signedSize,
        signedAt: head.signedAt?.toISOString() ?? null,
      }
    },
  )

  app.get(
    '/v1/audit/records',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Audit records after a sequence number, ascending (admin)',
        querystring: Type.Object({
          after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' })),
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$|^10000$' })),
        }),
        response: {
          200: Type.Object({
            records: Type.Array(
              Type.Object({ seq: Type.Integer(), record: Type.String(), entryHash: Type.String() }),
            ),
            next: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
  )

  app.get(
    '/v1/audit/events',
    {
      schema: {
        summary: "Audit records as JSON, filtered (admins; a policy's owner: that policy's)",
        querystring: Type.Object({
          policy: Type.Optional(PolicyIdSchema),
          actor: Type.Optional(EmailSchema),
          type: Type.Optional(
            Type.String({
              pattern: '^[a-z]+(\\.[a-z]+)*(\\.\\*)?$',
              maxLength: 64,
              description: 'an event type, or a family: policy.*',
            }),
          ),
          since: Type.Optional(TimeSchema),
          until: Type.Optional(TimeSchema),
          after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' })),
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$|^1000$' })),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            next: Type.Union([Type.Integer(), Type.Null()]),
          }),
          404: Type.Ref('Error'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
      const rows = await app.latch.store.queryAudit(
        {
          ...(query.policy === undefined ? {} : { policyId: query.policy }),
          ...(query.actor === undefined ? {} : { actor: query.actor.toLowerCase() }),
          ...(query.type === undefined ? {} : { type: query.type }),
          ...(query.since === undefined ? {} : { since: parseTimeInput(query.since, 'since') }),
          ...(query.until === undefined ? {} : { until: parseTimeInput(query.until, 'until') }),
        },
        Number(query.after ?? 0),
        limit,
      )
      return {
        events: rows.map(
          (r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')) as Record<string, unknown>,
        ),
        next: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
      }
    },
  )

  app.get(
    '/v1/audit/checkpoints',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Every signed checkpoint, oldest first (admin)',
        response: {
          200: Type.Object({
            checkpoints: Type.Array(
              Type.Object({ size: Type.Integer(), note: Type.String(), signedAt: Type.String() }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      checkpoints: (await app.latch.store.listCheckpoints()).map((c) => ({
        size: c.size,
        note: c.note,
        signedAt: c.signedAt.toISOString(),
      })),
    }),
  )

  app.post(
    '/v1/audit/checkpoints',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Sign a checkpoint of the current head now (admin)',
        response: { 201: Type.Object({ size: Type.Integer() }), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const size = await app.latch.checkpointer.sign()
      reply.code(201)
      return { size }
    },
  )
}
