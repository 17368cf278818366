import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { BufferPool } from '../../src/internal/buffer-pool.js'
import { type PlaintextPart, readParts } from '../../src/internal/read-parts.js'

// A low number of runs by default; SLOW=1 runs many more.
const runs = (n: number) => ({ numRuns: process.env.SLOW === '1' ? n * 20 : n })

const KIB = 1024
const PART = 256 * KIB

/** `n` bytes where byte i is i mod 251, so a shifted or repeated byte shows. */
function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) out[i] = i % 251
  return out
}

/** `data` cut into chunks of the given sizes, cycling through them. */
async function* chunked(data: Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length] as number
    yield data.subarray(offset, offset + size)
    offset += size
  }
}

/** Reads every part, copying each (its buffer may be reused once given back). */
async function collectParts(parts: AsyncIterable<PlaintextPart>, give?: (b: Buffer) => void) {
  const out: { index: number; last: boolean; data: Buffer }[] = []
  for await (const part of parts) {
    out.push({ index: part.index, last: part.last, data: Buffer.from(part.data) })
    give?.(part.buffer)
  }
  return out
}

function expectParts(
  parts: Awaited<ReturnType<typeof collectParts>>,
  data: Buffer,
  partSize: number,
) {
  const count = Math.max(1, Math.ceil(data.length / partSize))
  expect(parts.map((p) => p.index)).toEqual(Array.from({ length: count }, (_, i) => i))
  expect(parts.map((p) => p.last)).toEqual(Array.from({ length: count }, (_, i) => i === count - 1))
  for (const part of parts.slice(0, -1)) expect(part.data.length).toBe(partSize)
  expect(parts.at(-1)?.data.length).toBe(data.length - (count - 1) * partSize)
  expect(Buffer.concat(parts.map((p) => p.data)).equals(data)).toBe(true)
}

describe('readParts', () => {
  it.each([0, 1, PART - 1, PART, PART + 1, 2 * PART, 2 * PART + 1, 3 * PART - 1])(
    'cuts %i bytes into full parts and a last part with the rest',
    async (size) => {
      const data = pattern(size)
      for (const chunks of [[size || 1], [1000], [PART + 7], [PART], [3, 65_536, 999_999]]) {
        expectParts(await collectParts(readParts(chunked(data, chunks), PART)), data, PART)
      }
    },
  )

  it('makes an empty source one empty last part', async () => {
    const parts = await collectParts(readParts(chunked(Buffer.alloc(0), [1]), PART))
    expect(parts).toEqual([{ index: 0, last: true, data: Buffer.alloc(0) }])
  })

  it('ends on a full last part when the source is a whole number of parts (no empty part after it)', async () => {
    const parts = await collectParts(readParts(chunked(pattern(3 * PART), [PART]), PART))
    expect(parts.map((p) => [p.data.length, p.last])).toEqual([
      [PART, false],
      [PART, false],
      [PART, true],
    ])
  })

  it('skips empty chunks', async () => {
    const data = pattern(PART + 10)
    async function* withEmpties() {
      yield new Uint8Array(0)
      yield data.subarray(0, 5)
      yield new Uint8Array(0)
      yield data.subarray(5)
      yield new Uint8Array(0)
    }
    expectParts(await collectParts(readParts(withEmpties(), PART)), data, PART)
  })

  it('takes no part-sized buffer for an object much smaller than a part', async () => {
    let taken = 0
    const take = () => {
      taken++
      return Buffer.allocUnsafe(5 * 1024 * KIB)
    }
    const parts = await collectParts(
      readParts(chunked(pattern(100 * KIB), [4096]), 5 * 1024 * KIB, take),
    )
    expect(parts).toHaveLength(1)
    expect(taken).toBe(0)
  })

  it('needs no more than three part buffers when each part is given back once used', async () => {
    const pool = new BufferPool(PART, 8)
    const distinct = new Set<Buffer>()
    const take = () => {
      const buffer = pool.take()
      distinct.add(buffer)
      return buffer
    }
    const data = pattern(10 * PART + 123)
    const parts = await collectParts(readParts(chunked(data, [10_000]), PART, take), (b) =>
      pool.give(b),
    )
    expectParts(parts, data, PART)
    // One being read into, one held back until more input shows it is not the last, one in use.
    expect(distinct.size).toBeLessThanOrEqual(3)
  })

  it('passes the error of its source on', async () => {
    async function* failing() {
      yield pattern(PART + 1)
      throw new Error('disk read error')
    }
    await expect(collectParts(readParts(failing(), PART))).rejects.toThrow('disk read error')
  })

  test.prop(
    [
      fc.integer({ min: 0, max: 4 * 65_536 + 17 }),
      fc.array(fc.integer({ min: 1, max: 3 * 65_536 }), { minLength: 1, maxLength: 6 }),
    ],
    runs(30),
  )('cuts any source of any chunking the same way', async (size, chunks) => {
    const partSize = 65_536
    const data = pattern(size)
    expectParts(await collectParts(readParts(chunked(data, chunks), partSize)), data, partSize)
  })
})
