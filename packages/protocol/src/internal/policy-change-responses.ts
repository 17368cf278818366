import { PolicyViewSchema } from '../views/policy-view.js'
import { errorResponse, errorResponses } from './error-responses.js'
import { refTo } from './ref-to.js'

/** The answers of a change to a policy: the policy after it, or an error. */
export const policyChangeResponses = {
  200: refTo(PolicyViewSchema),
  404: errorResponse,
  409: errorResponse,
  ...errorResponses,
}
