import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { LockdownRuleListSchema } from '../views/lockdown-rule-list.js'

/** `GET /v1/lockdowns` (admins): the active lockdown rules, oldest first; `all=true`: lifted too. */
export const listLockdownsRoute = {
  method: 'GET',
  url: '/v1/lockdowns',
  schema: {
    summary: 'Active lockdown rules, oldest first; ?all=true: lifted ones too (admin)',
    querystring: Type.Object({
      all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    }),
    response: { 200: LockdownRuleListSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link listLockdownsRoute}. */
export type ListLockdownsQuery = Static<typeof listLockdownsRoute.schema.querystring>
