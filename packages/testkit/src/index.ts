/**
 * Test support for Latch (private): the committed vectors and how to run them, the vectors'
 * plaintext pattern, and key resolvers that play the key server.
 *
 * @packageDocumentation
 */
export {
  dataKeyResolver,
  loadVectorKeys,
  VECTORS_DIR,
  vectorKeyServerResolver,
} from './key-servers.js'
export { loadKnownAnswerVectors, loadNegativeVectors } from './load-vectors.js'
export { LOW_ORDER_X25519 } from './low-order-x25519.js'
export { patternChunks } from './pattern.js'
export {
  decryptByteAtATime,
  decryptStreaming,
  decryptWhole,
  isPrefix,
  type Outcome,
  stageOf,
} from './run-vector.js'
export type {
  KnownAnswerVector,
  NegativeVector,
  VectorKey,
  VectorStage,
  VectorWrapMaterial,
} from './vector.js'
export {
  bufferingSha256,
  checkKnownAnswerVector,
  checkNegativeVector,
  fromBase64,
  fromHex,
  type Sha256,
  toHex,
  type VectorDepth,
  WEB_VECTOR_LIMIT,
  webStageOf,
  webVectorKeyServerResolver,
} from './web-vectors.js'
