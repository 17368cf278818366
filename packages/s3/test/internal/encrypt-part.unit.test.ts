import { Readable } from 'node:stream'
import {
  ciphertextSize,
  combineShares,
  createObjectWriter,
  decryptBuffer,
  ENCRYPTED_SEGMENT_SIZE,
  generateX25519KeyPair,
  type Header,
  MAX_HEADER_SIZE,
  type ObjectWriter,
  openShare,
  parseCompactJwe,
  SEGMENT_SIZE as S,
  shareBindingOf,
  TAG_SIZE,
} from '@latch/format'
import { describe, expect, it } from 'vitest'
import { encryptPart, maxEncryptedPartSize } from '../../src/internal/encrypt-part.js'
import { type PlaintextPart, readParts } from '../../src/internal/read-parts.js'

const PART = 4 * S
const kas = generateX25519KeyPair()

function newWriter(): ObjectWriter {
  return createObjectWriter({
    policyId: 'p-parts',
    shares: [[{ kasId: 'kas-test', kid: 'k1', publicKey: kas.publicKey }]],
  })
}

// Plays the key server: opens the object's one share with the server's private key.
async function resolveKey(header: Header): Promise<Uint8Array> {
  const entry = header.entries[0]
  if (entry === undefined) throw new Error('no entry')
  return combineShares([
    openShare(parseCompactJwe(entry.jwe), kas.privateKey, shareBindingOf(header.coreBytes, 1, 1)),
  ])
}

function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) out[i] = (i * 7) % 251
  return out
}

async function partsOf(data: Buffer): Promise<PlaintextPart[]> {
  const parts: PlaintextPart[] = []
  for await (const part of readParts(Readable.from([data]), PART)) {
    parts.push({ ...part, data: Buffer.from(part.data) })
  }
  return parts
}

/** Encrypts the parts in the given order and puts the bodies back in part order. */
function encryptInOrder(writer: ObjectWriter, parts: PlaintextPart[], order: number[]): Buffer {
  const bodies: Buffer[] = []
  for (const i of order) {
    const part = parts[i] as PlaintextPart
    bodies[part.index] = Buffer.from(encryptPart(writer, part, PART))
  }
  return Buffer.concat(bodies)
}

describe('encryptPart', () => {
  it.each([0, 1, S - 1, S, PART - 1, PART, PART + 1, 3 * PART, 3 * PART + S + 5])(
    'makes bodies that together are the object of %i bytes, whatever order the parts are encrypted in',
    async (size) => {
      const data = pattern(size)
      const parts = await partsOf(data)
      const writer = newWriter()
      const order = parts.map((_, i) => i).reverse()
      const object = encryptInOrder(writer, parts, order)
      expect(object.length).toBe(ciphertextSize(size, writer.header.length))
      expect(Buffer.from(await decryptBuffer(object, resolveKey)).equals(data)).toBe(true)
    },
  )

  it('sizes each body: the header in the first, whole segments in each, the final segment in the last', async () => {
    const data = pattern(2 * PART + S + 5)
    const parts = await partsOf(data)
    const writer = newWriter()
    const sizes = parts.map((part) => encryptPart(writer, part, PART).length)
    const full = (PART / S) * ENCRYPTED_SEGMENT_SIZE
    expect(sizes).toEqual([
      writer.header.length + full,
      full,
      ENCRYPTED_SEGMENT_SIZE + 5 + TAG_SIZE,
    ])
  })

  it('ends an object of whole parts with an empty final segment in its last part', async () => {
    const parts = await partsOf(pattern(2 * PART))
    const writer = newWriter()
    const last = encryptPart(writer, parts[1] as PlaintextPart, PART)
    expect(last.length).toBe((PART / S) * ENCRYPTED_SEGMENT_SIZE + TAG_SIZE)
  })

  it('writes into the buffer it is given when it is large enough, and never past the bound', async () => {
    const parts = await partsOf(pattern(PART + 1))
    const writer = newWriter()
    const into = Buffer.alloc(maxEncryptedPartSize(PART))
    const first = encryptPart(writer, parts[0] as PlaintextPart, PART, into)
    expect(first.buffer).toBe(into.buffer)
    expect(first.byteOffset).toBe(into.byteOffset)
    expect(first.length).toBeLessThanOrEqual(maxEncryptedPartSize(PART))
    const small = Buffer.alloc(10)
    const second = encryptPart(writer, parts[1] as PlaintextPart, PART, small)
    expect(second.buffer).not.toBe(small.buffer)
  })

  it('bounds every body by maxEncryptedPartSize, the first part with the largest header included', () => {
    expect(maxEncryptedPartSize(PART)).toBe(
      MAX_HEADER_SIZE + (PART / S) * ENCRYPTED_SEGMENT_SIZE + TAG_SIZE,
    )
  })

  it('refuses to encrypt a part twice (a segment nonce used twice would break GCM)', async () => {
    const parts = await partsOf(pattern(PART + 1))
    const writer = newWriter()
    encryptPart(writer, parts[0] as PlaintextPart, PART)
    expect(() => encryptPart(writer, parts[0] as PlaintextPart, PART)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^ERR_FORMAT_/) }),
    )
  })
})
