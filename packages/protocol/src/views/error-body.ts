import { type Static, Type } from 'typebox'

/** The schema of {@link ErrorBody}; a component of the OpenAPI document (`$id: "Error"`). */
export const ErrorBodySchema = Type.Object(
  {
    code: Type.String({ description: 'stable error code, see docs/errors.md' }),
    message: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'Error', description: 'Every error answer' },
)

/**
 * The body of every error answer, and of each failed item of a batch. `code` is a string on the
 * wire, not the closed `ServerErrorCode`: a newer server may answer a code this version does not
 * know (read it with `isServerErrorCode` and `fallbackCodeFor`). For statuses of 500 or more,
 * `message` is a fixed text; the cause is in the server's log only. `requestId` is also the
 * answer's `x-request-id` header and the audit record's `request_id`.
 */
export type ErrorBody = Static<typeof ErrorBodySchema>
