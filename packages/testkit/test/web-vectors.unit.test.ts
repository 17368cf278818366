import { createHash } from 'node:crypto'
import {
  checkKnownAnswerVector,
  checkNegativeVector,
  loadKnownAnswerVectors,
  loadNegativeVectors,
  loadVectorKeys,
  type Sha256,
  WEB_VECTOR_LIMIT,
} from '@latch/testkit'
import { describe, expect, it } from 'vitest'

// The web build (`@latch/format/web`: WebCrypto, web streams, no Buffer) on Node's
// `globalThis.crypto.subtle`, against every committed vector. Vectors of more than 16 MiB of
// plaintext (the 4 GiB one) run only with SLOW=1.
const keys = loadVectorKeys()
const slow = process.env.SLOW === '1'
const nodeSha256 = (): Sha256 => {
  const hash = createHash('sha256')
  return {
    update: (bytes) => hash.update(bytes),
    digest: async () => hash.digest('hex'),
  }
}

describe('web build: known-answer vectors', () => {
  for (const vector of loadKnownAnswerVectors()) {
    const run = vector.plaintext_length <= WEB_VECTOR_LIMIT || slow ? it : it.skip
    run(
      vector.name,
      async () => {
        expect(await checkKnownAnswerVector(vector, keys, nodeSha256)).toEqual([])
      },
      600_000,
    )
  }
})

describe('web build: negative vectors', () => {
  for (const vector of loadNegativeVectors()) {
    it(`${vector.group} ${vector.name}`, async () => {
      expect(await checkNegativeVector(vector, keys)).toEqual([])
    })
  }
})
