import {
  combineShares,
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  encryptToStream,
  exportX25519PublicKey,
  generateX25519KeyPair,
  type KeyResolver,
  openShare,
  SEGMENT_SIZE as S,
} from '@latch/format/web'
import { describe, expect, it } from 'vitest'

// The web build's whole-buffer functions on Node's WebCrypto: a bounded number of segments in
// flight must still give every segment at its place, and a failure must leave nothing behind.
const server = await generateX25519KeyPair()
const recipient = {
  kasId: 'kas',
  kid: 'k1',
  publicKey: await exportX25519PublicKey(server.publicKey),
}
const writer = () => createObjectWriter({ policyId: 'p', shares: [[recipient]] })
const resolveKey: KeyResolver = async (header) =>
  combineShares([await openShare(header.entries[0]?.jwe ?? '', server.privateKey)])

function plaintextOf(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 16)) & 0xff
  return bytes
}

/** Equality of large buffers without a per-element diff (vitest's `toEqual` takes seconds). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of stream) parts.push(part)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

describe('web encryptBuffer and decryptBuffer', () => {
  for (const concurrency of [1, 3, 8]) {
    it(`round-trip 11 segments with ${concurrency} in flight, each segment in its place`, async () => {
      const plaintext = plaintextOf(10 * S + 4321)
      const object = await encryptBuffer(await writer(), plaintext, { concurrency })
      expect(same(await decryptBuffer(object, resolveKey, { concurrency }), plaintext)).toBe(true)
    })
  }

  it('writes the bytes the stream writes for the same writer state', async () => {
    const plaintext = plaintextOf(3 * S)
    const object = await encryptBuffer(await writer(), plaintext)
    const streamed = await collect(encryptToStream(await writer(), new Blob([plaintext])))
    // Fresh keys differ; the layout (sizes) must not, and both must open to the plaintext.
    expect(streamed.length).toBe(object.length)
    expect(same(await decryptBuffer(streamed, resolveKey), plaintext)).toBe(true)
  })

  it('refuses a writer used before, whatever the window', async () => {
    const used = await writer()
    await encryptBuffer(used, plaintextOf(S + 1))
    await expect(encryptBuffer(used, plaintextOf(S + 1), { concurrency: 4 })).rejects.toMatchObject(
      {
        code: 'ERR_FORMAT_SEGMENT_REJECTED',
      },
    )
  })

  it('a tampered segment fails and no plaintext is returned', async () => {
    const plaintext = plaintextOf(9 * S)
    const object = await encryptBuffer(await writer(), plaintext)
    const at = object.length - 3 * (S + 16)
    object[at] = (object[at] as number) ^ 1
    await expect(decryptBuffer(object, resolveKey, { concurrency: 2 })).rejects.toMatchObject({
      code: 'ERR_FORMAT_DECRYPT_FAILED',
    })
  })
})
