import type { ErrorBody, RouteDefinition, RouteInput, RouteReply } from '@latch/protocol'
import { ApiError } from './api-error.js'

/**
 * Calls one route of the key server's contract (`routes` of `@latch/protocol`) on this origin:
 * its path parameters filled in, its query and JSON body as the protocol types them, the bearer
 * token in the `Authorization` header (never in the address). Answers with the route's own
 * success type.
 *
 * @param route A route definition, e.g. `routes.getPolicy`.
 * @param input Its `params`, `query` and `body`, as the route takes them.
 * @param token The signed-in user's API token or OIDC access token.
 * @param signal Aborts the request (TanStack Query passes one).
 * @returns The answer (`null` for 204).
 * @throws ApiError with the server's code, or `ERR_NETWORK` when it cannot be reached.
 */
export async function callRoute<R extends RouteDefinition>(
  route: R,
  input: RouteInput<R>,
  token: string,
  signal?: AbortSignal,
): Promise<RouteReply<R>> {
  const { params, query, body } = input as {
    params?: Record<string, string>
    query?: Record<string, string | undefined>
    body?: unknown
  }
  const path = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name]
    if (value === undefined) throw new TypeError(`${route.url}: no value for :${name}`)
    return encodeURIComponent(value)
  })
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') search.set(name, value)
  }
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(search.size === 0 ? path : `${path}?${search}`, {
      method: route.method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch (error) {
    if (signal?.aborted === true) throw error
    throw new ApiError(0, { message: 'the key server cannot be reached' })
  }
  if (response.status === 204) return null as RouteReply<R>
  const answer: unknown = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiError(response.status, answer as Partial<ErrorBody>)
  return answer as RouteReply<R>
}
