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

/** The median of `values` (not empty). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Runs the baseline and Latch on `mib` MiB, `rounds` times; resolves to JSON of the best MB/s of
 * each and the median of each round's ratio. A round times the baseline and Latch back to back,
 * in alternating order, so a burst of load on the shared machine hits both of a pair alike.
 * Decryption reads an object encrypted once beforehand (kept in a Blob).
 */
async function runStreaming(mib: number, concurrency: number, rounds: number): Promise<string> {
  const blob = sourceBlob(mib)
  const { publicKey, privateKey } = await generateX25519KeyPair()
  const recipient = { kasId: 'kas', kid: 'k', publicKey: await exportX25519PublicKey(publicKey) }
  const writer = () => createObjectWriter({ policyId: 'bench', shares: [[recipient]] })
  // The object, in the Blob store: collected 64 MiB at a time so the heap never holds it.
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
  const bytes = mib * (1 << 20)
  const best = { raw: 0, encrypt: 0, rawDecrypt: 0, decrypt: 0 }
  const ratios = { encrypt: [] as number[], decrypt: [] as number[] }
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now()
    await work()
    return bytes / 1e6 / ((performance.now() - started) / 1000)
  }
  const pair = async (
    first: boolean,
    base: () => Promise<unknown>,
    latch: () => Promise<unknown>,
  ) => {
    const a = await time(first ? base : latch)
    const b = await time(first ? latch : base)
    return first ? { base: a, latch: b } : { base: b, latch: a }
  }
  for (let round = 0; round < rounds; round++) {
    const w = await writer()
    const enc = await pair(
      round % 2 === 0,
      () => raw(blob, SEGMENT_SIZE, concurrency, false),
      () => drain(encryptToStream(w, blob, { concurrency })),
    )
    const dec = await pair(
      round % 2 === 0,
      () => raw(object, ENCRYPTED_SEGMENT_SIZE, concurrency, true),
      () => drain(decryptToStream(object, resolveKey, { concurrency })),
    )
    best.raw = Math.max(best.raw, enc.base)
    best.encrypt = Math.max(best.encrypt, enc.latch)
    best.rawDecrypt = Math.max(best.rawDecrypt, dec.base)
    best.decrypt = Math.max(best.decrypt, dec.latch)
    ratios.encrypt.push(enc.latch / enc.base)
    ratios.decrypt.push(dec.latch / dec.base)
  }
  return JSON.stringify({
    ...best,
    encryptRatio: median(ratios.encrypt),
    decryptRatio: median(ratios.decrypt),
    objectSize: object.size,
  })
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

Object.assign(globalThis, { runStreaming, roundTrip })
