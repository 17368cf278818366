import type { Static, TSchema } from 'typebox'

/**
 * One route of the key server's HTTP API: its method, its URL (`:name` marks a path parameter)
 * and its schemas. The server registers it as it is (Fastify validates with these schemas and
 * generates the OpenAPI document from them); clients derive their argument and result types from
 * it with {@link RouteBody}, {@link RouteQuery}, {@link RouteParams} and {@link RouteReply}.
 */
export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly url: string
  readonly schema: {
    /** One line for the OpenAPI document; `(admin)` marks routes for admins only. */
    readonly summary: string
    readonly description?: string
    readonly params?: TSchema
    readonly querystring?: TSchema
    readonly body?: TSchema
    /** The schema of the answer of each status the route gives. */
    readonly response: { readonly [status: number]: TSchema }
  }
}

type SchemaPart<
  R extends RouteDefinition,
  K extends 'params' | 'querystring' | 'body',
> = R['schema'] extends { readonly [key in K]: infer S extends TSchema } ? Static<S> : undefined

/** The body a route takes (`undefined` when it takes none). */
export type RouteBody<R extends RouteDefinition> = SchemaPart<R, 'body'>

/** The query string a route takes, as strings (`undefined` when it takes none). */
export type RouteQuery<R extends RouteDefinition> = SchemaPart<R, 'querystring'>

/** The path parameters of a route (`undefined` when it has none). */
export type RouteParams<R extends RouteDefinition> = SchemaPart<R, 'params'>

/**
 * What a call of a route sends: its path parameters, query and body, each present when the route
 * takes it (the query is optional: every query member is).
 */
export type RouteInput<R extends RouteDefinition> = (RouteParams<R> extends undefined
  ? unknown
  : { readonly params: RouteParams<R> }) &
  (RouteQuery<R> extends undefined ? unknown : { readonly query?: RouteQuery<R> }) &
  (RouteBody<R> extends undefined ? unknown : { readonly body: RouteBody<R> })

/** The answer of a route when it succeeds: the union of its 2xx answers (`null` for 204). */
export type RouteReply<R extends RouteDefinition> = {
  [S in keyof R['schema']['response']]: S extends 200 | 201 | 204
    ? Static<R['schema']['response'][S]>
    : never
}[keyof R['schema']['response']]
