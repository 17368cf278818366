import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ServerError } from '../../../errors.js'
import {
  parseReleaseRequest,
  type ReleaseRequestBody,
} from '../../../release/parse-release-request.js'
import { releaseShare } from '../../../release/release-share.js'
import { callerOf } from '../../caller-of.js'
import type { ErrorBody } from '../../error-handler.js'
import { requestMeta } from '../../request-meta.js'
import { Base64urlSchema, ClientKeySchema, errorResponses } from '../../schemas.js'

const KeyRequest = {
  core: Base64urlSchema('the object header core (format §3), base64url', 512),
  jwe: Type.String({ minLength: 1, maxLength: 2048, description: "one key entry's compact JWE" }),
}

/** The uniform answer to every denied key request: it never says which check failed. */
const DENIED = { code: 'ERR_ACCESS_DENIED', message: 'access denied' } as const

/**
 * `POST /v1/rewrap`: one key request. The share comes back re-wrapped to the client's throw-away
 * key only after the audit record of the decision committed; every denial is the same 403.
 * `POST /v1/rewrap/batch`: many key requests (one decision and one record each) with one client
 * key, for bulk downloads; each result is a share or the uniform denial.
 */
export const rewrapRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/rewrap',
    {
      config: { access: 'user', auditAuthFailure: true },
      schema: {
        summary: 'Release one share, re-wrapped to a throw-away key',
        body: Type.Object({ ...KeyRequest, clientKey: ClientKeySchema }),
        response: { 200: Type.Object({ jwe: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const outcome = await decide(app, request, request.body)
      if (!outcome.released) throw new ServerError(DENIED.code, DENIED.message)
      return { jwe: outcome.jwe }
    },
  )

  app.post(
    '/v1/rewrap/batch',
    {
      config: { access: 'user', auditAuthFailure: true },
      schema: {
        summary: 'Release many shares (one decision each), re-wrapped to one throw-away key',
        body: Type.Object({
          clientKey: ClientKeySchema,
          requests: Type.Array(Type.Object(KeyRequest), {
            minItems: 1,
            maxItems: app.latch.config.batchMax,
          }),
        }),
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Union([
                Type.Object({ jwe: Type.String() }),
                Type.Object({ error: Type.Ref('Error') }),
              ]),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const results: ({ jwe: string } | { error: ErrorBody })[] = []
      for (const item of request.body.requests) {
        try {
          const outcome = await decide(app, request, { ...item, clientKey: request.body.clientKey })
          results.push(
            outcome.released
              ? { jwe: outcome.jwe }
              : { error: { ...DENIED, requestId: request.id } },
          )
        } catch (error) {
          // One malformed item is that item's 400; an audit or database failure stops the batch.
          if (!(error instanceof ServerError) || error.code !== 'ERR_REQUEST_INVALID') throw error
          results.push({
            error: { code: error.code, message: error.message, requestId: request.id },
          })
        }
      }
      return { results }
    },
  )
}

async function decide(app: FastifyInstance, request: FastifyRequest, body: ReleaseRequestBody) {
  const parsed = parseReleaseRequest(body)
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
