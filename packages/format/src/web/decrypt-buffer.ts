import { ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE } from '../constants.js'
import type { KeyResolver } from '../key-resolver.js'
import { plaintextSize } from '../sizes.js'
import { DEFAULT_CONCURRENCY, type StreamOptions } from './encrypt-stream.js'
import { inLanes } from './in-lanes.js'
import { openHeader } from './open-header.js'
import { parseHeader } from './parse-header.js'
import { openSegmentBytes } from './segment-cipher.js'

/**
 * Decrypts a whole object held in memory (web build), up to `concurrency` segments in WebCrypto
 * at once. The size is checked before the key is asked for; the plaintext is returned only when
 * every segment verified, and wiped otherwise (no segment starts after a failure).
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID`, `ERR_FORMAT_VERSION_UNSUPPORTED`,
 *   `ERR_FORMAT_LENGTH_INVALID`, `ERR_FORMAT_DECRYPT_FAILED`, or whatever `resolveKey` throws.
 */
export async function decryptBuffer(
  object: Uint8Array,
  resolveKey: KeyResolver,
  options: StreamOptions & { signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const header = await parseHeader(object)
  const out = new Uint8Array(plaintextSize(object.length, header.bytes.length))
  const dek = await resolveKey(
    header,
    options.signal === undefined ? {} : { signal: options.signal },
  )
  try {
    const keys = await openHeader(header, dek)
    const body = object.subarray(header.bytes.length)
    const count = Math.floor(body.length / ENCRYPTED_SEGMENT_SIZE) + 1
    await inLanes(count, options.concurrency ?? DEFAULT_CONCURRENCY, async (i) => {
      const segment = body.subarray(i * ENCRYPTED_SEGMENT_SIZE, (i + 1) * ENCRYPTED_SEGMENT_SIZE)
      const plain = await openSegmentBytes(keys.payloadKey, i, i === count - 1, segment)
      out.set(plain, i * SEGMENT_SIZE)
    })
  } catch (error) {
    out.fill(0)
    throw error
  } finally {
    dek.fill(0)
  }
  return out
}
