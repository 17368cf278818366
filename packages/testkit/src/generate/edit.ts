import { createCipheriv, createHash, createHmac } from 'node:crypto'
import { ENCRYPTED_SEGMENT_SIZE, type KeyEntry, type ObjectKeys, SEGMENT_SIZE } from '@latch/format'
import { encodeHeader, segmentNonce } from '@latch/format/testing'
import { patternBytes } from '../pattern.js'
import type { BuiltObject } from './build-object.js'

// Byte-level edits for the negative vectors. Each returns a new buffer.

/** The object's bytes (objects built for negative vectors are kept whole). */
export function bytesOf(built: BuiltObject): Buffer {
  if (built.object === undefined) throw new Error('object not kept')
  return Buffer.from(built.object)
}

/** The header size of a built object. */
export function headerSizeOf(built: BuiltObject): number {
  return built.header.bytes.length
}

/** A copy with one bit flipped; negative offsets count from the end. */
export function flip(bytes: Buffer, offset: number, bit = 0): Buffer {
  const out = Buffer.from(bytes)
  const at = offset < 0 ? out.length + offset : offset
  out[at] = (out[at] ?? 0) ^ (1 << bit)
  return out
}

/** A copy with `value` written at `offset`. */
export function put(bytes: Buffer, offset: number, value: readonly number[] | Uint8Array): Buffer {
  const out = Buffer.from(bytes)
  out.set(value, offset)
  return out
}

/** Big-endian u32 / u16 as bytes. */
export const u32 = (value: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(value >>> 0)
  return b
}
export const u16 = (value: number) => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(value)
  return b
}

/** Where each field of each key entry sits in the header. */
export interface EntryLayout {
  readonly sid: number
  readonly n: number
  readonly kasIdLength: number
  readonly jweLength: number
  readonly jwe: number
  readonly jweSize: number
}

/** Offsets of the entry count and of every entry field in a built object's header. */
export function layoutOf(built: BuiltObject): { entryCount: number; entries: EntryLayout[] } {
  const h = built.header.bytes
  const entryCount = 65 + (h[64] ?? 0)
  const entries: EntryLayout[] = []
  let at = entryCount + 1
  for (let i = 0; i < (h[entryCount] ?? 0); i++) {
    const kasIdLength = at + 2
    const jweLength = kasIdLength + 1 + (h[kasIdLength] ?? 0)
    const jweSize = ((h[jweLength] ?? 0) << 8) | (h[jweLength + 1] ?? 0)
    entries.push({ sid: at, n: at + 1, kasIdLength, jweLength, jwe: jweLength + 2, jweSize })
    at = jweLength + 2 + jweSize
  }
  return { entryCount, entries }
}

/**
 * The object with its header re-encoded (a valid layout and a MAC under `macKey`, by default the
 * object's true one) from edited entries, commitment or core.
 */
export function reheader(
  built: BuiltObject,
  edit: {
    entries?: readonly KeyEntry[]
    commitment?: Uint8Array
    macKey?: Uint8Array
    coreBytes?: Uint8Array
  },
): Buffer {
  const header = encodeHeader(
    edit.coreBytes ?? built.header.coreBytes,
    edit.entries ?? built.header.entries,
    {
      commitment: edit.commitment ?? built.keys.commitment,
      macKey: edit.macKey ?? built.keys.macKey,
    },
  )
  return Buffer.concat([header, bodyOf(built)])
}

/** The object's body (everything after the header). */
export function bodyOf(built: BuiltObject): Buffer {
  return bytesOf(built).subarray(headerSizeOf(built))
}

/** Segment `i` of the body as stored (ciphertext and tag). */
export function segmentOf(built: BuiltObject, index: number): Buffer {
  const body = bodyOf(built)
  return body.subarray(index * ENCRYPTED_SEGMENT_SIZE, (index + 1) * ENCRYPTED_SEGMENT_SIZE)
}

/** The header followed by the given segments. */
export function withSegments(built: BuiltObject, segments: readonly Uint8Array[]): Buffer {
  return Buffer.concat([built.header.bytes, ...segments])
}

/** Seals `plaintext` as segment `index` with a chosen final flag, as a malicious writer could. */
export function sealRaw(
  keys: ObjectKeys,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', keys.payloadKey, segmentNonce(index, final))
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

/** The pattern plaintext of segment `index` (`length` bytes). */
export function patternSegment(index: number, length: number): Uint8Array {
  return patternBytes(index * SEGMENT_SIZE + length).subarray(index * SEGMENT_SIZE)
}

/** A compact JWE with one part replaced (0: protected header … 4: tag). */
export function withJwePart(jwe: string, part: number, value: string): string {
  const parts = jwe.split('.')
  parts[part] = value
  return parts.join('.')
}

/** A compact JWE with one bit flipped inside the decoded bytes of a part. */
export function flipJwePart(jwe: string, part: number): string {
  const bytes = Buffer.from(jwe.split('.')[part] ?? '', 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 1
  return withJwePart(jwe, part, bytes.toString('base64url'))
}

/** A compact JWE whose protected header JSON is replaced by `edit(json)` (members keep order). */
export function editProtectedHeader(
  jwe: string,
  edit: (header: Record<string, unknown>) => string,
): string {
  const json = Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString('utf8')
  return withJwePart(jwe, 0, Buffer.from(edit(JSON.parse(json))).toString('base64url'))
}

/** Unpadded base64url. */
export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/** SHA-256 and HMAC-SHA-256, for hand-made headers. */
export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest()
}
export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest()
}
