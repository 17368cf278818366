/** What {@link routeTarget} fills a route's URL with. */
export interface RouteTargetInput {
  /** A value for each `:name` of the URL. */
  readonly params?: Readonly<Record<string, string>> | undefined
  /** Query members; `undefined` ones are left out, every other one is sent, empty or not. */
  readonly query?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * The path and query string of one request to a route: each `:name` of its URL replaced by
 * `params[name]`, percent-encoded as one segment, then the query's members in their order. The
 * Node client, the browser client and the web console all build their requests with it.
 *
 * @param url A route's URL, e.g. `routeLines.getPolicy.url`.
 * @param input The request's path parameters and query.
 * @returns e.g. `/v1/policies/p%2F1/report?from=2026-01-01T00%3A00%3A00.000Z` (each name and
 *   value as `encodeURIComponent` writes it, which every query parser reads back).
 * @throws TypeError when the URL names a parameter the input has no value for: the request
 *   would otherwise go out with an empty segment, to an address the route does not have.
 */
export function routeTarget(url: string, input: RouteTargetInput = {}): string {
  const { params, query } = input
  const path = url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name]
    if (value === undefined) throw new TypeError(`${url}: no value for :${name}`)
    return encodeURIComponent(value)
  })
  const members = Object.entries(query ?? {}).flatMap(([name, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(name)}=${encodeURIComponent(value)}`],
  )
  return members.length === 0 ? path : `${path}?${members.join('&')}`
}
