import {
  combineShares,
  createObjectWriter,
  generateX25519KeyPair,
  type KeyResolver,
  type ObjectWriter,
  openShare,
  type ShareBinding,
  shareBindingOf,
} from '@latch/format'

/** The binding of one share of one object, for the JWE tests. */
export const binding: ShareBinding = {
  policyId: 'policy-1',
  objectId: 'AAECAwQFBgcICQoLDA0ODw',
  coreHash: Buffer.alloc(32, 7).toString('base64url'),
  sid: 1,
  n: 1,
}

/** One key server key pair for the tests of this package. */
export const server = generateX25519KeyPair()

/** A fresh writer for one share to {@link server}. */
export function newWriter(policyId = 'policy-1'): ObjectWriter {
  return createObjectWriter({
    policyId,
    shares: [[{ kasId: 'kas', kid: 'kas-1', publicKey: server.publicKey }]],
  })
}

/** Plays the key server: opens each share after checking its binding. */
export const resolveKey: KeyResolver = async (header) =>
  combineShares(
    header.entries.map((entry) =>
      openShare(entry.jwe, server.privateKey, shareBindingOf(header.coreBytes, entry.sid, entry.n)),
    ),
  )

/** Collects a stream into one buffer. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** A stream of `data` cut at the given chunk sizes (cycled). */
export function chunked(data: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  let offset = 0
  let i = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close()
      const size = Math.max(1, sizes[i++ % sizes.length] ?? 1)
      controller.enqueue(data.slice(offset, offset + size))
      offset += size
    },
  })
}
