import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type AddLockdownBody, routes } from '@latch/protocol'
import { auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { lockdownRuleId } from '../../../lockdown/lockdown-rule-id.js'
import { lockdownScopeView, lockdownView } from '../../../lockdown/lockdown-view.js'
import type { LockdownScope } from '../../../store/records.js'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'
/**
 * Incident lockdown (admins only). `POST /v1/lockdowns` adds one rule row that denies every key
 * of the policies it covers — all of them, those with an object registered in a bucket (under a
 * key prefix) at any location it was ever registered at, or those of one owner — from its commit
 * on, whatever their number; `dryRun` counts them (and the registered locations in scope)
 * instead. `GET /v1/lockdowns` lists the active rules (`?all=true`: lifted ones too).
 * `POST /v1/lockdowns/:id/lift` lifts one: policies are untouched, so a policy revoked on its own
 * stays revoked. Each change is one transaction with its audit record.
 */
export const lockdownRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.addLockdown,
    config: { access: 'admin' },
    handler: async (request, reply) => {
      const caller = callerOf(request)
      const scope = scopeOf(request.body)
      if (request.body.dryRun === true) {
        const reach = await app.latch.store.measureLockdown(scope)
        return { dryRun: true as const, scope: lockdownScopeView(scope), ...reach }
      }
      const rule = await app.latch.store.addLockdownRule(
        { id: lockdownRuleId(), scope, reason: request.body.reason, createdBy: caller.email },
        (added) =>
          auditEvent('lockdown.add', caller, requestMeta(request), {
            rule_id: added.id,
            scope: lockdownScopeView(added.scope),
            reason: added.reason,
          }),
      )
      reply.code(201)
      return lockdownView(rule)
    },
  })

  app.route({
    ...routes.listLockdowns,
    config: { access: 'admin' },
    handler: async (request) => {
      const rules = await app.latch.store.listLockdownRules({
        includeLifted: request.query.all === 'true',
      })
      return { rules: rules.map(lockdownView) }
    },
  })

  app.route({
    ...routes.liftLockdown,
    config: { access: 'admin' },
    handler: async (request) => {
      const caller = callerOf(request)
      const reason = request.body?.reason
      const rule = await app.latch.store.liftLockdownRule(request.params.id, (before) => ({
        by: caller.email,
        reason,
        audit: auditEvent('lockdown.lift', caller, requestMeta(request), {
          rule_id: before.id,
          scope: lockdownScopeView(before.scope),
          reason,
        }),
      }))
      return lockdownView(rule)
    },
  })
}

function scopeOf(body: AddLockdownBody): LockdownScope {
  const given = [body.all === true, body.bucket !== undefined, body.owner !== undefined]
  if (given.filter(Boolean).length !== 1 || body.all === false) {
    throw new ServerError('ERR_REQUEST_INVALID', 'give exactly one of all, bucket or owner')
  }
  if (body.prefix !== undefined && body.bucket === undefined) {
    throw new ServerError('ERR_REQUEST_INVALID', 'prefix goes with bucket')
  }
  if (body.all === true) return { kind: 'all' }
  if (body.bucket !== undefined) {
    return { kind: 'bucket', bucket: body.bucket, prefix: body.prefix ?? '' }
  }
  return { kind: 'owner', owner: (body.owner as string).toLowerCase() }
}
