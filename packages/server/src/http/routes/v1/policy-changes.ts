import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { routes } from '@latch/protocol'
import type { FastifyRequest } from 'fastify'
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

  app.route({
    ...routes.changeReaders,
    handler: async (request) => {
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
  })

  app.route({
    ...routes.setExpiry,
    handler: async (request) => {
      const expiresAt =
        request.body.expiresAt === null ? null : parseTimeInput(request.body.expiresAt, 'expiresAt')
      const policy = await change(request, request.params.id, 'policy.expire', () => ({
        expiresAt,
      }))
      return policyView(await withObjects(policy))
    },
  })

  app.route({
    ...routes.revokePolicy,
    handler: async (request) => {
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
  })

  app.route({
    ...routes.unrevokePolicy,
    handler: async (request) => {
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
  })

  async function withObjects(policy: PolicyRecord): Promise<PolicyRecord> {
    return (await app.latch.store.getPolicy(policy.id)) ?? policy
  }
}
