import { type Static, Type } from 'typebox'
import { refTo } from '../internal/ref-to.js'
import { ErrorBodySchema } from './error-body.js'
import { PolicyViewSchema } from './policy-view.js'

/** The schema of {@link CreatePoliciesResult}. */
export const CreatePoliciesResultSchema = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({ policy: refTo(PolicyViewSchema) }),
      Type.Object({ error: refTo(ErrorBodySchema) }),
    ]),
  ),
})

/**
 * The answer to a batch of policy creations, one result per item in order: the created policy
 * (what `POST /v1/policies` answers, without its object list), or that item's error as the
 * single route would answer it (`ERR_REQUEST_INVALID`, `ERR_ACCESS_FORBIDDEN`, `ERR_CONFLICT`;
 * `ERR_AUDIT_UNAVAILABLE` or `ERR_STORE_UNAVAILABLE` for an item whose records were not
 * committed, which was not created). An item's error has the status of its code as a whole answer.
 */
export type CreatePoliciesResult = Static<typeof CreatePoliciesResultSchema>
