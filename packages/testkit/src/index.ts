/**
 * Test support for Latch (private): the committed vectors and how to run them, the vectors'
 * plaintext pattern, and key resolvers that play the key server.
 *
 * @packageDocumentation
 */
export { dataKeyResolver, keyServerResolver, loadVectorKeys, VECTORS_DIR } from './key-servers.js'
export { loadKnownAnswerVectors, loadNegativeVectors } from './load-vectors.js'
export { LOW_ORDER_X25519 } from './low-order-x25519.js'
export { patternBytes, patternChunks, patternSha256 } from './pattern.js'
export {
  decryptByteAtATime,
  decryptStreaming,
  decryptWhole,
  isPrefix,
  type Outcome,
  stageOf,
} from './run-vector.js'
export type * from './vector.js'
