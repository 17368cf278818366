import { ErrorBodySchema } from './views/error-body.js'
import { LockdownRuleViewSchema } from './views/lockdown-rule-view.js'
import { PolicyViewSchema } from './views/policy-view.js'
import { UserViewSchema } from './views/user-view.js'

/**
 * The schemas that routes refer to by `$id` (`Error`, `Policy`, `User`, `LockdownRule`): a server
 * or a validating client registers them before the routes (Fastify's `addSchema`); the OpenAPI
 * document lists them under `components.schemas`.
 */
export const componentSchemas = [
  ErrorBodySchema,
  PolicyViewSchema,
  UserViewSchema,
  LockdownRuleViewSchema,
] as const
