import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { type AuditEventType, auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { assertMayChangePolicy } from '../../../policy/may-see-policy.js'
import { policyState } from '../../../policy/policy-state.js'
import { policyView } from '../../../policy/policy-view.js'
import type { PolicyRecord } from '../../../store/records.js'
import type { PolicyPatch } from '../../../store/store.js'
import { callerOf } from '../../caller-of.js'
import { parseTimeInput } from '../../parse-time-input.js'
import { requestMeta } from '../../request-meta.js'
import {
  errorResponses,
  PolicyIdSchema,
  PrintableTextSchema,
  ReaderSchema,
  TimeSchema,
} from '../../schemas.js'

const Params = Type.Object({ id: PolicyIdSchema })
const Reason = Type.Optional(PrintableTextSchema(500))
const responses = {
  200: Type.Ref('Policy'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  ...errorResponses,
}

/**
 * What the owner (or an admin) changes after upload, each change one transaction with its audit
 * record (before and after), effective for the very next key request (there is no decision cache):
 * `POST /v1/policies/:id/readers` (add, remove), `…/expiry`, `…/revoke`, `…/unrevoke`. Revocation
 * covers the owner too; un-revoking lifts only the revocation, so readers and expiry are exactly
 * what they were.
 */
export const policyChangeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const change = (
    request: FastifyRequest,
    id: string,
    type: AuditEventType,
    patch: (before: PolicyRecord, now: Date) => PolicyPatch,
    reason?: string,
  ) => {
    const caller = callerOf(request)
    return app.latch.store.changePolicy(id, (before) => {
      assertMayChangePolicy(caller, before)
      const next = patch(before, new Date())
      const after: PolicyRecord = {
        ...before,
        ...(next.readers === undefined ? {} : { readers: next.readers }),
        ...(next.expiresAt === undefined ? {} : { expiresAt: next.expiresAt ?? undefined }),
        ...(next.revocation === undefined ? {} : { revocation: next.revocation ?? undefined }),
        version: before.version + 1,
      }
      return {
        patch: next,
        audit: auditEvent(type, caller, requestMeta(request), {
          policy_id: before.id,
          reason,
          before: policyState(before),
          after: policyState(after),
        }),
      }
    })
  }

  app.post(
    '/v1/policies/:id/readers',
    {
      schema: {
        summary: 'Add or remove readers (owner, admins)',
        params: Params,
        body: Type.Object({
          add: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
          remove: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
        }),
        response: responses,
      },
    },
    async (request) => {
      const add = (request.body.add ?? []).map((r) => r.toLowerCase())
      const remove = new Set((request.body.remove ?? []).map((r) => r.toLowerCase()))
      const type = add.length > 0 ? 'policy.share' : 'policy.unshare'
      const policy = await change(request, request.params.id, type, (before) => {
        const readers = [...new Set([...before.readers, ...add])].filter((r) => !remove.has(r))
        if (readers.length > 1000)
          throw new ServerError('ERR_REQUEST_INVALID', 'at most 1,000 readers')
        return { readers }
      })
      return policyView(await withObjects(policy))
    },
  )

  app.post(
    '/v1/policies/:id/expiry',
    {
      schema: {
        summary: 'Set or clear the expiry (owner, admins)',
        params: Params,
        body: Type.Object({
          expiresAt: Type.Union([TimeSchema, Type.Null()]),
        }),
        response: responses,
      },
    },
    async (request) => {
      const expiresAt =
        request.body.expiresAt === null ? null : parseTimeInput(request.body.expiresAt, 'expiresAt')
      const policy = await change(request, request.params.id, 'policy.expire', () => ({
        expiresAt,
      }))
      return policyView(await withObjects(policy))
    },
  )

  app.post(
    '/v1/policies/:id/revoke',
    {
      schema: {
        summary: 'Revoke: no key for anyone, the owner included (owner, admins)',
        params: Params,
        body: Type.Object({ reason: Reason }),
        response: responses,
      },
    },
    async (request) => {
      const reason = request.body.reason
      const policy = await change(
        request,
        request.params.id,
        'policy.revoke',
        (before, now) => {
          if (before.revocation !== undefined)
            throw new ServerError('ERR_CONFLICT', 'the policy is already revoked')
          return { revocation: { by: callerOf(request).email, at: now, reason } }
        },
        reason,
      )
      return policyView(await withObjects(policy))
    },
  )

  app.post(
    '/v1/policies/:id/unrevoke',
    {
      schema: {
        summary: 'Lift a revocation; readers and expiry are as they were (owner, admins)',
        params: Params,
        body: Type.Object({ reason: Reason }),
        response: responses,
      },
    },
    async (request) => {
      const policy = await change(
        request,
        request.params.id,
        'policy.unrevoke',
        (before) => {
          if (before.revocation === undefined)
            throw new ServerError('ERR_CONFLICT', 'the policy is not revoked')
          return { revocation: null }
        },
        request.body.reason,
      )
      return policyView(await withObjects(policy))
    },
  )

  async function withObjects(policy: PolicyRecord): Promise<PolicyRecord> {
    return (await app.latch.store.getPolicy(policy.id)) ?? policy
  }
}
