/**
 * The Latch client: talks to the key server (policies, key release to throw-away keys) and
 * resolves object keys for the format's decryptors. Its methods take and return the types of the
 * HTTP contract, `@latch/protocol`; the ones used most are re-exported here.
 *
 * @packageDocumentation
 */
export type {
  AuditEventView,
  ClientPublicJwk,
  KeySet,
  LockdownRuleView,
  PolicyView,
  RewrapRequest,
  TokenView,
  UserView,
} from '@latch/protocol'
export { CLIENT_ERROR_CODES, ClientError, type ClientErrorCode, KeyServerError } from './errors.js'
export type {
  AuditEventFilter,
  KeyServerClientOptions,
  LockdownScopeInput,
  RequestOptions,
} from './key-server-client.js'
export { keyServerResolver } from './key-server-resolver.js'
export type {
  KeyServerTransport,
  TransportAnswer,
  TransportRequest,
} from './key-server-transport.js'
export {
  type DeferredWriter,
  type Encrypted,
  LatchClient,
  type LatchClientOptions,
  type PolicyOptions,
  type RegisteredObject,
} from './latch-client.js'
export { nodeHttpTransport } from './node-http-transport.js'
export { NodeKeyServerClient as KeyServerClient } from './node-key-server-client.js'
export { PolicyBatcher, type PolicyBatcherOptions } from './policy-batcher.js'
export { writeAtomically } from './write-atomically.js'
