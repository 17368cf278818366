import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { lockdownRuleId } from '../../../lockdown/lockdown-rule-id.js'
import { lockdownScopeView, lockdownView } from '../../../lockdown/lockdown-view.js'
import type { LockdownScope } from '../../../store/records.js'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'
import {
  EmailSchema,
  errorResponses,
  LockdownRuleIdSchema,
  LockdownScopeSchema,
  PrintableTextSchema,
} from '../../schemas.js'

const Reason = PrintableTextSchema(500, { minLength: 1 })

const ScopeBody = {
  all: Type.Optional(Type.Boolean({ description: 'every policy' })),
  bucket: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  prefix: Type.Optional(
    Type.String({ maxLength: 1024, description: 'with bucket: only keys that start with it' }),
  ),
  owner: Type.Optional(EmailSchema),
}

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
  app.post(
    '/v1/lockdowns',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Lock down all policies, a bucket (prefix) or an owner (admin)',
        description:
          'A bucket rule covers every policy with an object registered in the bucket under the prefix, at any location the object was ever registered at. A dry run counts the policies covered and the registered locations in scope.',
        body: Type.Object({ ...ScopeBody, reason: Reason, dryRun: Type.Optional(Type.Boolean()) }),
        response: {
          200: Type.Object({
            dryRun: Type.Literal(true),
            scope: LockdownScopeSchema,
            policies: Type.Integer(),
            objects: Type.Integer(),
          }),
          201: Type.Ref('LockdownRule'),
          409: Type.Ref('Error'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
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
  )

  app.get(
    '/v1/lockdowns',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Active lockdown rules, oldest first; ?all=true: lifted ones too (admin)',
        querystring: Type.Object({
          all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
        }),
        response: {
          200: Type.Object({ rules: Type.Array(Type.Ref('LockdownRule')) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const rules = await app.latch.store.listLockdownRules({
        includeLifted: request.query.all === 'true',
      })
      return { rules: rules.map(lockdownView) }
    },
  )

  app.post(
    '/v1/lockdowns/:id/lift',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Lift a lockdown rule; individually revoked policies stay revoked (admin)',
        params: Type.Object({ id: LockdownRuleIdSchema }),
        body: Type.Optional(Type.Object({ reason: Type.Optional(Reason) })),
        response: {
          200: Type.Ref('LockdownRule'),
          404: Type.Ref('Error'),
          409: Type.Ref('Error'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
  )
}

function scopeOf(body: {
  all?: boolean
  bucket?: string
  prefix?: string
  owner?: string
}): LockdownScope {
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
