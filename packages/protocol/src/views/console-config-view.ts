import { type Static, Type } from 'typebox'

/** The schema of {@link ConsoleConfigView}. */
export const ConsoleConfigViewSchema = Type.Object({
  oidc: Type.Union([
    Type.Object({
      issuer: Type.String({ description: "the key server's OIDC issuer" }),
      clientId: Type.String({ description: "the console's client id at that issuer" }),
      scopes: Type.String({ description: 'the scopes to ask for, space-separated' }),
    }),
    Type.Null(),
  ]),
})

/**
 * What a web console needs before anyone signs in (`GET /console/config.json`, public, outside
 * `/v1`): the OIDC issuer, the console's client id and the scopes to ask for, or `null` when the
 * server has no OIDC issuer or no console client id configured (sign in with an API token then).
 */
export type ConsoleConfigView = Static<typeof ConsoleConfigViewSchema>
