import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuditValue } from '@latch/audit'
import { routes } from '@latch/protocol'
import { auditEvent } from '../../../audit/audit-event.js'
import { ServerError } from '../../../errors.js'
import { mintApiToken } from '../../../identity/api-token.js'
import { userView } from '../../../policy/policy-view.js'
import type { OidcLink } from '../../../store/records.js'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'

/**
 * Users and API tokens. Admins create (`POST /v1/users`, the answer holds the only copy of the
 * token), list and disable users, link a user to its OIDC account (`POST /v1/users/:email/oidc`),
 * and mint or revoke anyone's tokens; a user can mint and revoke their own. Every token records
 * who minted it: records made with a token someone else minted name them (`actor.minted_by`), and
 * a user replaces such a token by minting one for themselves and revoking it (`latch token
 * rotate`). OIDC callers mint no API token unless `oidcMayMintTokens` allows it. `GET /v1/me` says
 * who the token belongs to.
 */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const configuredIssuer = () => {
    const issuer = app.latch.config.oidc?.issuer
    if (issuer === undefined) {
      throw new ServerError(
        'ERR_REQUEST_INVALID',
        'this server accepts no OIDC tokens (no --oidc-issuer): there is no account to link',
      )
    }
    return issuer
  }

  app.route({
    ...routes.me,
    handler: async (request) => {
      const { email, role, scheme, mintedBy } = callerOf(request)
      return { email, role, scheme, mintedBy: mintedBy ?? null }
    },
  })

  app.route({
    ...routes.createUser,
    config: { access: 'admin' },
    handler: async (request, reply) => {
      const caller = callerOf(request)
      const email = request.body.email.toLowerCase()
      const role = request.body.admin === true ? ('admin' as const) : ('user' as const)
      const mayAssignOwner = request.body.mayAssignOwner === true
      const oidc =
        request.body.oidcSubject === undefined
          ? undefined
          : { issuer: configuredIssuer(), subject: request.body.oidcSubject }
      const minted = mintApiToken()
      await app.latch.store.createUser(
        { email, role, mayAssignOwner, ...(oidc === undefined ? {} : { oidc }) },
        { id: minted.id, email, hash: minted.hash, mintedBy: caller.email },
        auditEvent('user.create', caller, requestMeta(request), {
          email,
          role,
          may_assign_owner: mayAssignOwner,
          token_id: minted.id,
          oidc: oidc === undefined ? undefined : { iss: oidc.issuer, sub: oidc.subject },
        }),
      )
      reply.code(201)
      return { email, tokenId: minted.id, token: minted.token }
    },
  })

  app.route({
    ...routes.listUsers,
    config: { access: 'admin' },
    handler: async () => ({ users: (await app.latch.store.listUsers()).map(userView) }),
  })

  app.route({
    ...routes.disableUser,
    config: { access: 'admin' },
    handler: async (request) => {
      const email = request.params.email.toLowerCase()
      const user = await app.latch.store.disableUser(
        email,
        auditEvent('user.disable', callerOf(request), requestMeta(request), { email }),
      )
      return userView(user)
    },
  })

  app.route({
    ...routes.linkUserOidc,
    config: { access: 'admin' },
    handler: async (request) => {
      const caller = callerOf(request)
      const email = request.params.email.toLowerCase()
      const link = { issuer: configuredIssuer(), subject: request.body.subject }
      const user = await app.latch.store.linkUserOidc(email, link, (before) =>
        auditEvent('user.link', caller, requestMeta(request), {
          email,
          before: before.oidc === undefined ? null : oidcOf(before.oidc),
          oidc: oidcOf(link),
        }),
      )
      return userView(user)
    },
  })

  app.route({
    ...routes.mintToken,
    handler: async (request, reply) => {
      const caller = callerOf(request)
      const email = request.body.email?.toLowerCase() ?? caller.email
      // A stolen OIDC token expires within minutes; an API token minted with it would not.
      if (caller.scheme === 'oidc' && !app.latch.config.oidcMayMintTokens) {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'OIDC callers may not mint API tokens')
      }
      if (email !== caller.email && caller.role !== 'admin') {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'only an admin may mint tokens for others')
      }
      const minted = mintApiToken()
      await app.latch.store.addToken(
        { id: minted.id, email, hash: minted.hash, mintedBy: caller.email },
        auditEvent('token.create', caller, requestMeta(request), { email, token_id: minted.id }),
      )
      reply.code(201)
      return { email, tokenId: minted.id, token: minted.token }
    },
  })

  app.route({
    ...routes.listTokens,
    handler: async (request) => {
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
          mintedBy: t.mintedBy ?? null,
        })),
      }
    },
  })

  app.route({
    ...routes.revokeToken,
    handler: async (request, reply) => {
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
  })
}

function oidcOf(link: OidcLink): AuditValue {
  return { iss: link.issuer, sub: link.subject }
}
