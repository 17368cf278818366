/** One request as {@link KeyServerTransport} sends it: a JSON body already serialised. */
export interface TransportRequest {
  readonly method: string
  /** The absolute URL. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | null
  /** Aborts the request and the reading of its answer (the caller's signal and the time-out). */
  readonly signal: AbortSignal
}

/** A whole answer: its status and its body as text. */
export interface TransportAnswer {
  readonly status: number
  readonly text: string
}

/**
 * How `KeyServerClient` sends a request and reads its whole answer. It rejects (with any error:
 * the client reports `ERR_CLIENT_UNAVAILABLE`) when the server cannot be reached, cuts its answer
 * short, or the signal aborts. The Node build sends over `node:http`/`node:https` with keep-alive
 * connections; the web build over `fetch`.
 */
export type KeyServerTransport = (request: TransportRequest) => Promise<TransportAnswer>
