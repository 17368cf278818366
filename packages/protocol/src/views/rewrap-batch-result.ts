import { type Static, Type } from 'typebox'
import { refTo } from '../internal/ref-to.js'
import { ErrorBodySchema } from './error-body.js'
import { RewrapResultSchema } from './rewrap-result.js'

/** The schema of {@link RewrapBatchResult}. */
export const RewrapBatchResultSchema = Type.Object({
  results: Type.Array(
    Type.Union([RewrapResultSchema, Type.Object({ error: refTo(ErrorBodySchema) })]),
  ),
})

/**
 * The answer to a batch of key requests, one result per request in order: the share, or that
 * request's error (`ERR_ACCESS_DENIED`; `ERR_REQUEST_INVALID`; `ERR_AUDIT_UNAVAILABLE` or
 * `ERR_STORE_UNAVAILABLE` for the requests left when the audit or the database failed after
 * others were released). An item's error has the status of its code as a whole answer.
 */
export type RewrapBatchResult = Static<typeof RewrapBatchResultSchema>
