import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type ConsoleConfigView, ConsoleConfigViewSchema } from '@latch/protocol'

/**
 * `GET /console/config.json` (public, outside `/v1`): what the web console needs before anyone
 * signs in: the OIDC issuer the server trusts, the console's client id there and the scopes to
 * ask for; `null` without an issuer or a console client id (API tokens then). Not in the OpenAPI
 * document: it belongs to the console, which the server hosts, not to the API.
 */
export const consoleConfigRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/console/config.json',
    {
      config: { access: 'public' },
      schema: { hide: true, response: { 200: ConsoleConfigViewSchema } },
    },
    async (): Promise<ConsoleConfigView> => {
      const { oidc, consoleOidcClientId, consoleOidcScopes } = app.latch.config
      return {
        oidc:
          oidc === undefined || consoleOidcClientId === ''
            ? null
            : { issuer: oidc.issuer, clientId: consoleOidcClientId, scopes: consoleOidcScopes },
      }
    },
  )
}
