import type { ErrorBody, RouteInput, RouteName, RouteReply, Routes } from '@latch/protocol'
import { routeLines, routeTarget } from '@latch/protocol/light'
import { ApiError } from './api-error.js'

/**
 * Calls one route of the key server's contract (`routes` of `@latch/protocol`) on this origin:
 * its path parameters filled in, its query and JSON body as the protocol types them, the bearer
 * token in the `Authorization` header (never in the address). Answers with the route's own
 * success type. The route's method and URL come from `routeLines`, so the console's bundle
 * carries no schemas.
 *
 * @param name The route's name in `routes`, e.g. `'getPolicy'`.
 * @param input Its `params`, `query` and `body`, as the route takes them.
 * @param token The signed-in user's API token or OIDC access token.
 * @param signal Aborts the request (TanStack Query passes one).
 * @returns The answer (`null` for 204).
 * @throws ApiError with the server's code, or `ERR_NETWORK` when it cannot be reached.
 */
export async function callRoute<K extends RouteName>(
  name: K,
  input: RouteInput<Routes[K]>,
  token: string,
  signal?: AbortSignal,
): Promise<RouteReply<Routes[K]>> {
  const route = routeLines[name]
  const { params, query, body } = input as {
    params?: Record<string, string>
    query?: Record<string, string | undefined>
    body?: unknown
  }
  // An empty form field means "not set", not "set to nothing".
  const filled = Object.entries(query ?? {}).filter(([, value]) => value !== '')
  const target = routeTarget(route.url, { params, query: Object.fromEntries(filled) })
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(target, {
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
  if (response.status === 204) return null as RouteReply<Routes[K]>
  const answer: unknown = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiError(response.status, answer as Partial<ErrorBody>)
  return answer as RouteReply<Routes[K]>
}
