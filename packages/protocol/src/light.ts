/**
 * The run-time half of the contract a client needs, without the request and response schemas:
 * each route's method and URL, the error codes and their statuses. It does not load `typebox`,
 * which the full entry does (its import is most of a CLI command's start-up); types still come
 * from `@latch/protocol` with `import type`.
 *
 * @packageDocumentation
 */
export { fallbackCodeFor } from './fallback-code-for.js'
export { isServerErrorCode } from './is-server-error-code.js'
export { type RouteLine, type RouteName, type Routes, routeLines } from './route-lines.js'
export { type RouteTargetInput, routeTarget } from './route-target.js'
export { SERVER_ERROR_CODES, type ServerErrorCode } from './server-error-code.js'
export { statusFor } from './status-for.js'
