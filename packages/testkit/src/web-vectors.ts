/**
 * The committed vectors run through the web build (`@latch/format/web`). Browser-safe: no
 * `node:*` and no `Buffer`, so the same code runs in Node's unit tests and, bundled, in Chromium
 * and Firefox. Each check returns the failures it found (empty: the vector passed).
 */
import {
  combineShares,
  decryptBuffer,
  decryptToStream,
  encryptToStream,
  FormatError,
  type Header,
  importX25519PrivateKey,
  type KeyResolver,
  openHeader,
  openShare,
  parseCompactJwe,
  parseHeader,
  plaintextSize,
  shareBindingOf,
} from '@latch/format/web'
import { createObjectWriterWithMaterial, deriveObjectKeyBytes } from '@latch/format/web/testing'
import { patternChunks } from './pattern-chunks.js'
import type { KnownAnswerVector, NegativeVector, VectorKey, VectorStage } from './vector.js'
import { preferredEntry } from './vector-entry.js'

/** An incremental SHA-256, supplied by the host (Node's `createHash`, or a buffering WebCrypto one). */
export interface Sha256 {
  update(bytes: Uint8Array): void
  digest(): Promise<string>
}

/**
 * How thoroughly to stream: `full` (Node) adds one-byte and odd chunkings; `browser` keeps the
 * chunkings that cross segment boundaries differently, to keep the browser tests fast (one-byte
 * chunks cost a promise per byte, which Firefox runs slowly).
 */
export type VectorDepth = 'full' | 'browser'

/** Plaintext above this is run only when the host asks for large vectors (SLOW=1). */
export const WEB_VECTOR_LIMIT = 16 << 20

const PERIOD = 251

/** Hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

/** Bytes of hex. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Bytes of standard padded base64. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** A SHA-256 that buffers everything and digests once with WebCrypto (small inputs only). */
export function bufferingSha256(): Sha256 {
  const chunks: Uint8Array[] = []
  let length = 0
  return {
    update(bytes) {
      chunks.push(bytes.slice())
      length += bytes.length
    },
    async digest() {
      const all = new Uint8Array(length)
      let offset = 0
      for (const chunk of chunks) {
        all.set(chunk, offset)
        offset += chunk.length
      }
      return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', all)))
    },
  }
}

/** The web build's twin of `vectorKeyServerResolver`: the vectors' key servers and the client. */
export function webVectorKeyServerResolver(
  keys: readonly VectorKey[],
  preference: readonly string[] = [],
): KeyResolver {
  return async (header: Header) => {
    const n = header.entries[0]?.n ?? 0
    const shares: Uint8Array[] = []
    for (let sid = 1; sid <= n; sid++) {
      const entry = preferredEntry(header.entries, sid, preference)
      if (entry === undefined) throw denied()
      const jwe = parseCompactJwe(entry.jwe)
      const key = keys.find((k) => k.kas_id === entry.kasId && k.kid === jwe.header.kid)
      if (key === undefined) throw denied()
      const privateKey = await importX25519PrivateKey(fromHex(key.private_key))
      const binding = await shareBindingOf(header.coreBytes, sid, n)
      shares.push(await openShare(jwe, privateKey, binding))
    }
    return combineShares(shares)
  }
}

function denied(): FormatError {
  return new FormatError('ERR_FORMAT_DECRYPT_FAILED', 'the object failed authentication')
}

function dataKey(dek: Uint8Array): KeyResolver {
  return async () => Uint8Array.from(dek)
}

/** A stream of `bytes` in chunks of `chunkSize`. */
function chunked(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.subarray(offset, offset + chunkSize))
      offset += chunkSize
    },
  })
}

/** Reads a stream; returns whether the released bytes are the pattern, how many, and the error. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  hash?: Sha256,
): Promise<{ length: number; pattern: boolean; code?: string; bytes?: Uint8Array[] }> {
  let length = 0
  let pattern = true
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (let i = 0; i < value.length; i++) {
        if (value[i] !== (length + i) % PERIOD) {
          pattern = false
          break
        }
      }
      hash?.update(value)
      length += value.length
    }
    return { length, pattern }
  } catch (error) {
    return { length, pattern, code: codeOf(error) }
  }
}

function codeOf(error: unknown): string {
  if (error instanceof FormatError) return error.code
  return `not a FormatError: ${String(error)}`
}

function patternSource(length: number, chunkSize: number): ReadableStream<Uint8Array> {
  const chunks = patternChunks(length, chunkSize)
  return new ReadableStream({
    pull(controller) {
      const next = chunks.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value.slice())
    },
  })
}

/**
 * Runs one known-answer vector through the web build: the key derivation, encryption to the
 * committed bytes (header, size, SHA-256, the whole object when committed), and decryption on
 * the whole-buffer path and as a stream in several chunkings.
 */
export async function checkKnownAnswerVector(
  vector: KnownAnswerVector,
  keys: readonly VectorKey[],
  sha256: () => Sha256 = bufferingSha256,
  depth: VectorDepth = 'full',
): Promise<string[]> {
  const failures: string[] = []
  const expect = (ok: boolean, what: string) => {
    if (!ok) failures.push(`${vector.name}: ${what}`)
  }
  const okm = await deriveObjectKeyBytes(
    fromHex(vector.dek),
    fromHex(vector.material.salt),
    fromHex(vector.core_hash),
  )
  expect(
    toHex(okm) === vector.payload_key + vector.commitment + vector.mac_key,
    'derived keys differ',
  )
  const recipient = (kid: string) => {
    const key = keys.find((k) => k.kid === kid)
    if (key === undefined) throw new Error(kid)
    return { kasId: key.kas_id, kid, publicKey: fromHex(key.public_key) }
  }
  const writer = await createObjectWriterWithMaterial(
    { policyId: vector.policy_id, shares: vector.shares_to.map((kids) => kids.map(recipient)) },
    {
      objectId: fromHex(vector.material.object_id),
      salt: fromHex(vector.material.salt),
      shares: vector.material.shares.map(fromHex),
      wraps: vector.material.wraps.map((w) => ({
        ephemeralPrivateKey: fromHex(w.ephemeral_private_key),
        cek: fromHex(w.cek),
        iv: fromHex(w.iv),
      })),
    },
  )
  expect(toHex(writer.header) === vector.header, 'header differs')
  const inMemory = vector.object_size <= 64 << 20
  const objectHash = sha256()
  const parts: Uint8Array[] = []
  let objectSize = 0
  const encrypted = encryptToStream(writer, patternSource(vector.plaintext_length, 1 << 20))
  const reader = encrypted.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    objectHash.update(value)
    objectSize += value.length
    if (inMemory) parts.push(value)
  }
  expect(objectSize === vector.object_size, `object size ${objectSize}`)
  expect((await objectHash.digest()) === vector.object_sha256, 'object SHA-256 differs')
  if (!inMemory) return failures
  const object = new Uint8Array(objectSize)
  let offset = 0
  for (const part of parts) {
    object.set(part, offset)
    offset += part.length
  }
  parts.length = 0
  if (vector.object !== undefined) {
    expect(toHex(object) === toHex(fromBase64(vector.object)), 'object bytes differ')
  }
  const resolver = webVectorKeyServerResolver(keys)
  try {
    const plain = await decryptBuffer(object, resolver)
    const hash = sha256()
    hash.update(plain)
    expect(plain.length === vector.plaintext_length, 'decryptBuffer length differs')
    expect((await hash.digest()) === vector.plaintext_sha256, 'decryptBuffer plaintext differs')
  } catch (error) {
    failures.push(`${vector.name}: decryptBuffer threw ${codeOf(error)}`)
  }
  const chunkings = depth === 'full' ? [65_536, 1000, 65_552 * 3 + 5] : [65_552 * 3 + 5]
  if (object.length <= 70_000) chunkings.push(depth === 'full' ? 1 : 1000)
  for (const chunkSize of chunkings) {
    const out = await drain(decryptToStream(chunked(object, chunkSize), resolver))
    expect(
      out.code === undefined && out.pattern && out.length === vector.plaintext_length,
      `stream in chunks of ${chunkSize}: ${out.code ?? ''} ${out.length}`,
    )
  }
  return failures
}

/** Where the web build first fails, checking one stage at a time in the spec's order. */
export async function webStageOf(
  object: Uint8Array,
  resolveKey: KeyResolver,
): Promise<VectorStage> {
  let header: Header
  try {
    header = await parseHeader(object)
  } catch {
    return 'header failure'
  }
  let dek: Uint8Array
  try {
    dek = await resolveKey(header, {})
  } catch {
    return 'kas deny'
  }
  const okm = await deriveObjectKeyBytes(dek, header.core.salt, header.coreHash)
  if (toHex(okm.subarray(32, 64)) !== toHex(header.commitment)) return 'commitment failure'
  try {
    await openHeader(header, dek)
  } catch {
    return 'header-mac failure'
  }
  try {
    plaintextSize(object.length, header.bytes.length)
  } catch {
    return 'length failure'
  }
  const out = await drain(decryptToStream(chunked(object, 1 << 20), dataKey(dek)))
  if (out.code === undefined) return 'success'
  return out.code === 'ERR_FORMAT_LENGTH_INVALID' ? 'length failure' : 'payload failure'
}

/**
 * Runs one negative vector through the web build: the stage where it fails (with the key
 * servers, and with the true data key when that differs), the whole-buffer code with nothing
 * released, and the stream code in several chunkings with only verified pattern bytes released.
 */
export async function checkNegativeVector(
  vector: NegativeVector,
  keys: readonly VectorKey[],
  depth: VectorDepth = 'full',
): Promise<string[]> {
  const failures: string[] = []
  const expect = (ok: boolean, what: string) => {
    if (!ok) failures.push(`${vector.name}: ${what}`)
  }
  const object = fromBase64(vector.object)
  const resolver = webVectorKeyServerResolver(keys, vector.kas_preference)
  const stage = await webStageOf(object, resolver)
  expect(stage === vector.expect, `stage ${stage}, expected ${vector.expect}`)
  if (vector.expect_with_dek !== undefined) {
    const withDek = await webStageOf(object, dataKey(fromHex(vector.dek)))
    expect(withDek === vector.expect_with_dek, `stage with DEK ${withDek}`)
  }
  try {
    await decryptBuffer(object, resolver)
    failures.push(`${vector.name}: decryptBuffer succeeded`)
  } catch (error) {
    const code = codeOf(error)
    expect(code === (vector.buffer_code ?? vector.code), `decryptBuffer code ${code}`)
  }
  const chunkings = depth === 'full' ? [1, 7, 4096, 65_552, 1 << 20] : [4096, 65_552]
  for (const chunkSize of chunkings) {
    const out = await drain(decryptToStream(chunked(object, chunkSize), resolver))
    expect(out.code === vector.code, `stream/${chunkSize} code ${out.code}`)
    expect(
      out.pattern && out.length <= vector.released_length,
      `stream/${chunkSize} released ${out.length} bytes (${out.pattern ? 'pattern' : 'NOT pattern'})`,
    )
  }
  return failures
}
