import { createHash, timingSafeEqual } from 'node:crypto'
import {
  createDecryptStream,
  decryptBuffer,
  FormatError,
  type Header,
  type KeyResolver,
  openHeader,
  parseHeader,
  plaintextSize,
} from '@latch/format'
import { deriveObjectKeys, HeaderReader, SegmentDecryptor } from '@latch/format/testing'
import { patternSha256 } from './pattern.js'
import type { VectorStage } from './vector.js'

/** What one decryption path did: the error code it ended with (if any) and what it released. */
export interface Outcome {
  readonly code?: string
  readonly releasedSha256: string
  readonly releasedLength: number
}

/** Whole-buffer path: {@link decryptBuffer}. */
export async function decryptWhole(object: Uint8Array, resolveKey: KeyResolver): Promise<Outcome> {
  const hash = createHash('sha256')
  let length = 0
  try {
    const plaintext = await decryptBuffer(object, resolveKey)
    hash.update(plaintext)
    length = plaintext.length
    return { releasedSha256: hash.digest('hex'), releasedLength: length }
  } catch (error) {
    return { code: codeOf(error), releasedSha256: hash.digest('hex'), releasedLength: length }
  }
}

/**
 * Streaming path: the object in chunks of `chunkSize` bytes through {@link createDecryptStream}.
 * `chunkSize` 1 is the byte-at-a-time path.
 */
export async function decryptStreaming(
  object: Uint8Array,
  resolveKey: KeyResolver,
  chunkSize: number,
): Promise<Outcome> {
  const hash = createHash('sha256')
  let length = 0
  let offset = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= object.length) return controller.close()
      controller.enqueue(object.subarray(offset, offset + chunkSize))
      offset += chunkSize
    },
  })
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      hash.update(chunk)
      length += chunk.length
    },
  })
  try {
    await source.pipeThrough(createDecryptStream(resolveKey)).pipeTo(sink)
    return { releasedSha256: hash.digest('hex'), releasedLength: length }
  } catch (error) {
    return { code: codeOf(error), releasedSha256: hash.digest('hex'), releasedLength: length }
  }
}

/**
 * Byte-at-a-time through the synchronous cores ({@link HeaderReader}, {@link SegmentDecryptor})
 * that the stream wraps: the same code path without a promise per byte, for large objects.
 * `source` yields the object in any chunks; each is fed one byte at a time.
 */
export async function decryptByteAtATime(
  source: Iterable<Uint8Array>,
  resolveKey: KeyResolver,
): Promise<Outcome> {
  const hash = createHash('sha256')
  let length = 0
  const emit = (chunk: Uint8Array) => {
    hash.update(chunk)
    length += chunk.length
  }
  try {
    const reader = new HeaderReader()
    let decryptor: SegmentDecryptor | undefined
    for (const chunk of source) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk.subarray(i, i + 1)
        if (decryptor !== undefined) {
          decryptor.push(byte, emit)
          continue
        }
        const read = reader.push(byte)
        if (read === undefined) continue
        decryptor = new SegmentDecryptor(openHeader(read.header, await resolveKey(read.header, {})))
        for (const piece of read.rest) decryptor.push(piece, emit)
      }
    }
    if (decryptor === undefined) return reader.finish()
    decryptor.finish(emit)
    return { releasedSha256: hash.digest('hex'), releasedLength: length }
  } catch (error) {
    return { code: codeOf(error), releasedSha256: hash.digest('hex'), releasedLength: length }
  }
}

/**
 * Runs the checks one at a time in the spec's order and names the first that fails: this is
 * how a vector's `expect` is checked (the public paths all report one code for every
 * authentication failure, by design).
 */
export async function stageOf(object: Uint8Array, resolveKey: KeyResolver): Promise<VectorStage> {
  let header: Header
  try {
    header = parseHeader(object)
  } catch {
    return 'header failure'
  }
  let dek: Uint8Array
  try {
    dek = await resolveKey(header, {})
  } catch {
    return 'kas deny'
  }
  const derived = deriveObjectKeys(dek, header.core.salt, header.coreHash)
  if (!timingSafeEqual(derived.commitment, header.commitment)) return 'commitment failure'
  let decryptor: SegmentDecryptor
  try {
    decryptor = new SegmentDecryptor(openHeader(header, dek))
  } catch {
    return 'header-mac failure'
  }
  try {
    plaintextSize(object.length, header.bytes.length)
    const ignore = () => {}
    decryptor.push(object.subarray(header.bytes.length), ignore)
    decryptor.finish(ignore)
  } catch (error) {
    return codeOf(error) === 'ERR_FORMAT_LENGTH_INVALID' ? 'length failure' : 'payload failure'
  }
  return 'success'
}

function codeOf(error: unknown): string {
  if (error instanceof FormatError) return error.code
  throw error
}

/**
 * True when a streaming path released a prefix of the `limit` bytes a reader may release: only
 * verified pattern bytes. A stream may deliver fewer, since chunks still queued when it errors
 * are dropped.
 */
export function isPrefix(outcome: Outcome, limit: number): boolean {
  return (
    outcome.releasedLength <= limit &&
    outcome.releasedSha256 === patternSha256(outcome.releasedLength)
  )
}
