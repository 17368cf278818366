import { randomBytes } from 'node:crypto'
import {
  type ByteSpan,
  ciphertextSize,
  decryptRange,
  ENCRYPTED_SEGMENT_SIZE as E,
  encryptBuffer,
  openHeader,
  type PlaintextRange,
  parseHeader,
  plaintextSize,
  planRange,
  SEGMENT_SIZE as S,
} from '@latch/format'
import { describe, expect, it } from 'vitest'
import { collect, newWriter, resolveKey } from './helpers.js'

async function setup(length: number) {
  const plaintext = randomBytes(length)
  const object = Buffer.from(encryptBuffer(newWriter(), plaintext))
  const header = parseHeader(object)
  const keys = openHeader(header, await resolveKey(header, {}))
  return { plaintext, object, header, keys }
}

async function readRange(
  object: Buffer,
  headerSize: number,
  keys: ReturnType<typeof openHeader>,
  range: PlaintextRange,
) {
  const reads: ByteSpan[] = []
  const stream = decryptRange({
    keys,
    headerSize,
    objectSize: object.length,
    range,
    read: async (span) => {
      reads.push(span)
      return object.subarray(span.start, span.end)
    },
  })
  return { bytes: await collect(stream), reads }
}

describe('sizes', () => {
  it('gives exact ciphertext and plaintext sizes at every boundary', () => {
    const H = 500
    for (const L of [0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S, 128 * S, 2 ** 40 + 3]) {
      const N = ciphertextSize(L, H)
      expect(N).toBe(H + L + 16 * (Math.floor(L / S) + 1))
      expect(plaintextSize(N, H)).toBe(L)
    }
  })

  it('rejects sizes no object can have', () => {
    const invalid = expect.objectContaining({ code: 'ERR_FORMAT_LENGTH_INVALID' })
    for (const body of [0, 15, E, E + 15, 2 * E])
      expect(() => plaintextSize(500 + body, 500)).toThrow(invalid)
    expect(() => plaintextSize(500 + 2 ** 32 * E + 16, 500)).toThrow(invalid)
    expect(() => plaintextSize(2 ** 53, 500)).toThrow(invalid)
    expect(() => ciphertextSize(-1, 500)).toThrow(
      expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' }),
    )
  })
})

describe('planRange', () => {
  const H = 500
  const L = 3 * S + 10
  const N = ciphertextSize(L, H)

  it('maps a plaintext range to the segments and object bytes that cover it', () => {
    expect(planRange({ first: S - 1, last: S }, N, H)).toEqual({
      plaintextLength: L,
      finalIndex: 3,
      plaintext: { start: S - 1, end: S + 1 },
      firstSegment: 0,
      lastSegment: 1,
      ciphertext: { start: H, end: H + 2 * E },
      unsatisfiable: false,
    })
  })

  it('verifies the final segment first when the answer depends on the end', () => {
    const suffix = planRange({ suffixLength: 100 }, N, H)
    expect(suffix.plaintext).toEqual({ start: L - 100, end: L })
    expect(suffix.verifyFirst).toEqual({ start: H + 3 * E, end: N })
    expect(planRange({ first: 10 }, N, H).verifyFirst).toEqual({ start: H + 3 * E, end: N })
    expect(planRange({ first: 10, last: L + 99 }, N, H).verifyFirst).toBeDefined()
    // Inside the final segment, reading it verifies it before anything is released.
    expect(planRange({ first: 3 * S + 1 }, N, H).verifyFirst).toBeUndefined()
    expect(planRange({ first: 10, last: 20 }, N, H).verifyFirst).toBeUndefined()
  })

  it('marks a range past the end unsatisfiable and rejects malformed ranges', () => {
    expect(planRange({ first: L }, N, H)).toMatchObject({ unsatisfiable: true, firstSegment: 3 })
    const invalid = expect.objectContaining({ code: 'ERR_FORMAT_RANGE_INVALID' })
    for (const range of [
      { first: -1 },
      { first: 5, last: 4 },
      { suffixLength: 0 },
      { first: 0.5 },
    ]) {
      expect(() => planRange(range, N, H)).toThrow(invalid)
    }
  })
})

describe('decryptRange', () => {
  it('answers ranges at segment boundaries, the last byte and suffixes, reading only what it needs', async () => {
    for (const length of [1, S - 1, S, S + 1, 2 * S, 3 * S + 10]) {
      const { plaintext, object, header, keys } = await setup(length)
      const H = header.bytes.length
      const ranges: [PlaintextRange, number, number][] = [
        [{ first: 0 }, 0, length],
        [{ first: length - 1, last: length - 1 }, length - 1, length],
        [{ suffixLength: 1 }, length - 1, length],
        [{ suffixLength: length + 5 }, 0, length],
        [{ first: 0, last: length + 1000 }, 0, length],
      ]
      for (let i = 1; i * S < length; i++) {
        ranges.push([{ first: i * S - 1, last: i * S }, i * S - 1, i * S + 1])
        ranges.push([{ first: i * S, last: i * S }, i * S, i * S + 1])
      }
      for (const [range, start, end] of ranges) {
        const { bytes, reads } = await readRange(object, H, keys, range)
        expect(
          bytes.equals(plaintext.subarray(start, end)),
          JSON.stringify({ length, range }),
        ).toBe(true)
        const plan = planRange(range, object.length, H)
        expect(reads).toEqual(
          plan.verifyFirst ? [plan.verifyFirst, plan.ciphertext] : [plan.ciphertext],
        )
        expect(plan.lastSegment - plan.firstSegment).toBeLessThanOrEqual(
          Math.floor((end - start - 1) / S) + 1,
        )
      }
    }
  })

  it('rejects a range past the end once the final segment verified', async () => {
    const { object, header, keys } = await setup(2 * S + 5)
    await expect(
      readRange(object, header.bytes.length, keys, { first: 2 * S + 5 }),
    ).rejects.toMatchObject({
      code: 'ERR_FORMAT_RANGE_INVALID',
    })
  })

  it('fails a tail read of a truncated object before releasing anything', async () => {
    const { object, header, keys } = await setup(3 * S + 100)
    const H = header.bytes.length
    const truncated = object.subarray(0, object.length - 1)
    await expect(readRange(truncated, H, keys, { suffixLength: S + 50 })).rejects.toMatchObject({
      code: 'ERR_FORMAT_DECRYPT_FAILED',
    })
    const cut = object.subarray(0, H + 2 * E)
    await expect(readRange(cut, H, keys, { suffixLength: 10 })).rejects.toMatchObject({
      code: 'ERR_FORMAT_LENGTH_INVALID',
    })
  })

  it('fails when the bytes read do not match the pinned size', async () => {
    const { object, header, keys } = await setup(2 * S)
    const stream = decryptRange({
      keys,
      headerSize: header.bytes.length,
      objectSize: object.length,
      range: { first: 0, last: 10 },
      read: async (span) => object.subarray(span.start, span.end - 1),
    })
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ERR_FORMAT_LENGTH_INVALID' })
  })
})
