import { ApiError } from '../api/api-error.js'

/**
 * An error as the user reads it: what the server said, its code and request id (for the log).
 *
 * @param props.error What a query or an action threw.
 */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null
  if (error instanceof ApiError) {
    return (
      <p className="error-note" role="alert">
        {error.message} <span className="muted">({error.code}</span>
        {error.requestId === undefined ? (
          <span className="muted">)</span>
        ) : (
          <span className="muted">, request {error.requestId})</span>
        )}
      </p>
    )
  }
  return (
    <p className="error-note" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  )
}
