/**
 * The Latch client in browsers: the key-server client (`fetch`, a bearer token: an API token or
 * an OIDC access token) and the key resolver that re-wraps shares to throw-away WebCrypto keys,
 * so a signed-in page can decrypt a file it may read with `@latch/format/web`. Nothing here is
 * Node-only (`writeAtomically` and `LatchClient`'s file helpers stay in the Node entry).
 *
 * @packageDocumentation
 */
export type {
  ClientPublicJwk,
  KeySet,
  PolicyView,
  RewrapRequest,
} from '@latch/protocol'
export { CLIENT_ERROR_CODES, ClientError, type ClientErrorCode, KeyServerError } from '../errors.js'
export {
  KeyServerClient,
  type KeyServerClientOptions,
  type RequestOptions,
} from '../key-server-client.js'
export type {
  KeyServerTransport,
  TransportAnswer,
  TransportRequest,
} from '../key-server-transport.js'
export { PolicyBatcher, type PolicyBatcherOptions } from '../policy-batcher.js'
export { keyServerResolver } from './key-server-resolver.js'
