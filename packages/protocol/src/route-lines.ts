import type { routes } from './routes.js'

/** The type of {@link routes}: `Routes[K]` is the definition of the route named `K`. */
export type Routes = typeof routes

/** The name of a route of {@link routes}, e.g. `getPolicy`. */
export type RouteName = keyof Routes

/** A route's method and URL, without its schemas. */
export type RouteLine<K extends RouteName> = Pick<Routes[K], 'method' | 'url'>

/**
 * Every route's method and URL (`:name` marks a path parameter), by the names of
 * {@link routes}, without the schemas: what a client needs to send a request, at a fraction of
 * the cost of loading the schemas (the CLI and the browser builds import only this). The
 * compiler holds it to {@link routes}: a method or URL that differs from the route's own does
 * not type-check.
 */
export const routeLines: { readonly [K in RouteName]: RouteLine<K> } = {
  health: { method: 'GET', url: '/healthz' },
  listKeys: { method: 'GET', url: '/v1/keys' },
  rotateKey: { method: 'POST', url: '/v1/keys/rotate' },
  rewrap: { method: 'POST', url: '/v1/rewrap' },
  rewrapBatch: { method: 'POST', url: '/v1/rewrap/batch' },
  createPolicy: { method: 'POST', url: '/v1/policies' },
  createPolicies: { method: 'POST', url: '/v1/policies/batch' },
  listPolicies: { method: 'GET', url: '/v1/policies' },
  getPolicy: { method: 'GET', url: '/v1/policies/:id' },
  fileReport: { method: 'GET', url: '/v1/policies/:id/report' },
  addPolicyObject: { method: 'POST', url: '/v1/policies/:id/objects' },
  changeReaders: { method: 'POST', url: '/v1/policies/:id/readers' },
  setExpiry: { method: 'POST', url: '/v1/policies/:id/expiry' },
  revokePolicy: { method: 'POST', url: '/v1/policies/:id/revoke' },
  unrevokePolicy: { method: 'POST', url: '/v1/policies/:id/unrevoke' },
  me: { method: 'GET', url: '/v1/me' },
  overview: { method: 'GET', url: '/v1/overview' },
  createUser: { method: 'POST', url: '/v1/users' },
  listUsers: { method: 'GET', url: '/v1/users' },
  disableUser: { method: 'POST', url: '/v1/users/:email/disable' },
  linkUserOidc: { method: 'POST', url: '/v1/users/:email/oidc' },
  mintToken: { method: 'POST', url: '/v1/tokens' },
  listTokens: { method: 'GET', url: '/v1/tokens' },
  revokeToken: { method: 'DELETE', url: '/v1/tokens/:id' },
  addLockdown: { method: 'POST', url: '/v1/lockdowns' },
  listLockdowns: { method: 'GET', url: '/v1/lockdowns' },
  liftLockdown: { method: 'POST', url: '/v1/lockdowns/:id/lift' },
  auditKey: { method: 'GET', url: '/v1/audit/key' },
  auditHead: { method: 'GET', url: '/v1/audit/head' },
  auditRecords: { method: 'GET', url: '/v1/audit/records' },
  auditEvents: { method: 'GET', url: '/v1/audit/events' },
  auditExport: { method: 'GET', url: '/v1/audit/export' },
  listCheckpoints: { method: 'GET', url: '/v1/audit/checkpoints' },
  signCheckpoint: { method: 'POST', url: '/v1/audit/checkpoints' },
}
