/**
 * The Latch client: talks to the key server (policies, key release to throw-away keys) and
 * resolves object keys for the format's decryptors.
 *
 * @packageDocumentation
 */
export { CLIENT_ERROR_CODES, ClientError, type ClientErrorCode, KeyServerError } from './errors.js'
export {
  type AuditEventFilter,
  type AuditEventView,
  type ClientPublicJwk,
  KeyServerClient,
  type KeyServerClientOptions,
  type KeySet,
  type LockdownRuleView,
  type LockdownScopeInput,
  type PolicyView,
  type RewrapRequest,
  type TokenView,
  type UserView,
} from './key-server-client.js'
export { keyServerResolver } from './key-server-resolver.js'
export { type Encrypted, LatchClient, type PolicyOptions } from './latch-client.js'
export { writeAtomically } from './write-atomically.js'
