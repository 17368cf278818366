import { fc, test } from '@fast-check/vitest'
import {
  ciphertextSize,
  createDecryptStream,
  createEncryptStream,
  decryptBuffer,
  encryptBuffer,
  FormatError,
  plaintextSize,
  SEGMENT_SIZE as S,
} from '@latch/format'
import { describe, expect } from 'vitest'
import { chunked, collect, newWriter, resolveKey } from './helpers.js'

// A low number of runs by default; SLOW=1 runs many more.
const runs = (n: number) => ({ numRuns: process.env.SLOW === '1' ? n * 20 : n })
const sizes = fc.oneof(
  fc.integer({ min: 0, max: 3 * S + 100 }),
  fc.constantFrom(0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S),
)
const chunkings = fc.array(fc.integer({ min: 1, max: 3 * S }), { minLength: 1, maxLength: 8 })

async function streamOut(object: Uint8Array, sizesOf: readonly number[]) {
  const released: Uint8Array[] = []
  let error: unknown
  try {
    await chunked(object, sizesOf)
      .pipeThrough(createDecryptStream(resolveKey))
      .pipeTo(new WritableStream({ write: (chunk) => void released.push(chunk) }))
  } catch (caught) {
    error = caught
  }
  return { released: Buffer.concat(released), error }
}

// Objects shared by the tamper properties: building one per run would dominate the run time.
const samples = [0, 100, S, 2 * S + 50].map((length) => {
  const plaintext = Buffer.alloc(length, 0x5a)
  return { plaintext, object: Buffer.from(encryptBuffer(newWriter(), plaintext)) }
})

describe('format properties', () => {
  test.prop([sizes, chunkings, chunkings], runs(25))(
    'decrypt ∘ encrypt = id for any size and any chunking on either side',
    async (length, inChunks, outChunks) => {
      const plaintext = Buffer.alloc(length)
      for (let i = 0; i < length; i++) plaintext[i] = (i * 31 + 7) & 0xff
      const object = await collect(
        chunked(plaintext, inChunks).pipeThrough(createEncryptStream(newWriter())),
      )
      expect(object.length).toBe(ciphertextSize(length, object.readUInt32BE(8)))
      const { released, error } = await streamOut(object, outChunks)
      expect(error).toBeUndefined()
      expect(released.equals(plaintext)).toBe(true)
    },
  )

  test.prop(
    [fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 128, max: 16_384 })],
    runs(200),
  )('plaintextSize(ciphertextSize(n)) = n', (length, headerSize) => {
    expect(plaintextSize(ciphertextSize(length, headerSize), headerSize)).toBe(length)
  })

  test.prop(
    [
      fc.nat(samples.length - 1),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.nat(7),
    ],
    runs(300),
  )(
    'any single bit flip anywhere fails, and releases only segments before the flipped one',
    async (which, where, bit) => {
      const { plaintext, object } = samples[which] as (typeof samples)[0]
      const offset = Math.floor(where * object.length)
      const tampered = Buffer.from(object)
      tampered[offset] = (tampered[offset] ?? 0) ^ (1 << bit)
      await expect(decryptBuffer(tampered, resolveKey)).rejects.toBeInstanceOf(FormatError)
      const { released, error } = await streamOut(tampered, [4096])
      expect(error).toBeInstanceOf(FormatError)
      const headerSize = object.readUInt32BE(8)
      const segment = offset < headerSize ? 0 : Math.floor((offset - headerSize) / (S + 16))
      expect(released.length).toBeLessThanOrEqual(segment * S)
      expect(released.equals(plaintext.subarray(0, released.length))).toBe(true)
    },
  )

  test.prop(
    [
      fc.nat(samples.length - 1),
      fc.oneof(
        fc.integer({ min: -100_000, max: -1 }),
        fc.uint8Array({ minLength: 1, maxLength: 70_000 }),
      ),
    ],
    runs(100),
  )('any truncation or extension fails', async (which, change) => {
    const { object } = samples[which] as (typeof samples)[0]
    const changed =
      typeof change === 'number'
        ? object.subarray(0, Math.max(0, object.length + change))
        : Buffer.concat([object, change])
    await expect(decryptBuffer(changed, resolveKey)).rejects.toBeInstanceOf(FormatError)
    const { error } = await streamOut(changed, [65_552])
    expect(error).toBeInstanceOf(FormatError)
  })
})
