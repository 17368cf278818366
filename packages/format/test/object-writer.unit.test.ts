import { randomBytes } from 'node:crypto'
import {
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  generateX25519KeyPair,
  parseHeader,
  SEGMENT_SIZE as S,
} from '@latch/format'
import { describe, expect, it } from 'vitest'
import { newWriter, resolveKey, server } from './helpers.js'

const rejected = expect.objectContaining({ code: 'ERR_FORMAT_SEGMENT_REJECTED' })

describe('ObjectWriter', () => {
  it('encrypts segments in any order to the same bytes as in sequence (parallel multipart)', async () => {
    const plaintext = randomBytes(7 * S + 123)
    const writer = newWriter()
    const count = 8
    const order = [5, 0, 7, 2, 6, 1, 3, 4]
    const segments = new Map<number, Buffer>()
    for (const i of order) {
      const final = i === count - 1
      const slice = plaintext.subarray(i * S, final ? plaintext.length : (i + 1) * S)
      segments.set(i, Buffer.concat(writer.encryptSegment(i, slice, final)))
    }
    const object = Buffer.concat([
      writer.header,
      ...[...Array(count).keys()].map((i) => segments.get(i) as Buffer),
    ])
    expect(Buffer.from(await decryptBuffer(object, resolveKey)).equals(plaintext)).toBe(true)
  })

  it('refuses an index used twice, so no GCM nonce is ever reused', () => {
    const writer = newWriter()
    writer.encryptSegment(3, Buffer.alloc(S), false)
    expect(() => writer.encryptSegment(3, Buffer.alloc(S), false)).toThrow(rejected)
  })

  it('refuses anything after the final segment, and a final segment before a later one', () => {
    const writer = newWriter()
    writer.encryptSegment(2, Buffer.alloc(10), true)
    expect(() => writer.encryptSegment(3, Buffer.alloc(S), false)).toThrow(rejected)
    expect(() => writer.encryptSegment(2, Buffer.alloc(5), true)).toThrow(rejected)
    const other = newWriter()
    other.encryptSegment(4, Buffer.alloc(S), false)
    expect(() => other.encryptSegment(3, Buffer.alloc(1), true)).toThrow(rejected)
  })

  it('refuses wrong segment lengths and indices outside 0 … 2^32 − 1', () => {
    const writer = newWriter()
    expect(() => writer.encryptSegment(0, Buffer.alloc(S - 1), false)).toThrow(rejected)
    expect(() => writer.encryptSegment(0, Buffer.alloc(S), true)).toThrow(rejected)
    expect(() => writer.encryptSegment(2 ** 32, Buffer.alloc(S), false)).toThrow(rejected)
    expect(() => writer.encryptSegment(-1, Buffer.alloc(S), false)).toThrow(rejected)
    expect(() => writer.encryptSegment(1.5, Buffer.alloc(S), false)).toThrow(rejected)
    writer.encryptSegment(2 ** 32 - 1, Buffer.alloc(0), true)
  })

  it('refuses to encrypt a second plaintext with a used writer', () => {
    const writer = newWriter()
    encryptBuffer(writer, Buffer.from('first'))
    expect(() => encryptBuffer(writer, Buffer.from('second'))).toThrow(rejected)
  })

  it('draws a fresh object id, salt and data key for every object', () => {
    const a = parseHeader(newWriter().header)
    const b = parseHeader(newWriter().header)
    expect(Buffer.from(a.core.objectId).equals(b.core.objectId)).toBe(false)
    expect(Buffer.from(a.core.salt).equals(b.core.salt)).toBe(false)
    expect(Buffer.from(a.commitment).equals(b.commitment)).toBe(false)
  })

  it('refuses options the format cannot encode', () => {
    const kas = (kasId: string) => ({ kasId, kid: `${kasId}-1`, publicKey: server.publicKey })
    const invalid = expect.objectContaining({ code: 'ERR_FORMAT_ARGUMENT_INVALID' })
    expect(() => createObjectWriter({ policyId: 'p', shares: [] })).toThrow(invalid)
    expect(() =>
      createObjectWriter({ policyId: 'p', shares: [[kas('a')], [kas('b')], [kas('c')]] }),
    ).toThrow(invalid)
    expect(() =>
      createObjectWriter({
        policyId: 'p',
        shares: [
          [kas('a'), kas('b'), kas('c')],
          [kas('d'), kas('e')],
        ],
      }),
    ).toThrow(invalid)
    expect(() => createObjectWriter({ policyId: 'bad id', shares: [[kas('a')]] })).toThrow(invalid)
    expect(() => createObjectWriter({ policyId: 'x'.repeat(256), shares: [[kas('a')]] })).toThrow(
      invalid,
    )
    const ed = generateX25519KeyPair().privateKey
    expect(() =>
      createObjectWriter({ policyId: 'p', shares: [[{ kasId: 'a', kid: 'k', publicKey: ed }]] }),
    ).toThrow(invalid)
  })
})
