// The browser streaming page: in ONE page, raw WebCrypto AES-256-GCM over 64 KiB segments (the
// baseline, with the same number of segments in flight) next to Latch's encrypt and decrypt of
// the same Blob through @latch/format/web. Outputs are counted, never kept.
import {
  combineShares,
  createObjectWriter,
  decryptToStream,
  ENCRYPTED_SEGMENT_SIZE,
  encryptToStream,
  exportX25519PublicKey,
  generateX25519KeyPair,
  openShare,
  SEGMENT_SIZE,
} from '@latch/format/web'

const subtle = () => globalThis.crypto.subtle

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader()
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return length
    length += value.length
  }
}

/** A Blob of `mib` MiB made of one random MiB repeated (the Blob store holds it, not the heap). */
function sourceBlob(mib: number): Blob {
  const block = new Uint8Array(1 << 20)
  for (let i = 0; i < block.length; i += 65_536)
    crypto.getRandomValues(block.subarray(i, i + 65_536))
  return new Blob(Array.from({ length: mib }, () => block))
}

/** Raw AES-GCM over `segment`-byte pieces of the Blob, `concurrency` at once, in order. */
async function raw(
  blob: Blob,
  segment: number,
  concurrency: number,
  decrypt: boolean,
): Promise<number> {
  const key = await subtle().importKey('raw', new Uint8Array(32), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ])
  const iv = new Uint8Array(12)
  const reader = blob.stream().getReader()
  const pending: Promise<ArrayBuffer>[] = []
  // Pieces held by reference; a segment is copied only when it spans two reads, as Latch does.
  let pieces: Uint8Array[] = []
  let held = 0
  let total = 0
  // Decrypting random bytes fails the tag; time the same work: the baseline encrypts
  // segment-minus-tag bytes, which is what a decrypt of `segment` bytes computes.
  const take = (count: number): Uint8Array => {
    const first = pieces[0] as Uint8Array
    if (first.length >= count) {
      pieces[0] = first.subarray(count)
      if (first.length === count) pieces.shift()
      held -= count
      return first.subarray(0, count)
    }
    const out = new Uint8Array(count)
    let offset = 0
    while (offset < count) {
      const piece = pieces[0] as Uint8Array
      const part = piece.subarray(0, count - offset)
      out.set(part, offset)
      offset += part.length
      if (part.length === piece.length) pieces.shift()
      else pieces[0] = piece.subarray(part.length)
    }
    held -= count
    return out
  }
  const run = async (piece: Uint8Array) => {
    const input = decrypt ? piece.subarray(0, piece.length - 16) : piece
    pending.push(subtle().encrypt({ name: 'AES-GCM', iv }, key, input))
    while (pending.length >= concurrency) total += (await pending.shift())?.byteLength ?? 0
  }
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    pieces.push(value)
    held += value.length
    while (held >= segment) await run(take(segment))
  }
  if (held > 0) await run(take(held))
  pieces = []
  for (const job of pending) total += (await job).byteLength
  return total
}

let prepared:
  | {
      readonly run: (kind: StreamingRun) => Promise<unknown>
      readonly ready: () => Promise<void>
    }
  | undefined

/** What one timed run does (see {@link timeStreaming}). */
type StreamingRun = 'raw' | 'encrypt' | 'rawDecrypt' | 'decrypt'

/**
 * Makes the `mib` MiB source Blob and, once, its Latch object (kept in a Blob, collected 64 MiB at
 * a time so the heap never holds it), for {@link timeStreaming}; resolves to the object's size.
 */
async function prepareStreaming(mib: number, concurrency: number): Promise<number> {
  const blob = sourceBlob(mib)
  const { publicKey, privateKey } = await generateX25519KeyPair()
  const recipient = { kasId: 'kas', kid: 'k', publicKey: await exportX25519PublicKey(publicKey) }
  const writer = () => createObjectWriter({ policyId: 'bench', shares: [[recipient]] })
  let object = new Blob([])
  let parts: Uint8Array[] = []
  let held = 0
  const reader = encryptToStream(await writer(), blob, { concurrency }).getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (!done) {
      parts.push(value)
      held += value.length
    }
    if (done || held >= 64 << 20) {
      object = new Blob([object, ...parts])
      parts = []
      held = 0
    }
    if (done) break
  }
  const resolveKey = async (header: { entries: readonly { jwe: string }[] }) =>
    combineShares([await openShare(header.entries[0]?.jwe ?? '', privateKey)])
  // A fresh writer per encrypt run, made by readyStreaming() before the clock and the CPU count.
  let next = await writer()
  const runs: Record<StreamingRun, () => Promise<unknown>> = {
    raw: () => raw(blob, SEGMENT_SIZE, concurrency, false),
    encrypt: () => drain(encryptToStream(next, blob, { concurrency })),
    rawDecrypt: () => raw(object, ENCRYPTED_SEGMENT_SIZE, concurrency, true),
    decrypt: () => drain(decryptToStream(object, resolveKey, { concurrency })),
  }
  prepared = {
    run: (kind) => runs[kind](),
    ready: async () => {
      next = await writer()
    },
  }
  return object.size
}

/** Makes the next encrypt run's writer (its key wrap is not what the runs compare). */
async function readyStreaming(): Promise<void> {
  await prepared?.ready()
}

/**
 * One timed run on what {@link prepareStreaming} made: the baseline (`raw`, `rawDecrypt`) or
 * Latch (`encrypt`, `decrypt`); resolves to its milliseconds. The harness calls it run by run so
 * it can read the browser's CPU time around each.
 */
async function timeStreaming(kind: StreamingRun): Promise<number> {
  if (prepared === undefined) throw new Error('call prepareStreaming first')
  const started = performance.now()
  await prepared.run(kind)
  return performance.now() - started
}

/** `mib` MiB as a stream of fresh 1 MiB chunks: every byte is new memory the page must let go. */
function sourceStream(mib: number): ReadableStream<Uint8Array> {
  const block = new Uint8Array(1 << 20)
  for (let i = 0; i < block.length; i += 65_536)
    crypto.getRandomValues(block.subarray(i, i + 65_536))
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent++ === mib) controller.close()
      else controller.enqueue(block.slice())
    },
  })
}

/**
 * Encrypts then decrypts `mib` MiB once, from a stream (a Blob of 1 GiB is more than headless
 * Chromium's Blob store takes), for the memory test; resolves to the bytes out.
 */
async function roundTrip(mib: number, concurrency: number): Promise<string> {
  const blob = sourceStream(mib)
  const { publicKey, privateKey } = await generateX25519KeyPair()
  const recipient = { kasId: 'kas', kid: 'k', publicKey: await exportX25519PublicKey(publicKey) }
  const writer = await createObjectWriter({ policyId: 'bench', shares: [[recipient]] })
  const resolveKey = async (header: { entries: readonly { jwe: string }[] }) =>
    combineShares([await openShare(header.entries[0]?.jwe ?? '', privateKey)])
  const plain = await drain(
    decryptToStream(encryptToStream(writer, blob, { concurrency }), resolveKey, { concurrency }),
  )
  return JSON.stringify({ plain })
}

Object.assign(globalThis, { prepareStreaming, readyStreaming, timeStreaming, roundTrip })
