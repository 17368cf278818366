import { createHash } from 'node:crypto'
import { leafHash } from '@latch/audit'
import { describe, expect, it } from 'vitest'

describe('leafHash', () => {
  it('is SHA-256(0x00 ‖ bytes) for every length, in any order of lengths', () => {
    // Short, then past the first scratch buffer, then short again, then past the scratch bound.
    const lengths = [0, 1, 300, 1023, 1024, 5000, 300, 17, 16_383, 16_384, 40_000, 300]
    for (const [i, length] of lengths.entries()) {
      const bytes = Buffer.alloc(length, i + 1)
      const expected = createHash('sha256').update(Buffer.of(0)).update(bytes).digest()
      expect(leafHash(bytes).equals(expected), `length ${length}`).toBe(true)
    }
  })
})
