import { createHash } from 'node:crypto'
import { patternChunks } from './pattern-chunks.js'

export { patternBytes, patternChunks } from './pattern-chunks.js'

/** SHA-256 of the pattern plaintext of `length` bytes. */
export function patternSha256(length: number): string {
  const hash = createHash('sha256')
  for (const chunk of patternChunks(length)) hash.update(chunk)
  return hash.digest('hex')
}
