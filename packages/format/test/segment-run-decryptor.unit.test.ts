import { randomBytes } from 'node:crypto'
import {
  ENCRYPTED_SEGMENT_SIZE as E,
  encryptBuffer,
  type FormatError,
  openHeader,
  parseHeader,
  SEGMENT_SIZE as S,
  SegmentRunDecryptor,
} from '@latch/format'
import { describe, expect, it } from 'vitest'
import { newWriter, resolveKey } from './helpers.js'

// Issue 16: the core of a parallel download opens runs of segments cut from the middle and the end.

async function setup(length: number) {
  const plaintext = randomBytes(length)
  const object = Buffer.from(encryptBuffer(newWriter(), plaintext))
  const header = parseHeader(object)
  const keys = openHeader(header, await resolveKey(header, {}))
  const headerSize = header.bytes.length
  const finalIndex = Math.floor(length / S)
  const finalLength = object.length - headerSize - finalIndex * E
  return { plaintext, object, keys, headerSize, finalIndex, finalLength }
}

/** Feeds `bytes` in chunks of `step` bytes; returns the plaintext or the error code. */
function open(decryptor: SegmentRunDecryptor, bytes: Uint8Array, step: number) {
  const out: Uint8Array[] = []
  try {
    for (let at = 0; at < bytes.length; at += step) {
      decryptor.push(bytes.subarray(at, at + step), (piece) => out.push(piece))
    }
    decryptor.finish()
    return Buffer.concat(out)
  } catch (error) {
    return (error as FormatError).code
  }
}

describe('SegmentRunDecryptor', () => {
  it('opens a middle run and the run holding the final segment, in chunks of any size', async () => {
    const o = await setup(5 * S + 777)
    const run = { finalIndex: o.finalIndex, finalLength: o.finalLength }
    const middle = o.object.subarray(o.headerSize + E, o.headerSize + 3 * E)
    const end = o.object.subarray(o.headerSize + 3 * E)
    for (const step of [1000, E, 3 * E]) {
      const first = new SegmentRunDecryptor(o.keys, { first: 1, last: 2, ...run })
      expect(open(first, middle, step)).toEqual(o.plaintext.subarray(S, 3 * S))
      const last = new SegmentRunDecryptor(o.keys, { first: 3, last: 5, ...run })
      expect(open(last, end, step)).toEqual(o.plaintext.subarray(3 * S))
    }
  })

  it('refuses a run read at the wrong place, too short, too long, or taken for the final one', async () => {
    const o = await setup(4 * S + 10)
    const run = { finalIndex: o.finalIndex, finalLength: o.finalLength }
    const bytesOf = (first: number, last: number) =>
      o.object.subarray(
        o.headerSize + first * E,
        Math.min(o.headerSize + (last + 1) * E, o.object.length),
      )
    const decryptor = (first: number, last: number, finalIndex = run.finalIndex) =>
      new SegmentRunDecryptor(o.keys, { first, last, finalIndex, finalLength: o.finalLength })
    expect(open(decryptor(2, 3), bytesOf(1, 2), E)).toBe('ERR_FORMAT_DECRYPT_FAILED')
    expect(open(decryptor(1, 2), bytesOf(1, 2).subarray(0, 2 * E - 1), E)).toBe(
      'ERR_FORMAT_LENGTH_INVALID',
    )
    expect(open(decryptor(1, 2), bytesOf(1, 3), E)).toBe('ERR_FORMAT_LENGTH_INVALID')
    // A truncated object: segment 2 read as if it were the final one.
    const truncated = new SegmentRunDecryptor(o.keys, {
      first: 2,
      last: 2,
      finalIndex: 2,
      finalLength: E - 1,
    })
    expect(open(truncated, bytesOf(2, 2).subarray(0, E - 1), E)).toBe('ERR_FORMAT_DECRYPT_FAILED')
    expect(() => decryptor(3, 2)).toThrow(/invalid segment run/)
    expect(() => decryptor(0, 9)).toThrow(/invalid segment run/)
  })
})
