import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { mintApiToken } from '../../../identity/api-token.js'
import { userView } from '../../../policy/policy-view.js'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'
import { EmailSchema, errorResponses } from '../../schemas.js'

const Minted = Type.Object({ email: Type.String(), tokenId: Type.String(), token: Type.String() })

/**
 * Users and API tokens. Admins create (`POST /v1/users`, the answer holds the only copy of the
 * token), list and disable users, and mint or revoke anyone's tokens; a user can mint and revoke
 * their own. `GET /v1/me` says who the token belongs to.
 */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/me',
    {
      schema: {
        summary: 'Who am I',
        response: {
          200: Type.Object({ email: Type.String(), role: Type.String(), scheme: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { email, role, scheme } = callerOf(request)
      return { email, role, scheme }
    },
  )

  app.post(
    '/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create a user and its first API token (admin)',
        body: Type.Object({
          email: EmailSchema,
          admin: Type.Optional(Type.Boolean()),
          mayAssignOwner: Type.Optional(Type.Boolean()),
        }),
        response: { 201: Minted, 409: Type.Ref('Error'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase()
      const role = request.body.admin === true ? ('admin' as const) : ('user' as const)
      const mayAssignOwner = request.body.mayAssignOwner === true
      const minted = mintApiToken()
      await app.latch.store.createUser(
        { email, role, mayAssignOwner },
        { id: minted.id, email, hash: minted.hash },
        auditEvent('user.create', callerOf(request), requestMeta(request), {
          email,
          role,
          may_assign_owner: mayAssignOwner,
          token_id: minted.id,
        }),
      )
      reply.code(201)
      return { email, tokenId: minted.id, token: minted.token }
    },
  )

  app.get(
    '/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'List users (admin)',
        response: { 200: Type.Object({ users: Type.Array(Type.Ref('User')) }), ...errorResponses },
      },
    },
    async () => ({ users: (await app.latch.store.listUsers()).map(userView) }),
  )

  app.post(
    '/v1/users/:email/disable',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Disable a user: their tokens stop working at once (admin)',
        params: Type.Object({ email: EmailSchema }),
        response: { 200: Type.Ref('User'), 404: Type.Ref('Error'), ...errorResponses },
      },
    },
    async (request) => {
      const email = request.params.email.toLowerCase()
      const user = await app.latch.store.disableUser(
        email,
        auditEvent('user.disable', callerOf(request), requestMeta(request), { email }),
      )
      return userView(user)
    },
  )

  app.post(
    '/v1/tokens',
    {
      schema: {
        summary: 'Mint an API token for yourself, or for anyone (admin)',
        body: Type.Object({ email: Type.Optional(EmailSchema) }),
        response: { 201: Minted, 404: Type.Ref('Error'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      const email = request.body.email?.toLowerCase() ?? caller.email
      if (email !== caller.email && caller.role !== 'admin') {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'only an admin may mint tokens for others')
      }
      const minted = mintApiToken()
      await app.latch.store.addToken(
        { id: minted.id, email, hash: minted.hash },
        auditEvent('token.create', caller, requestMeta(request), { email, token_id: minted.id }),
      )
      reply.code(201)
      return { email, tokenId: minted.id, token: minted.token }
    },
  )

  app.get(
    '/v1/tokens',
    {
      schema: {
        summary: 'List your tokens, or a user’s (admin)',
        querystring: Type.Object({ email: Type.Optional(EmailSchema) }),
        response: {
          200: Type.Object({
            tokens: Type.Array(
              Type.Object({
                id: Type.String(),
                email: Type.String(),
                createdAt: Type.String(),
                revokedAt: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const caller = callerOf(request)
      const email = request.query.email?.toLowerCase() ?? caller.email
      if (email !== caller.email && caller.role !== 'admin') {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'only an admin may list tokens of others')
      }
      const tokens = await app.latch.store.listTokens(email)
      return {
        tokens: tokens.map((t) => ({
          id: t.id,
          email: t.email,
          createdAt: t.createdAt.toISOString(),
          revokedAt: t.revokedAt?.toISOString() ?? null,
        })),
      }
    },
  )

  app.delete(
    '/v1/tokens/:id',
    {
      schema: {
        summary: 'Revoke a token (yours, or anyone’s as an admin)',
        params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9]{12}$' }) }),
        response: { 204: Type.Null(), 404: Type.Ref('Error'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      if (caller.role !== 'admin') {
        const own = await app.latch.store.listTokens(caller.email)
        if (!own.some((t) => t.id === request.params.id)) {
          throw new ServerError('ERR_NOT_FOUND', `no live token ${request.params.id}`)
        }
      }
      await app.latch.store.revokeToken(
        request.params.id,
        auditEvent('token.revoke', caller, requestMeta(request), { token_id: request.params.id }),
      )
      reply.code(204)
      return null
    },
  )
}
