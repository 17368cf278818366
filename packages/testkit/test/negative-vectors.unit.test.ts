import {
  dataKeyResolver,
  decryptByteAtATime,
  decryptStreaming,
  decryptWhole,
  isPrefix,
  loadNegativeVectors,
  loadVectorKeys,
  stageOf,
  vectorKeyServerResolver,
} from '@latch/testkit'
import { describe, expect, it } from 'vitest'

const keys = loadVectorKeys()
const vectors = loadNegativeVectors()
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

describe('negative vectors', () => {
  it('cover groups A to G with at least 40 vectors', () => {
    const groups = new Set(vectors.map((v) => v.group))
    for (const group of ['A', 'B', 'C', 'D', 'E', 'G']) expect(groups).toContain(group)
    expect(vectors.length).toBeGreaterThanOrEqual(40)
  })

  for (const vector of vectors) {
    it(`${vector.group} ${vector.name}: ${vector.comment}`, async () => {
      const object = Buffer.from(vector.object, 'base64')
      const resolver = vectorKeyServerResolver(keys, vector.kas_preference)
      expect(await stageOf(object, resolver)).toBe(vector.expect)
      if (vector.expect_with_dek !== undefined) {
        const bypass = dataKeyResolver(Buffer.from(vector.dek, 'hex'))
        expect(await stageOf(object, bypass)).toBe(vector.expect_with_dek)
      }

      // Whole buffer: the declared code and not one byte released.
      expect(await decryptWhole(object, resolver)).toEqual({
        code: vector.buffer_code ?? vector.code,
        releasedSha256: EMPTY_SHA256,
        releasedLength: 0,
      })
      // Byte at a time through the cores: exactly the verified segments before the failure.
      expect(await decryptByteAtATime([object], resolver)).toEqual({
        code: vector.code,
        releasedSha256: vector.released_sha256,
        releasedLength: vector.released_length,
      })
      // Streams, in several chunkings (one byte at a time included): the code, and never more
      // than the verified segments (a stream may drop chunks still queued when it errors).
      for (const chunkSize of [1, 7, 4096, 65_552, 1 << 20]) {
        const outcome = await decryptStreaming(object, resolver, chunkSize)
        expect(outcome.code).toBe(vector.code)
        expect(isPrefix(outcome, vector.released_length)).toBe(true)
      }
    })
  }
})
