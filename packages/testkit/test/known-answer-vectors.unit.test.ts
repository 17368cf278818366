import { createHash } from 'node:crypto'
import { createDecryptStream, createEncryptStream, type KeyServerRecipient } from '@latch/format'
import {
  createObjectWriterWithMaterial,
  deriveObjectKeys,
  SegmentEncryptor,
} from '@latch/format/testing'
import {
  decryptByteAtATime,
  decryptStreaming,
  decryptWhole,
  type KnownAnswerVector,
  loadKnownAnswerVectors,
  loadVectorKeys,
  patternChunks,
  vectorKeyServerResolver,
} from '@latch/testkit'
import { describe, expect, it } from 'vitest'

const keys = loadVectorKeys()
const resolver = vectorKeyServerResolver(keys)
const vectors = loadKnownAnswerVectors()
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
// Above this, the whole-buffer path (and its byte-at-a-time twin) is left out: a 4 GiB object
// does not fit in one Node buffer (2^32 bytes).
const IN_MEMORY_LIMIT = 64 << 20

function writerFor(vector: KnownAnswerVector) {
  const recipient = (kid: string): KeyServerRecipient => {
    const key = keys.find((k) => k.kid === kid)
    if (key === undefined) throw new Error(kid)
    return { kasId: key.kas_id, kid, publicKey: Buffer.from(key.public_key, 'hex') }
  }
  const from = (h: string) => Buffer.from(h, 'hex')
  return createObjectWriterWithMaterial(
    { policyId: vector.policy_id, shares: vector.shares_to.map((kids) => kids.map(recipient)) },
    {
      objectId: from(vector.material.object_id),
      salt: from(vector.material.salt),
      shares: vector.material.shares.map(from),
      wraps: vector.material.wraps.map((w) => ({
        ephemeralPrivateKey: from(w.ephemeral_private_key),
        cek: from(w.cek),
        iv: from(w.iv),
      })),
    },
  )
}

function encryptInMemory(vector: KnownAnswerVector): Buffer {
  const writer = writerFor(vector)
  const out: Uint8Array[] = [writer.header]
  const encryptor = new SegmentEncryptor(writer)
  for (const chunk of patternChunks(vector.plaintext_length))
    encryptor.push(chunk, (c) => out.push(c))
  encryptor.finish((c) => out.push(c))
  return Buffer.concat(out)
}

describe('known-answer vectors', () => {
  it('cover every required size, one and two shares, at least 20 vectors', () => {
    const S = 65_536
    const lengths = new Set(vectors.map((v) => v.plaintext_length))
    for (const length of [0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S, 256 * S, 65_536 * S]) {
      expect(lengths).toContain(length)
    }
    expect(vectors.some((v) => v.shares_to.length === 2)).toBe(true)
    expect(vectors.length).toBeGreaterThanOrEqual(20)
  })

  for (const vector of vectors) {
    describe(vector.name, () => {
      it('derives the committed keys', () => {
        const derived = deriveObjectKeys(
          Buffer.from(vector.dek, 'hex'),
          Buffer.from(vector.material.salt, 'hex'),
          Buffer.from(vector.core_hash, 'hex'),
        )
        expect(hex(derived.payloadKey.export())).toBe(vector.payload_key)
        expect(hex(derived.commitment)).toBe(vector.commitment)
        expect(hex(derived.macKey)).toBe(vector.mac_key)
      })

      if (vector.object_size <= IN_MEMORY_LIMIT) {
        it('encrypts to the committed bytes and decrypts on every path', async () => {
          const object = encryptInMemory(vector)
          expect(hex(writerFor(vector).header)).toBe(vector.header)
          expect(object.length).toBe(vector.object_size)
          expect(createHash('sha256').update(object).digest('hex')).toBe(vector.object_sha256)
          if (vector.object !== undefined) expect(object.toString('base64')).toBe(vector.object)
          const paths = [
            await decryptWhole(object, resolver),
            await decryptStreaming(object, resolver, 65_536),
            await decryptStreaming(object, resolver, 1000),
            await decryptByteAtATime([object], resolver),
          ]
          if (object.length <= 300_000) paths.push(await decryptStreaming(object, resolver, 1))
          for (const outcome of paths) {
            expect(outcome).toEqual({
              releasedSha256: vector.plaintext_sha256,
              releasedLength: vector.plaintext_length,
            })
          }
        })
      } else {
        it('streams to the committed bytes and back (too large for one buffer)', async () => {
          const objectHash = createHash('sha256')
          const plainHash = createHash('sha256')
          let objectSize = 0
          let plainSize = 0
          const source = ReadableStream.from(patternChunks(vector.plaintext_length, 1 << 20))
          await source
            .pipeThrough(createEncryptStream(writerFor(vector)))
            .pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  objectHash.update(chunk)
                  objectSize += chunk.length
                  controller.enqueue(chunk)
                },
              }),
            )
            .pipeThrough(createDecryptStream(resolver))
            .pipeTo(
              new WritableStream({
                write(chunk) {
                  plainHash.update(chunk)
                  plainSize += chunk.length
                },
              }),
            )
          expect(objectSize).toBe(vector.object_size)
          expect(objectHash.digest('hex')).toBe(vector.object_sha256)
          expect(plainSize).toBe(vector.plaintext_length)
          expect(plainHash.digest('hex')).toBe(vector.plaintext_sha256)
        }, 300_000)
      }
    })
  }
})
