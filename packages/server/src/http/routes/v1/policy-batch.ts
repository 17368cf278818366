import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type CreatePoliciesResult, createPoliciesBodySchema, routes } from '@latch/protocol'
import { createRequestedPolicy } from '../../../policy/create-requested-policy.js'
import { policyView } from '../../../policy/policy-view.js'
import { callerOf } from '../../caller-of.js'
import { errorBodyOf } from '../../error-handler.js'
import { requestMeta } from '../../request-meta.js'

/**
 * `POST /v1/policies/batch`: many policies created with claims, each with its stored object
 * (concurrent small puts of one client), in one request. Each item goes through exactly what
 * `POST /v1/policies` does with it alone (its checks as the caller, its own policy and two audit
 * records, committed or not on their own), so one item refused or not committed leaves the
 * others created; its result is the error the single route would have answered. When no item
 * was created and one failed on the server's side (the audit or the database), the whole answer
 * is that 503.
 */
export const policyBatchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.createPolicies,
    schema: {
      ...routes.createPolicies.schema,
      body: createPoliciesBodySchema(app.latch.config.batchMax),
    },
    handler: async (request, reply) => {
      // Each item is a policy creation: the batch spends the rate limit of that many requests.
      app.chargeBatchItems(request, reply, request.body.requests.length)
      const caller = callerOf(request)
      const meta = requestMeta(request)
      // Every item reaches the store in this turn: on SQLite they share one group commit, each
      // in a savepoint of its own; on PostgreSQL each is a transaction of its own. An item whose
      // claim an earlier one has waits for it, so the earlier one wins as it would in a row of
      // single requests (concurrent PostgreSQL transactions would let either win).
      const earlier = new Map<string, Promise<unknown>>()
      const settled = await Promise.allSettled(
        request.body.requests.map((item) => {
          const before = earlier.get(item.claim)
          const created =
            before === undefined
              ? createRequestedPolicy(app.latch, caller, meta, item)
              : before.then(
                  () => createRequestedPolicy(app.latch, caller, meta, item),
                  () => createRequestedPolicy(app.latch, caller, meta, item),
                )
          earlier.set(item.claim, created)
          return created
        }),
      )
      const results: CreatePoliciesResult['results'] = []
      let created = 0
      let failure: unknown
      for (const outcome of settled) {
        if (outcome.status === 'fulfilled') {
          created++
          results.push({ policy: policyView(outcome.value) })
          continue
        }
        const { status, body } = errorBodyOf(outcome.reason, request, 'batch item')
        if (status >= 500) failure ??= outcome.reason
        results.push({ error: body })
      }
      if (created === 0 && failure !== undefined) throw failure
      return { results }
    },
  })
}
