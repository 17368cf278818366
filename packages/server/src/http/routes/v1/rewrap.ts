import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  type ErrorBody,
  type RewrapBatchResult,
  type RewrapRequest,
  rewrapBatchBodySchema,
  routes,
} from '@latch/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ServerError } from '../../../errors.js'
import { EphemeralKeyPool } from '../../../release/ephemeral-key-pool.js'
import { type ClientKey, parseClientKey } from '../../../release/parse-client-key.js'
import { parseReleaseRequest } from '../../../release/parse-release-request.js'
import { type ReleaseRequest, releaseShare } from '../../../release/release-share.js'
import { callerOf } from '../../caller-of.js'
import { errorBodyOf } from '../../error-handler.js'
import { requestMeta } from '../../request-meta.js'

/** Ephemeral keys made ahead for re-wraps: a batch's worth, and bursts of single requests. */
const EPHEMERAL_KEYS_READY = 128

/** The uniform answer to every denied key request: it never says which check failed. */
const DENIED = { code: 'ERR_ACCESS_DENIED', message: 'access denied' } as const

/**
 * `POST /v1/rewrap`: one key request. The share comes back re-wrapped to the client's throw-away
 * key only after the audit record of the decision committed; every denial is the same 403.
 * `POST /v1/rewrap/batch`: many key requests (one decision and one record each) with one client
 * key, for bulk downloads; each result is a share, the uniform denial, the item's 400, or, when
 * the audit or the database failed after other items were decided, the failure's 503.
 */
export const rewrapRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ephemeralKeys = new EphemeralKeyPool(EPHEMERAL_KEYS_READY)
  app.addHook('onClose', async () => ephemeralKeys.close())

  app.route({
    ...routes.rewrap,
    config: { access: 'user', auditAuthFailure: true },
    handler: async (request) => {
      const parsed = parseReleaseRequest(
        request.body,
        parseClientKey(request.body.clientKey, ephemeralKeys),
      )
      const outcome = await decide(app, request, parsed)
      if (!outcome.released) throw new ServerError(DENIED.code, DENIED.message)
      return { jwe: outcome.jwe }
    },
  })

  app.route({
    ...routes.rewrapBatch,
    schema: {
      ...routes.rewrapBatch.schema,
      body: rewrapBatchBodySchema(app.latch.config.batchMax),
    },
    config: { access: 'user', auditAuthFailure: true },
    handler: async (request, reply) => {
      // Each item is a key request: the batch spends the rate limit of that many requests.
      app.chargeBatchItems(request, reply, request.body.requests.length)
      // The one client key is every item's: a key no share can be wrapped to fails them all,
      // and is refused before a decision could record a release that cannot be delivered.
      const clientKey = parseClientKey(request.body.clientKey, ephemeralKeys)
      // All parsing first, so that no failure left after a committed permit depends on an item.
      const items = request.body.requests.map((item) => parseItem(item, clientKey))
      const results: RewrapBatchResult['results'] = []
      let decided = 0
      let stopped: ErrorBody | undefined
      for (const item of items) {
        if (item instanceof ServerError) {
          results.push({ error: errorBodyOf(item, request, 'batch item').body })
        } else if (stopped !== undefined) {
          results.push({ error: stopped })
        } else {
          try {
            const outcome = await decide(app, request, item)
            decided++
            results.push(
              outcome.released
                ? { jwe: outcome.jwe }
                : { error: { ...DENIED, requestId: request.id } },
            )
          } catch (error) {
            if (decided === 0) throw error
            // Decided items' permits are committed: their shares must reach the caller, so the
            // failure becomes this item's error and the rest's, and the answer stays 200.
            stopped = errorBodyOf(error, request, 'batch item').body
            results.push({ error: stopped })
          }
        }
      }
      return { results }
    },
  })
}

function parseItem(item: RewrapRequest, clientKey: ClientKey): ReleaseRequest | ServerError {
  try {
    return parseReleaseRequest(item, clientKey)
  } catch (error) {
    if (error instanceof ServerError && error.code === 'ERR_REQUEST_INVALID') return error
    throw error
  }
}

async function decide(app: FastifyInstance, request: FastifyRequest, parsed: ReleaseRequest) {
  const started = process.hrtime.bigint()
  let outcome: 'permit' | 'deny' | 'error' = 'error'
  try {
    const result = await releaseShare(app.latch, callerOf(request), parsed, requestMeta(request))
    outcome = result.released ? 'permit' : 'deny'
    app.latch.checkpointer.appended(result.seq)
    return result
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    app.metrics.decisions.inc({ outcome })
    app.metrics.decisionSeconds.observe({ outcome }, seconds)
  }
}
